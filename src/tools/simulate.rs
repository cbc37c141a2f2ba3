//! Synthetic populations of cases under a policy, deterministic by seed.
//!
//! A [`Simulation`] says how many cases arrive over how many days, from
//! which seed, and how customers and agents behave ([`Knobs`], each with a
//! documented default). [`Simulation::generate`] plays every case through
//! the real [`Case::handle`] and [`Case::tick`] (ticked at each
//! [`Case::next_wakeup`]), so each case's log is one the policy produced:
//! it replays, and [`History::from_events`](crate::replay::History::from_events)
//! rebuilds commands that, replayed under the same policy up to
//! [`Simulation::end`], give the log again. Commands the case refuses are
//! dropped and counted ([`SimulatedCase::refused`]).
//!
//! What a simulated case goes through:
//!
//! - it opens from a customer's contact at an arrival time spread over the
//!   days (weekdays busier than weekends, most in office hours), on a
//!   channel and at a priority drawn from [`Knobs::arrivals`], for a
//!   standard or high-value customer;
//! - a frontline agent is assigned after a short delay, and whenever a
//!   rule requires an owner or an escalation of some tier, an agent of that
//!   tier takes the case (as [`Host::Obedient`](crate::replay::Host::Obedient)
//!   does, after a short delay);
//! - the owner answers each contact after a delay with a long tail,
//!   slower out of office hours; sometimes waits on the customer, or pauses
//!   for one of the policy's other pause reasons; the customer sometimes
//!   writes again before the case is resolved (repeat contact);
//! - sometimes a failure is recorded, and the owner grants an apology with,
//!   where the guards allow it, a store credit; an apology a rule requires
//!   comes from an agent of the tier it names; calls a rule requires are
//!   usually made (kept) before they are due;
//! - the owner resolves; the customer may confirm, answer a survey (scores
//!   1 to 5), write again (reopening the case) or, rarely, signal they have
//!   left; the system closes the case a few days after its resolution, with
//!   a review where the policy wants one.
//!
//! Everything after [`Simulation::end`] is left out: cases that arrive
//! late are still open in the output, their clocks ticked up to the end.
//!
//! # Determinism
//! The same simulation, policy and seed give the same cases, event for
//! event, on any machine and however many threads generate them: the
//! generator is a `SplitMix64` stream per case, derived from the seed and the
//! case's number, and all arithmetic is on integers.
//!
//! # Example
//! ```
//! use escalate::Case;
//! use escalate::policy::Policy;
//! use escalate::tools::simulate::Simulation;
//! let policy = Policy::recommended();
//! let simulation = Simulation { cases: 20, days: 7, seed: 1, ..Simulation::default() };
//! let cases: Vec<_> = simulation.generate(&policy)?.collect();
//! assert_eq!(cases.len(), 20);
//! assert_eq!(cases[0].id.as_str(), "SIM-000001");
//! for case in &cases {
//!     Case::replay(&case.events)?; // every log is valid
//! }
//! // The same seed, the same cases.
//! let again: Vec<_> = simulation.generate(&policy)?.collect();
//! assert_eq!(again, cases);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::policy::{PauseName, Policy};
use crate::recovery::{CreditForm, Currency, Gesture, Manner, Money, Review};
use crate::{
    Actor, Agent, AgentId, Case, CaseId, Channel, Command, CommandId, CommandKind, Customer,
    CustomerId, CustomerValue, Event, EventKind, FailureId, FailureKind, Origin, Outcome, Priority,
    PromiseId, ResponseKind, StateName, SurveyScore, Tier,
};

/// A synthetic population: how many cases, over how many days from
/// `start`, from which seed, and how people behave.
///
/// Serde reads it with every field optional (the defaults below) and no
/// unknown field.
///
/// # Example
/// ```
/// use escalate::tools::simulate::Simulation;
/// let simulation: Simulation = serde_json::from_str(r#"{"cases": 500, "seed": 7,
///     "knobs": {"failure_percent": 40}}"#)?;
/// assert_eq!(simulation.days, 30);
/// assert_eq!(simulation.knobs.failure_percent, 40);
/// assert_eq!(simulation.knobs.survey_percent, 30);
/// assert!(serde_json::from_str::<Simulation>(r#"{"casse": 5}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Simulation {
    /// How many cases (default 1,000; at most [`Simulation::MAX_CASES`]).
    pub cases: u32,
    /// Over how many days they arrive (default 30; at least 1, at most
    /// [`Simulation::MAX_DAYS`]).
    pub days: u32,
    /// The seed: the same seed gives the same cases (default 1).
    pub seed: u64,
    /// The first day's midnight, UTC (default Monday 2021-03-01).
    pub start: DateTime<Utc>,
    /// How customers and agents behave.
    pub knobs: Knobs,
}

impl Default for Simulation {
    fn default() -> Self {
        Simulation {
            cases: 1_000,
            days: 30,
            seed: 1,
            start: DateTime::from_timestamp(1_614_556_800, 0).unwrap_or_default(),
            knobs: Knobs::default(),
        }
    }
}

/// One share of the arrivals: cases opened on a channel at a priority,
/// weighted against the other entries.
///
/// # Example
/// ```
/// use escalate::{Channel, Priority};
/// use escalate::tools::simulate::Arrival;
/// let a: Arrival = serde_json::from_str(r#"{"channel": "email", "priority": "high", "weight": 5}"#)?;
/// assert_eq!(a, Arrival { channel: Channel::Email, priority: Priority::High, weight: 5 });
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arrival {
    /// The channel of the contact that opens the case.
    pub channel: Channel,
    /// The case's priority.
    #[serde(default)]
    pub priority: Priority,
    /// Its weight among the arrivals.
    pub weight: u32,
}

/// How customers and agents behave. Percentages are chances per case (or
/// per step where said), from 0 to 100; delays are medians of a log-normal
/// shape (the 90th percentile is about 3.6 times the median, the 99th about
/// 10 times).
///
/// # Example
/// ```
/// use escalate::tools::simulate::Knobs;
/// let knobs = Knobs::default();
/// assert_eq!(knobs.office_hours, [9, 17]);
/// assert_eq!(knobs.survey_scores, [8, 7, 15, 30, 40]);
/// assert_eq!(knobs.arrivals.iter().map(|a| a.weight).sum::<u32>(), 100);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Knobs {
    /// The mix of channels and priorities (default: email 40%, phone 27%,
    /// chat 15%, voicemail 6%, private social 5%, public social 4%, in
    /// person 3%; mostly normal priority).
    pub arrivals: Vec<Arrival>,
    /// Customers of high value (default 10%).
    pub high_value_percent: u8,
    /// A weekend day's arrivals, as a percentage of a weekday's (default 30).
    pub weekend_percent: u32,
    /// Office hours, local to the policy's time zone, Monday to Friday:
    /// the opening and closing hour (default 9 to 17).
    pub office_hours: [u8; 2],
    /// A weekday's arrivals that fall in office hours (default 75%).
    pub in_office_hours_percent: u8,
    /// The owner's reply to a contact (default 45 minutes).
    pub reply_minutes: u32,
    /// Out of office hours, the chance that someone replies as in office
    /// hours (default 20%); otherwise the reply comes after the next
    /// opening, plus the usual delay.
    pub out_of_hours_cover_percent: u8,
    /// The first assignment, and taking a case a rule sends to a tier
    /// (default 10 minutes).
    pub assign_minutes: u32,
    /// Agents at each tier, named `<tier>-01` and so on (default 40).
    pub agents_per_tier: u32,
    /// Cases the owner answers with a deflection (a redirect) instead of
    /// an answer, per reply (default 3%).
    pub deflection_percent: u8,
    /// Cases that wait on the customer after the first reply (default 25%).
    pub wait_on_customer_percent: u8,
    /// The customer's answer while the company waits, and their later
    /// messages (default 600 minutes).
    pub customer_minutes: u32,
    /// Cases that pause for one of the policy's other pause reasons (a
    /// third party, a visit) after the first reply, for one to three days
    /// (default 10%).
    pub other_pause_percent: u8,
    /// The chance, each time, that the customer writes again before the
    /// case is resolved (repeat contact; default 30%, at most 3 times).
    pub follow_up_percent: u8,
    /// Cases with a failure recorded (default 15%).
    pub failure_percent: u8,
    /// Cases with a failure whose apology comes with a store credit
    /// (10 to 25% of the loss, if the guards allow; default 50%).
    pub credit_percent: u8,
    /// Calls a rule requires that the owner makes before they are due
    /// (default 85%).
    pub keep_call_percent: u8,
    /// From the last reply to the resolution (default 480 minutes).
    pub resolve_minutes: u32,
    /// Resolved cases the customer confirms (default 60%).
    pub confirm_percent: u8,
    /// Resolved cases whose customer answers a survey (default 30%).
    pub survey_percent: u8,
    /// The weights of survey scores 1 to 5 (default 8, 7, 15, 30, 40).
    pub survey_scores: [u32; 5],
    /// Resolved cases the customer writes about again, reopening them
    /// (default 5%).
    pub reopen_percent: u8,
    /// Cases whose customer signals they have left (default 2%).
    pub churn_percent: u8,
    /// Hours from the resolution to closing (default 72).
    pub close_after_hours: u32,
}

impl Default for Knobs {
    fn default() -> Self {
        let arrival = |channel, priority, weight| Arrival {
            channel,
            priority,
            weight,
        };
        Knobs {
            arrivals: vec![
                arrival(Channel::Email, Priority::Normal, 32),
                arrival(Channel::Email, Priority::Low, 6),
                arrival(Channel::Email, Priority::High, 2),
                arrival(Channel::Phone, Priority::Normal, 20),
                arrival(Channel::Phone, Priority::High, 5),
                arrival(Channel::Phone, Priority::Urgent, 2),
                arrival(Channel::Chat, Priority::Normal, 15),
                arrival(Channel::Voicemail, Priority::Normal, 6),
                arrival(Channel::SocialPrivate, Priority::Normal, 5),
                arrival(Channel::SocialPublic, Priority::Normal, 4),
                arrival(Channel::InPerson, Priority::Normal, 3),
            ],
            high_value_percent: 10,
            weekend_percent: 30,
            office_hours: [9, 17],
            in_office_hours_percent: 75,
            reply_minutes: 45,
            out_of_hours_cover_percent: 20,
            assign_minutes: 10,
            agents_per_tier: 40,
            deflection_percent: 3,
            wait_on_customer_percent: 25,
            customer_minutes: 600,
            other_pause_percent: 10,
            follow_up_percent: 30,
            failure_percent: 15,
            credit_percent: 50,
            keep_call_percent: 85,
            resolve_minutes: 480,
            confirm_percent: 60,
            survey_percent: 30,
            survey_scores: [8, 7, 15, 30, 40],
            reopen_percent: 5,
            churn_percent: 2,
            close_after_hours: 72,
        }
    }
}

/// A simulation that cannot run: which field, and what was expected.
///
/// # Example
/// ```
/// use escalate::policy::Policy;
/// use escalate::tools::simulate::Simulation;
/// let mut simulation = Simulation::default();
/// simulation.knobs.failure_percent = 120;
/// let err = simulation.generate(&Policy::recommended()).err().map(|e| e.to_string());
/// assert_eq!(err.as_deref(), Some("knobs.failure_percent: 120 is not a percentage (0 to 100)"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimulationError(String);

impl fmt::Display for SimulationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SimulationError {}

/// One simulated case: its id, its log, and the commands it refused.
///
/// # Example
/// ```
/// use escalate::EventKind;
/// use escalate::policy::Policy;
/// use escalate::tools::simulate::Simulation;
/// let simulation = Simulation { cases: 3, ..Simulation::default() };
/// let case = simulation.generate(&Policy::recommended())?.next().unwrap();
/// assert_eq!(case.id.as_str(), "SIM-000001");
/// assert!(matches!(case.events[0].kind(), EventKind::Opened(_)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimulatedCase {
    /// `SIM-000001` and so on, in order of arrival.
    pub id: CaseId,
    /// Every event the case recorded, in order.
    pub events: Vec<Event>,
    /// Commands the case refused (dropped from the log).
    pub refused: u32,
}

impl Simulation {
    /// The most cases one simulation generates: a million (about 18
    /// million events, 3.7 GB of JSON lines, under a minute on two
    /// cores). More is refused rather than left to run for hours or
    /// exhaust memory; simulate with several seeds for more.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::tools::simulate::Simulation;
    /// let too_many = Simulation { cases: Simulation::MAX_CASES + 1, ..Simulation::default() };
    /// let err = too_many.generate(&Policy::recommended()).err().map(|e| e.to_string());
    /// assert_eq!(err.as_deref(), Some("cases: 1000001 is more than 1000000, the most one simulation generates"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const MAX_CASES: u32 = 1_000_000;

    /// The most days a simulation spans: 3,660 (ten years).
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::tools::simulate::Simulation;
    /// let ten_years = Simulation { cases: 3, days: Simulation::MAX_DAYS, ..Simulation::default() };
    /// assert!(ten_years.generate(&Policy::recommended()).is_ok());
    /// let more = Simulation { days: Simulation::MAX_DAYS + 1, ..ten_years };
    /// let err = more.generate(&Policy::recommended()).err().map(|e| e.to_string());
    /// assert_eq!(err.as_deref(), Some("days: 3661 is more than 3660 (ten years), the most one simulation spans"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const MAX_DAYS: u32 = 3_660;

    /// The instant the simulation stops: `start` plus `days`. Nothing
    /// happens after it; open cases are ticked up to it.
    ///
    /// # Errors
    /// [`SimulationError`] when it is out of range.
    ///
    /// # Example
    /// ```
    /// use escalate::tools::simulate::Simulation;
    /// let simulation = Simulation { days: 2, ..Simulation::default() };
    /// assert_eq!(simulation.end()?, "2021-03-03T00:00:00Z".parse::<chrono::DateTime<chrono::Utc>>()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn end(&self) -> Result<DateTime<Utc>, SimulationError> {
        self.start
            .checked_add_signed(TimeDelta::days(i64::from(self.days)))
            .filter(|end| end.year() < 9000)
            .ok_or_else(|| {
                SimulationError(format!(
                    "days: {} days from {} is out of range",
                    self.days, self.start
                ))
            })
    }

    /// Every case, in order of arrival, generated in batches across the
    /// machine's cores.
    ///
    /// # Errors
    /// [`SimulationError`] naming the field when the simulation cannot
    /// run: no days, more than [`Simulation::MAX_DAYS`] days or
    /// [`Simulation::MAX_CASES`] cases, a percentage above 100, no arrival weight, office
    /// hours that are not an opening before a closing within the day.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::tools::simulate::Simulation;
    /// let simulation = Simulation { cases: 50, days: 10, seed: 3, ..Simulation::default() };
    /// let events: usize = simulation.generate(&Policy::recommended())?.map(|c| c.events.len()).sum();
    /// assert!(events > 50 * 5, "{events} events");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn generate<'a>(&'a self, policy: &'a Policy) -> Result<Cases<'a>, SimulationError> {
        let end = self.check()?;
        Ok(Cases {
            simulation: self,
            policy,
            end,
            arrivals: self.arrivals(policy.time_zone()),
            next: 0,
            ready: Vec::new().into_iter(),
        })
    }

    fn check(&self) -> Result<DateTime<Utc>, SimulationError> {
        let k = &self.knobs;
        if self.days == 0 {
            return Err(SimulationError("days: 0; at least 1 day".to_owned()));
        }
        if self.days > Self::MAX_DAYS {
            return Err(SimulationError(format!(
                "days: {} is more than {} (ten years), the most one simulation spans",
                self.days,
                Self::MAX_DAYS
            )));
        }
        if self.cases > Self::MAX_CASES {
            return Err(SimulationError(format!(
                "cases: {} is more than {}, the most one simulation generates",
                self.cases,
                Self::MAX_CASES
            )));
        }
        let end = self.end()?;
        for (name, value) in [
            ("high_value_percent", k.high_value_percent),
            ("in_office_hours_percent", k.in_office_hours_percent),
            ("out_of_hours_cover_percent", k.out_of_hours_cover_percent),
            ("deflection_percent", k.deflection_percent),
            ("wait_on_customer_percent", k.wait_on_customer_percent),
            ("other_pause_percent", k.other_pause_percent),
            ("follow_up_percent", k.follow_up_percent),
            ("failure_percent", k.failure_percent),
            ("credit_percent", k.credit_percent),
            ("keep_call_percent", k.keep_call_percent),
            ("confirm_percent", k.confirm_percent),
            ("survey_percent", k.survey_percent),
            ("reopen_percent", k.reopen_percent),
            ("churn_percent", k.churn_percent),
        ] {
            if value > 100 {
                return Err(SimulationError(format!(
                    "knobs.{name}: {value} is not a percentage (0 to 100)"
                )));
            }
        }
        if k.arrivals.iter().all(|a| a.weight == 0) {
            return Err(SimulationError(
                "knobs.arrivals: no arrival has a weight above 0".to_owned(),
            ));
        }
        if k.survey_scores.iter().all(|w| *w == 0) {
            return Err(SimulationError(
                "knobs.survey_scores: every weight is 0".to_owned(),
            ));
        }
        let [open, close] = k.office_hours;
        if open >= close || close > 24 {
            return Err(SimulationError(format!(
                "knobs.office_hours: [{open}, {close}] is not an opening hour before a closing hour (0 to 24)"
            )));
        }
        if k.agents_per_tier == 0 {
            return Err(SimulationError(
                "knobs.agents_per_tier: 0; at least 1 agent".to_owned(),
            ));
        }
        Ok(end)
    }

    /// Every case's arrival, sorted: one stream for the whole population.
    fn arrivals(&self, tz: Tz) -> Vec<DateTime<Utc>> {
        let k = &self.knobs;
        let mut rng = Rng::new(self.seed, u64::MAX);
        let first = self.start.with_timezone(&tz).date_naive();
        let weights: Vec<u32> = (0..self.days)
            .map(|d| {
                let day = first + TimeDelta::days(i64::from(d));
                if is_weekend(day) {
                    k.weekend_percent
                } else {
                    100
                }
            })
            .collect();
        let [open, close] = k.office_hours.map(u32::from);
        let mut arrivals: Vec<DateTime<Utc>> = (0..self.cases)
            .map(|_| {
                let d = rng.weighted(&weights).unwrap_or(0);
                let day = first + TimeDelta::days(i64::try_from(d).unwrap_or(0));
                let minute = if !is_weekend(day) && rng.percent(k.in_office_hours_percent) {
                    open * 60 + rng.below_u32((close - open) * 60)
                } else if is_weekend(day) || close - open >= 24 {
                    rng.below_u32(24 * 60)
                } else {
                    // Out of hours on a weekday: before opening or after closing.
                    let m = rng.below_u32((24 - (close - open)) * 60);
                    if m < open * 60 {
                        m
                    } else {
                        m + (close - open) * 60
                    }
                };
                let second = rng.below_u32(60);
                local(tz, day, minute, second)
                    .unwrap_or(self.start)
                    .max(self.start)
            })
            .collect();
        arrivals.sort_unstable();
        arrivals
    }
}

/// The cases of a simulation, in order ([`Simulation::generate`]).
///
/// # Example
/// ```
/// use escalate::policy::Policy;
/// use escalate::tools::simulate::Simulation;
/// let simulation = Simulation { cases: 5, ..Simulation::default() };
/// let ids: Vec<String> = simulation.generate(&Policy::recommended())?.map(|c| c.id.to_string()).collect();
/// assert_eq!(ids, ["SIM-000001", "SIM-000002", "SIM-000003", "SIM-000004", "SIM-000005"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Cases<'a> {
    simulation: &'a Simulation,
    policy: &'a Policy,
    end: DateTime<Utc>,
    arrivals: Vec<DateTime<Utc>>,
    next: usize,
    ready: std::vec::IntoIter<SimulatedCase>,
}

/// How many cases are generated together (across the cores).
const BATCH: usize = 4_096;

impl Iterator for Cases<'_> {
    type Item = SimulatedCase;

    fn next(&mut self) -> Option<SimulatedCase> {
        if let Some(case) = self.ready.next() {
            return Some(case);
        }
        if self.next >= self.arrivals.len() {
            return None;
        }
        let upto = (self.next + BATCH).min(self.arrivals.len());
        let batch: Vec<(usize, DateTime<Utc>)> = (self.next..upto)
            .zip(self.arrivals[self.next..upto].iter().copied())
            .collect();
        self.next = upto;
        let (simulation, policy, end) = (self.simulation, self.policy, self.end);
        self.ready = crate::par::map(batch, |(n, at)| one(simulation, policy, end, n, at))
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .into_iter();
        self.ready.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.arrivals.len() - self.next + self.ready.len();
        (0, Some(left))
    }
}

/// Case number `n` (from 0), arriving at `at`.
fn one(
    simulation: &Simulation,
    policy: &Policy,
    end: DateTime<Utc>,
    n: usize,
    at: DateTime<Utc>,
) -> Option<SimulatedCase> {
    let id = CaseId::new(format!("SIM-{:06}", n + 1)).ok()?;
    let mut sim = Sim {
        policy,
        knobs: &simulation.knobs,
        tz: policy.time_zone(),
        end,
        rng: Rng::new(simulation.seed, u64::try_from(n).unwrap_or(u64::MAX)),
        case: Case::new(id.clone()),
        log: Vec::new(),
        refused: 0,
        commands: 0,
        agenda: Vec::new(),
        seq: 0,
        reply_channel: Channel::Email,
        plan: Plan::default(),
    };
    sim.run(at, n);
    Some(SimulatedCase {
        id,
        events: sim.log,
        refused: sim.refused,
    })
}

/// What a case will go through, drawn when it opens.
#[derive(Default)]
#[allow(clippy::struct_excessive_bools)] // independent yes-or-no draws and progress marks of one case
struct Plan {
    wait: bool,
    other_pause: bool,
    failure: bool,
    credit: bool,
    churn: bool,
    /// Whether the first reply was sent (the steps after it are planned).
    answered: bool,
    /// Whether a resolve is on the agenda.
    resolving: bool,
    follow_ups: u8,
    /// A review is wanted at closing.
    review: bool,
    survey: Option<u8>,
}

/// A step on a case's agenda.
#[derive(Clone, Debug)]
enum Step {
    Assign,
    Take(Tier),
    Reply,
    Work,
    WaitOnCustomer,
    OtherPause,
    CustomerWrites,
    FollowUp,
    RecordFailure,
    Recover,
    Apologise(Tier),
    KeepCall(PromiseId),
    Resolve,
    Confirm,
    Survey(u8),
    Churn,
    Close,
}

/// At most this many steps per case: the agenda always ends, but a
/// policy could keep a case busy.
const MAX_STEPS: usize = 400;

struct Sim<'a> {
    policy: &'a Policy,
    knobs: &'a Knobs,
    tz: Tz,
    end: DateTime<Utc>,
    rng: Rng,
    case: Case,
    log: Vec<Event>,
    refused: u32,
    commands: u32,
    agenda: Vec<(DateTime<Utc>, u32, Step)>,
    seq: u32,
    reply_channel: Channel,
    plan: Plan,
}

impl Sim<'_> {
    fn run(&mut self, opened: DateTime<Utc>, n: usize) {
        let k = self.knobs;
        let weights: Vec<u32> = k.arrivals.iter().map(|a| a.weight).collect();
        let Some(arrival) = self.rng.weighted(&weights).and_then(|i| k.arrivals.get(i)) else {
            return;
        };
        let value = if self.rng.percent(k.high_value_percent) {
            CustomerValue::HighValue
        } else {
            CustomerValue::Standard
        };
        let Ok(customer) = CustomerId::new(format!("cust-{:06}", n + 1)) else {
            return;
        };
        self.reply_channel = reply_channel(arrival.channel);
        self.plan = Plan {
            wait: self.rng.percent(k.wait_on_customer_percent),
            other_pause: self.rng.percent(k.other_pause_percent),
            failure: self.rng.percent(k.failure_percent),
            credit: self.rng.percent(k.credit_percent),
            churn: self.rng.percent(k.churn_percent),
            ..Plan::default()
        };
        let open = CommandKind::Open {
            customer: Customer::new(customer, value),
            origin: Origin::Contact {
                channel: arrival.channel,
            },
            summary: "simulated problem".into(),
            priority: arrival.priority,
        };
        if !self.send(Actor::Customer, opened, open) {
            return;
        }
        let assign = self.delay(opened, k.assign_minutes);
        self.plan_at(assign, Step::Assign);
        self.plan_reply(opened);
        if self.rng.percent(k.follow_up_percent) {
            let at = self.after(opened, k.customer_minutes);
            self.plan_at(at, Step::FollowUp);
        }
        if self.plan.churn {
            let at = self.after(opened, k.customer_minutes.saturating_mul(4));
            self.plan_at(at, Step::Churn);
        }
        for _ in 0..MAX_STEPS {
            let next_step = self.agenda.iter().map(|(at, seq, _)| (*at, *seq)).min();
            let Some((at, seq)) = next_step else { break };
            if at > self.end {
                break;
            }
            // Time first: each wake-up before the step, with its reactions.
            if let Some(wake) = self.case.next_wakeup(self.policy)
                && wake <= at
            {
                if !self.tick(wake) {
                    break;
                }
                continue;
            }
            let Some(index) = self
                .agenda
                .iter()
                .position(|(a, s, _)| (*a, *s) == (at, seq))
            else {
                break;
            };
            let (at, _, step) = self.agenda.swap_remove(index);
            self.step(at, step);
        }
        // The rest of the case's time, up to the end.
        for _ in 0..MAX_STEPS {
            match self.case.next_wakeup(self.policy) {
                Some(wake) if wake <= self.end => {
                    if !self.tick(wake) {
                        break;
                    }
                }
                _ => break,
            }
        }
    }

    /// Ticks at `wake`; whether it recorded anything.
    fn tick(&mut self, wake: DateTime<Utc>) -> bool {
        let events = self.case.tick(self.policy, wake);
        if events.is_empty() {
            return false;
        }
        self.apply(&events)
    }

    fn step(&mut self, at: DateTime<Utc>, step: Step) {
        let k = self.knobs;
        let state = self.case.status().name();
        let open = !matches!(state, StateName::Closed | StateName::Unopened);
        let working = matches!(state, StateName::Working | StateName::AwaitingCustomer);
        match step {
            Step::Assign => {
                if state == StateName::New
                    && let Some(agent) = self.agent(0)
                {
                    self.send(Actor::System, at, CommandKind::Assign { to: agent });
                }
            }
            Step::Take(tier) => self.take(at, &tier),
            Step::Reply => self.reply(at),
            Step::Work => self.work(at),
            Step::WaitOnCustomer => {
                if let Some(owner) = self.owner_actor()
                    && state == StateName::Working
                    && self.case.unanswered().is_empty()
                    && self.send(
                        owner,
                        at,
                        CommandKind::WaitOnCustomer {
                            reason: "details of the problem".into(),
                        },
                    )
                {
                    let back = self.after(at, k.customer_minutes);
                    self.plan_at(back, Step::CustomerWrites);
                }
            }
            Step::OtherPause => self.other_pause(at),
            Step::CustomerWrites => {
                if open {
                    self.contact(at, "here is what you asked for");
                }
            }
            Step::FollowUp => {
                if working && self.plan.follow_ups < 3 {
                    self.plan.follow_ups += 1;
                    self.contact(at, "any news?");
                    if self.rng.percent(k.follow_up_percent) {
                        let again = self.after(at, k.customer_minutes);
                        self.plan_at(again, Step::FollowUp);
                    }
                }
            }
            Step::RecordFailure => self.record_failure(at),
            Step::Recover => self.recover(at),
            Step::Apologise(tier) => self.apologise(at, &tier),
            Step::KeepCall(promise) => {
                if open && let Some(actor) = self.owner_actor() {
                    self.send(actor, at, CommandKind::KeepPromise { promise });
                }
            }
            Step::Resolve => self.resolve(at),
            Step::Confirm => {
                if state == StateName::Resolved {
                    self.send(Actor::Customer, at, CommandKind::ConfirmResolution);
                }
            }
            Step::Survey(score) => {
                if open && let Ok(score) = SurveyScore::new(score) {
                    let comment = if score.get() <= 2 {
                        "not happy"
                    } else {
                        "thanks"
                    };
                    self.send(
                        Actor::Customer,
                        at,
                        CommandKind::AnswerSurvey {
                            score,
                            comment: comment.into(),
                        },
                    );
                }
            }
            Step::Churn => {
                if open {
                    self.send(
                        Actor::Customer,
                        at,
                        CommandKind::SignalChurn {
                            note: "I have switched provider".into(),
                        },
                    );
                }
            }
            Step::Close => self.close(at),
        }
    }

    /// The customer writes; the owner will reply.
    fn contact(&mut self, at: DateTime<Utc>, note: &str) {
        let channel = match self.case.origin() {
            Some(Origin::Contact { channel }) => *channel,
            _ => Channel::Email,
        };
        if self.send(
            Actor::Customer,
            at,
            CommandKind::Contact {
                channel,
                note: note.into(),
            },
        ) {
            self.plan_reply(at);
        }
    }

    fn plan_reply(&mut self, at: DateTime<Utc>) {
        let reply = self.delay(at, self.knobs.reply_minutes);
        self.plan_at(reply, Step::Reply);
    }

    fn reply(&mut self, at: DateTime<Utc>) {
        if self.case.unanswered().is_empty() {
            return;
        }
        let Some(owner) = self.owner_actor() else {
            // Nobody owns it yet: the reply waits for an owner.
            let later = self.after(at, self.knobs.assign_minutes.max(1));
            self.plan_at(later, Step::Reply);
            return;
        };
        let kind = if self.rng.percent(self.knobs.deflection_percent) {
            ResponseKind::Deflection
        } else {
            ResponseKind::Answer
        };
        let note = if kind == ResponseKind::Answer {
            "here is what we will do"
        } else {
            "please ask the carrier"
        };
        if self.send(
            owner,
            at,
            CommandKind::Respond {
                channel: self.reply_channel,
                note: note.into(),
                kind,
            },
        ) {
            let work = self.after(at, 5);
            self.plan_at(work, Step::Work);
        }
    }

    /// After a reply: what the case goes through next, planned once, and
    /// the resolve when nothing else is pending.
    fn work(&mut self, at: DateTime<Utc>) {
        let k = self.knobs;
        if !self.plan.answered {
            self.plan.answered = true;
            if self.plan.failure {
                self.plan_at(at, Step::RecordFailure);
            }
            if self.plan.wait {
                let t = self.after(at, 15);
                self.plan_at(t, Step::WaitOnCustomer);
                return;
            }
            if self.plan.other_pause {
                let t = self.after(at, 15);
                self.plan_at(t, Step::OtherPause);
                return;
            }
        }
        if !self.plan.resolving && self.case.status().name() == StateName::Working {
            self.plan.resolving = true;
            let t = self.delay(at, k.resolve_minutes);
            self.plan_at(t, Step::Resolve);
        }
    }

    fn other_pause(&mut self, at: DateTime<Utc>) {
        let reasons: Vec<PauseName> = self
            .policy
            .pauses()
            .iter()
            .filter(|r| r.name != PauseName::awaiting_customer())
            .map(|r| r.name.clone())
            .collect();
        let Some(reason) = self.rng.pick(&reasons).cloned() else {
            self.work(at);
            return;
        };
        let hours = 24 + i64::from(self.rng.below_u32(48));
        let until = at.checked_add_signed(TimeDelta::hours(hours));
        if let Some(owner) = self.owner_actor()
            && self.send(
                owner,
                at,
                CommandKind::Pause {
                    reason,
                    note: "waiting on the carrier".into(),
                    until,
                },
            )
            && let Some(until) = until
        {
            self.plan_at(until, Step::Work);
            return;
        }
        self.work(at);
    }

    fn record_failure(&mut self, at: DateTime<Utc>) {
        let kinds = [
            FailureKind::Product,
            FailureKind::Service,
            FailureKind::Monetary,
            FailureKind::Attention,
        ];
        let kind = self
            .rng
            .pick(&kinds)
            .copied()
            .unwrap_or(FailureKind::Service);
        let loss = matches!(kind, FailureKind::Product | FailureKind::Monetary).then(|| {
            let minor = 1_000 + i64::from(self.rng.below_u32(49_000));
            Money::new(minor, Currency::USD)
        });
        if let Some(owner) = self.owner_actor()
            && self.send(
                owner,
                at,
                CommandKind::RecordFailure {
                    kind,
                    description: "the order went wrong".into(),
                    loss,
                },
            )
        {
            let t = self.delay(at, self.knobs.reply_minutes);
            self.plan_at(t, Step::Recover);
        }
    }

    /// An apology for every failure, with a store credit where planned and
    /// allowed.
    fn recover(&mut self, at: DateTime<Utc>) {
        let Some(owner) = self.owner_actor() else {
            return;
        };
        let failures: Vec<FailureId> = self
            .case
            .failures()
            .iter()
            .map(crate::Failure::id)
            .collect();
        if failures.is_empty() || self.case.status().name() == StateName::Closed {
            return;
        }
        let sorry = Gesture::Apology {
            failures: failures.clone(),
            manner: Manner::Personal,
        };
        let mut gestures = vec![sorry.clone()];
        let loss: i64 = self
            .case
            .failures()
            .iter()
            .filter_map(crate::Failure::loss)
            .filter(|m| m.currency() == Currency::USD)
            .map(|m| m.minor())
            .sum();
        if self.plan.credit && loss > 0 {
            let share = 10 + i64::from(self.rng.below_u32(16));
            gestures.push(Gesture::Credit {
                failures,
                form: CreditForm::StoreCredit,
                amount: Money::new(loss * share / 100, Currency::USD),
            });
            if !self
                .case
                .check_grant(self.policy, &owner, &gestures)
                .is_empty()
            {
                gestures = vec![sorry];
            }
        }
        self.send(owner, at, CommandKind::Grant { gestures });
    }

    /// An apology a rule requires from `tier`: the owner's if senior
    /// enough, otherwise an agent of that tier's.
    fn apologise(&mut self, at: DateTime<Utc>, tier: &Tier) {
        if self.case.status().name() == StateName::Closed {
            return;
        }
        let rank = self.policy.rank(tier);
        let actor = match self.case.owner() {
            Some(owner) if self.policy.rank(owner.tier()) >= rank => Actor::Agent(owner.clone()),
            _ => match self.policy.rank(tier).and_then(|r| self.agent(r)) {
                Some(agent) => Actor::Agent(agent),
                None => return,
            },
        };
        let failures = self
            .case
            .failures()
            .iter()
            .map(crate::Failure::id)
            .collect();
        let gestures = vec![Gesture::Apology {
            failures,
            manner: Manner::Personal,
        }];
        self.send(actor, at, CommandKind::Grant { gestures });
    }

    fn resolve(&mut self, at: DateTime<Utc>) {
        self.plan.resolving = false;
        let state = self.case.status().name();
        if !matches!(state, StateName::Working | StateName::AwaitingCustomer) {
            return;
        }
        if !self.case.unanswered().is_empty() || self.case.pause().is_some() {
            // Not yet: the next reply or the end of the pause plans it again.
            return;
        }
        if let Some(owner) = self.owner_actor() {
            self.send(
                owner,
                at,
                CommandKind::Resolve {
                    summary: "fixed".into(),
                },
            );
        }
    }

    /// After a resolution: the customer's answers, and the closing.
    fn resolved(&mut self, at: DateTime<Utc>) {
        let k = self.knobs;
        if self.rng.percent(k.reopen_percent) {
            let t = self.after(at, k.customer_minutes);
            self.plan_at(t, Step::CustomerWrites);
            return;
        }
        if self.rng.percent(k.confirm_percent) {
            let t = self.after(at, k.customer_minutes);
            self.plan_at(t, Step::Confirm);
        }
        if self.plan.survey.is_none() && self.rng.percent(k.survey_percent) {
            let score = self
                .rng
                .weighted(&k.survey_scores)
                .and_then(|i| u8::try_from(i + 1).ok())
                .unwrap_or(5);
            self.plan.survey = Some(score);
            let t = self.after(at, k.customer_minutes);
            self.plan_at(t, Step::Survey(score));
        }
        let close = at.checked_add_signed(TimeDelta::hours(i64::from(k.close_after_hours)));
        if let Some(close) = close {
            self.plan_at(close, Step::Close);
        }
    }

    fn close(&mut self, at: DateTime<Utc>) {
        if self.case.status().name() != StateName::Resolved {
            return;
        }
        let outcome = if self.case.churned_at().is_some() {
            Outcome::Lost
        } else if !self.case.failures().is_empty() && self.plan.survey.is_some_and(|s| s >= 4) {
            Outcome::WonBack
        } else {
            Outcome::Retained
        };
        let review = (self.plan.review || outcome == Outcome::Lost)
            .then(|| Review::new("simulated root cause", "simulated change").ok())
            .flatten();
        self.send(Actor::System, at, CommandKind::Close { outcome, review });
    }

    /// A rule sent the case to `tier`: an agent of it takes the case.
    fn take(&mut self, at: DateTime<Utc>, tier: &Tier) {
        let state = self.case.status().name();
        if !matches!(
            state,
            StateName::New | StateName::Working | StateName::AwaitingCustomer
        ) {
            return;
        }
        let Some(rank) = self.policy.rank(tier) else {
            return;
        };
        let Some(agent) = self.agent(rank) else {
            return;
        };
        let kind = match self.case.owner() {
            None => CommandKind::Assign { to: agent },
            Some(owner) if self.policy.rank(owner.tier()).is_some_and(|r| r < rank) => {
                CommandKind::Escalate {
                    to: agent,
                    reason: "the policy required it".into(),
                }
            }
            Some(_) => return,
        };
        self.send(Actor::System, at, kind);
    }

    /// Sends a command; applies its events and reacts to them. Whether the
    /// case accepted it (a refused command is counted and dropped).
    fn send(&mut self, actor: Actor, at: DateTime<Utc>, kind: CommandKind) -> bool {
        let at = self.case.latest().map_or(at, |l| l.max(at));
        self.commands += 1;
        let Ok(id) = CommandId::new(format!("c-{}", self.commands)) else {
            return false;
        };
        let command = Command::new(id, actor, at, kind);
        if let Ok(events) = self.case.handle(self.policy, command, at) {
            self.apply(&events)
        } else {
            self.refused += 1;
            false
        }
    }

    /// Applies events the case produced and plans the host's reactions.
    fn apply(&mut self, events: &[Event]) -> bool {
        for event in events {
            if self.case.apply(event).is_err() {
                return false;
            }
            self.log.push(event.clone());
        }
        for event in events {
            let at = event.at();
            match event.kind() {
                EventKind::OwnerRequired { tier, .. }
                | EventKind::EscalationRequired { tier, .. } => {
                    let t = self.after(at, self.knobs.assign_minutes);
                    self.plan_at(t, Step::Take(tier.clone()));
                }
                EventKind::ApologyRequired { tier, .. } => {
                    let t = self.delay(at, self.knobs.reply_minutes);
                    self.plan_at(t, Step::Apologise(tier.clone()));
                }
                EventKind::PromiseMade {
                    promise,
                    due: Some(due),
                    ..
                } if event.actor() == &Actor::System
                    && self.rng.percent(self.knobs.keep_call_percent) =>
                {
                    let t = self.delay(at, self.knobs.reply_minutes);
                    let before = due
                        .checked_sub_signed(TimeDelta::minutes(1))
                        .unwrap_or(*due);
                    self.plan_at(t.min(before).max(at), Step::KeepCall(*promise));
                }
                EventKind::Escalated { .. } | EventKind::ReviewRequired { .. } => {
                    self.plan.review = true;
                }
                EventKind::Resolved { .. } => self.resolved(at),
                EventKind::Resumed => self.work(at),
                _ => {}
            }
        }
        true
    }

    fn plan_at(&mut self, at: DateTime<Utc>, step: Step) {
        self.seq += 1;
        self.agenda.push((at, self.seq, step));
    }

    fn owner_actor(&self) -> Option<Actor> {
        self.case.owner().cloned().map(Actor::Agent)
    }

    /// An agent of the tier at `rank`, drawn from the pool.
    fn agent(&mut self, rank: usize) -> Option<Agent> {
        let tier = self.policy.tiers().get(rank)?.clone();
        let k = 1 + self.rng.below_u32(self.knobs.agents_per_tier);
        let id = AgentId::new(format!("{tier}-{k:02}")).ok()?;
        Some(Agent::new(id, tier))
    }

    /// `at` plus a long-tailed delay of median `median` minutes.
    fn after(&mut self, at: DateTime<Utc>, median: u32) -> DateTime<Utc> {
        let minutes = self.rng.long_tail(median);
        at.checked_add_signed(TimeDelta::seconds(minutes))
            .unwrap_or(self.end)
    }

    /// As [`after`](Self::after), but an agent out of office hours
    /// usually starts at the next opening.
    fn delay(&mut self, at: DateTime<Utc>, median: u32) -> DateTime<Utc> {
        let from = if self.in_office(at) || self.rng.percent(self.knobs.out_of_hours_cover_percent)
        {
            at
        } else {
            self.next_opening(at).unwrap_or(at)
        };
        self.after(from, median)
    }

    fn in_office(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.tz);
        let [open, close] = self.knobs.office_hours.map(u32::from);
        !is_weekend(local.date_naive()) && (open..close).contains(&local.hour())
    }

    fn next_opening(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let day = at.with_timezone(&self.tz).date_naive();
        let open = u32::from(self.knobs.office_hours[0]);
        (0..8)
            .filter_map(|d| day.checked_add_signed(TimeDelta::days(d)))
            .filter(|d| !is_weekend(*d))
            .filter_map(|d| local(self.tz, d, open * 60, 0))
            .find(|t| *t > at)
    }
}

/// The channel a reply to a contact on `channel` goes out on.
fn reply_channel(channel: Channel) -> Channel {
    match channel {
        Channel::Voicemail => Channel::Phone,
        Channel::Survey => Channel::Email,
        other => other,
    }
}

fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// `minute` minutes and `second` seconds into `day`, local to `tz` (the
/// earlier of two, or an hour later in a gap).
fn local(tz: Tz, day: NaiveDate, minute: u32, second: u32) -> Option<DateTime<Utc>> {
    let naive = day.and_hms_opt(minute / 60, minute % 60, second)?;
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(naive + TimeDelta::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

/// `SplitMix64`: a small, fast generator, one stream per case.
struct Rng(u64);

/// The log-normal shape (σ = 1) as its quantiles: (probability in
/// millionths, multiple of the median in thousandths).
const LONG_TAIL: [(u64, u64); 15] = [
    (0, 50),
    (10_000, 98),
    (50_000, 193),
    (100_000, 278),
    (200_000, 431),
    (300_000, 592),
    (400_000, 776),
    (500_000, 1_000),
    (600_000, 1_288),
    (700_000, 1_690),
    (800_000, 2_320),
    (900_000, 3_602),
    (950_000, 5_180),
    (990_000, 10_240),
    (1_000_000, 22_000),
];

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut mix = Rng(seed ^ 0x5851_F42D_4C95_7F2D);
        let a = mix.next_u64();
        let mut mix = Rng(a ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        Rng(mix.next_u64())
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        let wide = u128::from(self.next_u64()) * u128::from(n);
        u64::try_from(wide >> 64).unwrap_or(0)
    }

    fn below_u32(&mut self, n: u32) -> u32 {
        u32::try_from(self.below(u64::from(n))).unwrap_or(0)
    }

    fn percent(&mut self, p: u8) -> bool {
        self.below(100) < u64::from(p)
    }

    fn pick<'t, T>(&mut self, items: &'t [T]) -> Option<&'t T> {
        let n = u64::try_from(items.len()).ok()?;
        items.get(usize::try_from(self.below(n)).ok()?)
    }

    /// An index drawn by weight; `None` when every weight is 0.
    fn weighted(&mut self, weights: &[u32]) -> Option<usize> {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        if total == 0 {
            return None;
        }
        let mut x = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            let w = u64::from(*w);
            if x < w {
                return Some(i);
            }
            x -= w;
        }
        None
    }

    /// Seconds of a long-tailed delay whose median is `median` minutes.
    fn long_tail(&mut self, median: u32) -> i64 {
        let u = self.below(1_000_000);
        let mut multiple = 22_000;
        for pair in LONG_TAIL.windows(2) {
            let [(u0, q0), (u1, q1)] = [pair[0], pair[1]];
            if u < u1 {
                multiple = q0 + (q1 - q0) * (u - u0) / (u1 - u0);
                break;
            }
        }
        let seconds = u64::from(median) * 60 * multiple / 1_000;
        i64::try_from(seconds).unwrap_or(i64::MAX).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_long_tail_has_its_median_and_a_tail() {
        let mut rng = Rng::new(9, 0);
        let mut draws: Vec<i64> = (0..20_000).map(|_| rng.long_tail(60)).collect();
        draws.sort_unstable();
        let median = draws[10_000];
        assert!((3_000..=4_200).contains(&median), "median {median}s");
        let p99 = draws[19_800];
        assert!(p99 > 8 * median, "p99 {p99}s, median {median}s");
    }

    #[test]
    fn streams_differ_by_case_and_by_seed() {
        let first = |seed, stream| Rng::new(seed, stream).next_u64();
        assert_ne!(first(1, 0), first(1, 1));
        assert_ne!(first(1, 0), first(2, 0));
        assert_eq!(first(1, 0), first(1, 0));
    }

    #[test]
    fn weights_of_zero_are_never_drawn() {
        let mut rng = Rng::new(3, 3);
        for _ in 0..1_000 {
            assert_eq!(rng.weighted(&[0, 5, 0]), Some(1));
        }
        assert_eq!(rng.weighted(&[0, 0]), None);
    }

    #[test]
    fn arrivals_favour_weekdays_and_office_hours() {
        let simulation = Simulation {
            cases: 20_000,
            days: 28,
            ..Simulation::default()
        };
        let arrivals = simulation.arrivals(chrono_tz::UTC);
        assert!(arrivals.windows(2).all(|w| w[0] <= w[1]));
        let weekend = arrivals
            .iter()
            .filter(|t| is_weekend(t.date_naive()))
            .count();
        // 8 weekend days at 30% against 20 weekdays: 2.4 / 22.4 ≈ 10.7%.
        assert!((1_700..=2_600).contains(&weekend), "{weekend} on weekends");
        let office = arrivals
            .iter()
            .filter(|t| !is_weekend(t.date_naive()) && (9..17).contains(&t.hour()))
            .count();
        // 75% of the weekday arrivals.
        assert!(
            (12_800..=14_000).contains(&office),
            "{office} in office hours"
        );
    }
}

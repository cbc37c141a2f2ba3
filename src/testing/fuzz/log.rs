//! The `log` target: an event log replayed, then ticked, then handled.

use std::sync::OnceLock;

use chrono::{DateTime, TimeDelta, Utc};

use super::steer::{Steer, base, document};
use super::{Depth, Finding, Target};
use crate::policy::Policy;
use crate::recovery::{CreditForm, Currency, Entitlement, Gesture, Manner, Money, OfferId, Review};
use crate::sla::{BusinessCalendar, Threshold};
use crate::{
    Actor, Agent, Case, Channel, Command, CommandKind, Event, FailureId, FailureKind, Outcome,
    PromiseId, ResponseKind, SurveyScore, Tier,
};

/// The policies a log runs under, by the number the bytes after it give.
pub(super) fn policies() -> &'static [Policy] {
    static POLICIES: OnceLock<Vec<Policy>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        let mut out = vec![Policy::recommended()];
        for text in [
            include_str!("policies/new_york.toml"),
            include_str!("policies/calls.toml"),
            include_str!("policies/random_3.toml"),
            include_str!("policies/random_17.toml"),
        ] {
            // The files are the crate's own (a test loads each): a file
            // that does not load is left out rather than panicking here.
            out.extend(Policy::from_toml_str(text).ok());
        }
        out.push(Policy::recommended().as_recorded());
        out
    })
}

/// The names of [`policies`], in order, for `FUZZING.md` and the tests.
pub(super) const POLICY_NAMES: [&str; 6] = [
    "recommended",
    "recommended, business hours in New York",
    "calls (Berlin, Lord Howe nights, delayed and repeated rules, calls)",
    "random 3",
    "random 17",
    "recommended, as recorded",
];

/// The first tier of `policy` (`frontline` for a policy without tiers,
/// which no policy is).
pub(super) fn first_tier(policy: &Policy) -> Tier {
    policy.tiers().first().cloned().unwrap_or_else(|| {
        "frontline"
            .parse()
            .unwrap_or_else(|_| unreachable!("`frontline` is a valid tier"))
    })
}

/// The earliest and latest instants a case works with (1900 to 9999 UTC).
fn case_range() -> (DateTime<Utc>, DateTime<Utc>) {
    let earliest = DateTime::from_timestamp(-2_208_988_800, 0).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let latest =
        DateTime::from_timestamp(253_402_300_799, 999_999_999).unwrap_or(DateTime::<Utc>::MAX_UTC);
    (earliest, latest)
}

/// A host: a case and the log of the events it applied, checking that every
/// event `handle` and `tick` return applies.
pub(super) struct Host {
    target: Target,
    pub(super) case: Case,
    pub(super) log: Vec<Event>,
}

impl Host {
    /// A host with a new case.
    pub(super) fn new(target: Target) -> Self {
        let id = "FZ-1"
            .parse()
            .unwrap_or_else(|_| unreachable!("`FZ-1` is a valid case id"));
        Host {
            target,
            case: Case::new(id),
            log: Vec::new(),
        }
    }

    fn finding(&self, law: &str, detail: impl Into<String>) -> Finding {
        Finding::new(self.target, law, detail)
    }

    /// Applies `events`, which `what` returned.
    fn apply(&mut self, events: Vec<Event>, what: &str) -> Result<(), Finding> {
        for event in events {
            if let Err(error) = self.case.apply(&event) {
                return Err(self.finding(
                    "every event handle and tick return applies",
                    format!(
                        "{what} returned an event the case refuses: {error}; the event: {}",
                        serde_json::to_string(&event).unwrap_or_default()
                    ),
                ));
            }
            self.log.push(event);
        }
        Ok(())
    }

    /// Handles `command` at `now`, applying its events; whether the case
    /// accepted it.
    pub(super) fn handle(
        &mut self,
        policy: &Policy,
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<bool, Finding> {
        let what = format!("handle {} at {now:?}", command.id());
        match self.case.handle(policy, command, now) {
            Ok(events) => self.apply(events, &what).map(|()| true),
            Err(_) => Ok(false),
        }
    }

    /// Ticks at `now`, applies what it records, and checks that a second
    /// tick at `now` records nothing more.
    pub(super) fn tick_twice(
        &mut self,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<(), Finding> {
        let ticked = self.case.tick(policy, now);
        if ticked.is_empty() {
            return Ok(());
        }
        let n = ticked.len();
        self.apply(ticked, &format!("tick at {now:?}"))?;
        let again = self.case.tick(policy, now);
        if let Some(first) = again.first() {
            return Err(self.finding(
                "a second tick at the same instant records nothing",
                format!(
                    "a tick at {now:?} recorded {n} events, a second one {} more, the first {}",
                    again.len(),
                    serde_json::to_string(first).unwrap_or_default()
                ),
            ));
        }
        Ok(())
    }

    /// Ticks at each of the case's next `n` wake-ups (fewer if they end),
    /// checking that each is within the times a case works with and moves
    /// time on.
    pub(super) fn wake_up(&mut self, policy: &Policy, n: usize) -> Result<(), Finding> {
        let (earliest, latest) = case_range();
        for _ in 0..n {
            let Some(w) = self.case.next_wakeup(policy) else {
                return Ok(());
            };
            if !(earliest..=latest).contains(&w) {
                return Err(self.finding(
                    "a wake-up is within the years a case works with",
                    format!("{w:?}"),
                ));
            }
            let ticked = self.case.tick(policy, w);
            let n = ticked.len();
            self.apply(ticked, &format!("tick at the wake-up {w:?}"))?;
            if self.case.next_wakeup(policy).is_some_and(|next| next <= w) {
                return Err(self.finding(
                    "a wake-up moves time on",
                    format!("{w:?} again after a tick there recorded {n} events"),
                ));
            }
            if n == 0 {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Checks that the host's log replays to its case.
    pub(super) fn replays(&self, what: &str) -> Result<(), Finding> {
        match Case::replay(self.log.clone()) {
            Ok(replayed) if replayed == self.case => Ok(()),
            Ok(_) => Err(self.finding(
                "the log replays to the live case",
                format!("{what}: the replayed case differs from the live one"),
            )),
            Err(error) => Err(self.finding(
                "the log replays to the live case",
                format!("{what}: the log does not replay: {error}"),
            )),
        }
    }
}

/// The `log` target: `data` is a JSON array of events (a log, as a host
/// stores it), then bytes that choose the policy (the first, among the six
/// this module keeps: recommended; recommended with business hours in New
/// York; a policy of calls, delayed and repeated rules in Berlin and on
/// Lord Howe Island; two random ones; and the recommended as recorded),
/// another policy to adopt (the second), and instants to tick at (the
/// rest).
///
/// A log that deserializes and replays is then run through everything a
/// host does with one, with the instants at chrono's edges and at the
/// edges of the years a case works with: its timeline, audit, clocks
/// (elapsed, remaining, late by, due on resume, warnings), ledger and
/// recommendations are read; it is ticked at those instants and at the
/// clocks' due instants; a host follows its wake-ups; some 30 commands of
/// every kind are handled one after the other, and some at the edges; it
/// adopts another policy and is ticked under it. The laws: no panic; every
/// event `tick` and `handle` return applies; a second tick at the same
/// instant records nothing; each wake-up is within 1900 to 9999 and moves
/// time on; the host's log (the log given plus every event applied)
/// replays to the live case.
///
/// # Errors
/// The [`Finding`] of the first law broken.
///
/// # Example
/// ```
/// use escalate::testing::fuzz::{log, Depth};
/// let opened = br#"[{"version": 1, "at": "2021-03-05T19:00:00Z", "actor": "customer",
///   "kind": {"type": "opened", "case": "A-1", "customer": {"id": "cust-1", "value": "standard"},
///            "origin": {"type": "contact", "channel": "email"}, "summary": "late",
///            "priority": "normal", "policy": "recommended-1", "time_zone": "UTC"}}]"#;
/// assert_eq!(log(opened)?, Depth::Exercised);
/// assert_eq!(log(b"[]")?, Depth::Parsed); // an empty log does not replay
/// assert_eq!(log(b"{}")?, Depth::Rejected);
/// # Ok::<(), escalate::testing::fuzz::Finding>(())
/// ```
pub fn log(data: &[u8]) -> Result<Depth, Finding> {
    let Some((Ok(events), rest)) = document::<Vec<Event>>(data) else {
        return Ok(Depth::Rejected);
    };
    let policies = policies();
    let mut steer = Steer::new(rest);
    let chosen = usize::from(steer.byte()) % policies.len();
    let other = &policies[usize::from(steer.byte()) % policies.len()];
    let latest = events.iter().map(Event::at).max().unwrap_or_else(base);
    let mut instants = Vec::new();
    while instants.len() < 4 && !steer.is_empty() {
        instants.push(steer.instant(latest));
    }
    log_under(&events, &policies[chosen], other, &instants).map_err(|f| {
        let name = POLICY_NAMES.get(chosen).copied().unwrap_or("?");
        Finding::new(
            f.target(),
            f.law(),
            format!("under the policy \"{name}\": {}", f.detail()),
        )
    })
}

/// The body of the [`log`] target for a log already read: `events`
/// replayed, then run under `policy` as [`log`] says, adopting `other`,
/// and ticked at `instants` too. [`Depth::Parsed`] when the log does not
/// replay.
///
/// # Errors
/// The [`Finding`] of the first law broken.
///
/// # Example
/// ```
/// use escalate::Event;
/// use escalate::policy::Policy;
/// use escalate::testing::fuzz::{log_under, Depth};
/// let events: Vec<Event> = serde_json::from_str(r#"[{"version": 1, "at": "2021-03-05T19:00:00Z",
///   "actor": "customer", "kind": {"type": "opened", "case": "A-1",
///   "customer": {"id": "cust-1", "value": "standard"}, "origin": {"type": "contact", "channel": "email"},
///   "summary": "late", "priority": "normal", "policy": "recommended-1", "time_zone": "UTC"}}]"#)?;
/// let policy = Policy::recommended();
/// let at = ["2021-03-08T10:00:00Z".parse()?];
/// assert_eq!(log_under(&events, &policy, &policy.as_recorded(), &at)?, Depth::Exercised);
/// assert_eq!(log_under(&events[1..], &policy, &policy, &[])?, Depth::Parsed);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn log_under(
    events: &[Event],
    policy: &Policy,
    other: &Policy,
    instants: &[DateTime<Utc>],
) -> Result<Depth, Finding> {
    let Ok(case) = Case::replay(events.to_vec()) else {
        return Ok(Depth::Parsed);
    };
    exercise(&case, events, policy, other, instants)?;
    Ok(Depth::Exercised)
}

/// The instants at chrono's edges and at the edges of the years a case and
/// a command work with.
fn edges() -> Vec<DateTime<Utc>> {
    let (earliest, latest) = case_range();
    let mut out = vec![
        DateTime::<Utc>::MIN_UTC,
        DateTime::<Utc>::MAX_UTC,
        earliest,
        latest,
    ];
    for secs in [
        -2_208_988_801,
        253_086_076_799,
        253_086_076_800,
        253_402_300_799,
    ] {
        out.extend(DateTime::from_timestamp(secs, 0));
    }
    out
}

/// Everything a host may do with the replayed `case` of `events`.
#[allow(clippy::too_many_lines)] // one run, step by step, in the order the docs give
fn exercise(
    case: &Case,
    events: &[Event],
    policy: &Policy,
    other: &Policy,
    extra: &[DateTime<Utc>],
) -> Result<(), Finding> {
    let _ = crate::Timeline::from_events(events);
    let _ = crate::replay::audit(events.to_vec(), policy);
    let latest = case.latest().unwrap_or_else(base);
    let plus = |d: TimeDelta| latest.checked_add_signed(d).unwrap_or(latest);
    let edges = edges();

    // Ticks near the case's instants, at the edges, at the due instants,
    // and where the bytes say.
    let mut instants = edges.clone();
    instants.extend([
        latest,
        plus(TimeDelta::seconds(1)),
        plus(TimeDelta::hours(5)),
        plus(TimeDelta::days(40)),
        plus(TimeDelta::days(365 * 9000)),
        plus(TimeDelta::seconds(-1)),
    ]);
    instants.extend(case.next_wakeup(policy));
    for clock in case.clocks().iter().take(4) {
        if let Some(due) = clock.due() {
            instants.push(due);
            instants.extend(due.checked_add_signed(TimeDelta::seconds(1)));
        }
    }
    instants.extend_from_slice(extra);
    let always = BusinessCalendar::always();
    for &now in &instants {
        for clock in case.clocks() {
            let calendar = policy.calendar(clock.calendar()).unwrap_or(&always);
            let _ = clock.elapsed(calendar, now);
            let _ = clock.remaining(calendar, now);
            let _ = clock.late_by(calendar, now);
            let _ = clock.due_on_resume(calendar, now);
            for threshold in [
                Threshold::Percent(0),
                Threshold::Percent(75),
                Threshold::Percent(u16::MAX),
                Threshold::Before(TimeDelta::MAX),
                Threshold::Before(TimeDelta::seconds(10_000 * 31_557_600)),
            ] {
                let _ = clock.warns_at(calendar, threshold);
            }
        }
        let mut host = Host {
            target: Target::Log,
            case: case.clone(),
            log: Vec::new(),
        };
        host.tick_twice(policy, now)?;
        let _ = host.case.next_wakeup(policy);
    }

    // A host that ticks at every wake-up, then handles commands of every
    // kind, one after the other.
    let mut host = Host {
        target: Target::Log,
        case: case.clone(),
        log: events.to_vec(),
    };
    host.wake_up(policy, 6)?;
    let steps = [60, 300, 3_600, 86_400, 7 * 86_400, 61];
    let mut at = latest;
    for (i, (actor, kind)) in menu(case, policy, latest).into_iter().enumerate() {
        at = at
            .checked_add_signed(TimeDelta::seconds(steps[i % steps.len()]))
            .unwrap_or(at);
        host.handle(policy, command(&format!("fz-{i}"), actor, at, kind), at)?;
    }
    host.replays("the log, its wake-ups and the commands handled")?;

    // Commands at the edges and at the instants above, on the case as replayed.
    let probes = menu(case, policy, latest);
    for (i, &at) in instants.iter().enumerate() {
        let (actor, kind) = probes[(i * 7) % probes.len()].clone();
        let now = if i % 5 == 4 {
            DateTime::<Utc>::MAX_UTC
        } else {
            at
        };
        let mut host = Host {
            target: Target::Log,
            case: case.clone(),
            log: Vec::new(),
        };
        host.handle(policy, command(&format!("fe-{i}"), actor, at, kind), now)?;
    }

    // Another policy: adopting it, then ticks under it.
    let mut adopted = Host {
        target: Target::Log,
        case: case.clone(),
        log: events.to_vec(),
    };
    if adopted.handle(
        other,
        command("fz-adopt", Actor::System, latest, CommandKind::AdoptPolicy),
        latest,
    )? {
        for now in [plus(TimeDelta::days(3)), DateTime::<Utc>::MAX_UTC] {
            adopted.tick_twice(other, now)?;
        }
        let _ = adopted.case.next_wakeup(other);
        adopted.replays("the log, a policy adopted, and ticks under it")?;
    }

    // The recovery side.
    let _ = case.ledger().compensation();
    let _ = case.ledger().loss(Currency::USD);
    let _ = case.ledger().money_granted();
    let _ = case.money_wasted();
    for now in [latest, DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MIN_UTC] {
        let _ = case.recommend(policy, now);
    }
    let gestures = [
        Gesture::Credit {
            failures: vec![FailureId::new(1)],
            form: CreditForm::GiftCard,
            amount: usd(i64::MAX),
        },
        Gesture::PartialRefund {
            failures: vec![FailureId::new(1), FailureId::new(2)],
            amount: usd(i64::MAX),
            due: Entitlement::Owed,
        },
    ];
    let top = policy
        .tiers()
        .last()
        .cloned()
        .unwrap_or_else(|| first_tier(policy));
    for actor in [Actor::System, Actor::Agent(agent("max", top))] {
        let _ = case.check_grant(policy, &actor, &gestures);
    }
    Ok(())
}

fn command(id: &str, actor: Actor, at: DateTime<Utc>, kind: CommandKind) -> Command {
    let id = id
        .parse()
        .unwrap_or_else(|_| unreachable!("the fuzzer's command ids are valid"));
    Command::new(id, actor, at, kind)
}

fn agent(id: &str, tier: Tier) -> Agent {
    let id = id
        .parse()
        .unwrap_or_else(|_| unreachable!("the fuzzer's agent ids are valid"));
    Agent::new(id, tier)
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::USD)
}

/// The commands sent to a replayed case: one of each kind (and a few twice),
/// as actors and kinds.
#[allow(clippy::too_many_lines)] // one arm per kind of command reads best as one list
fn menu(case: &Case, policy: &Policy, at: DateTime<Utc>) -> Vec<(Actor, CommandKind)> {
    let tiers = policy.tiers();
    let first = first_tier(policy);
    let last = tiers.last().cloned().unwrap_or_else(|| first.clone());
    let owner = case
        .owner()
        .map_or(Actor::System, |o| Actor::Agent(o.clone()));
    let f1 = || vec![FailureId::new(1)];
    let contact = |channel| CommandKind::Contact {
        channel,
        note: "?".into(),
    };
    let respond = |kind| CommandKind::Respond {
        channel: Channel::Email,
        note: "reply".into(),
        kind,
    };
    let mut out = Vec::with_capacity(32);
    for param in [0u32, 37, 74] {
        let some = tiers
            .get(param as usize % tiers.len().max(1))
            .cloned()
            .unwrap_or_else(|| first.clone());
        let promise = PromiseId::new(param % 3 + 1);
        let score = SurveyScore::new(u8::try_from(param % 5).unwrap_or(0) + 1);
        out.extend([
            (Actor::Customer, contact(Channel::Email)),
            (Actor::Customer, contact(Channel::SocialPublic)),
            (Actor::Customer, contact(Channel::Voicemail)),
            (Actor::System, respond(ResponseKind::Answer)),
            (Actor::System, respond(ResponseKind::Deflection)),
            (
                Actor::System,
                CommandKind::Assign {
                    to: agent("sam", first.clone()),
                },
            ),
            (
                Actor::System,
                CommandKind::Escalate {
                    to: agent("max", some),
                    reason: "why not".into(),
                },
            ),
            (
                Actor::System,
                CommandKind::RecordFailure {
                    kind: FailureKind::Product,
                    description: "again".into(),
                    loss: Some(usd(i64::from(param) * 7 + 1)),
                },
            ),
            (
                Actor::System,
                CommandKind::Promise {
                    what: "call".into(),
                    due: at
                        .checked_add_signed(TimeDelta::minutes(i64::from(param % 900)))
                        .unwrap_or(at),
                },
            ),
            (Actor::System, CommandKind::KeepPromise { promise }),
            (Actor::System, CommandKind::BreakPromise { promise }),
            (
                Actor::System,
                CommandKind::WaitOnCustomer {
                    reason: "info".into(),
                },
            ),
            (
                Actor::System,
                CommandKind::HandOff {
                    to: agent("kim", first.clone()),
                },
            ),
            (
                Actor::Agent(agent("kim", first.clone())),
                CommandKind::AcceptHandoff,
            ),
            (
                Actor::System,
                CommandKind::Grant {
                    gestures: vec![
                        Gesture::Apology {
                            failures: f1(),
                            manner: Manner::Personal,
                        },
                        Gesture::Credit {
                            failures: f1(),
                            form: CreditForm::StoreCredit,
                            amount: usd(i64::from(param % 5000)),
                        },
                    ],
                },
            ),
            (
                Actor::System,
                CommandKind::Offer {
                    gesture: Gesture::FullRefund {
                        failures: f1(),
                        amount: usd(i64::from(param)),
                        due: Entitlement::Owed,
                    },
                },
            ),
            (
                Actor::Customer,
                CommandKind::AcceptOffer {
                    offer: OfferId::new(param % 2 + 1),
                },
            ),
            (
                Actor::System,
                CommandKind::GrantOffer {
                    offer: OfferId::new(param % 2 + 1),
                },
            ),
        ]);
        if let Ok(score) = score {
            out.push((
                Actor::Customer,
                CommandKind::AnswerSurvey {
                    score,
                    comment: "".into(),
                },
            ));
        }
    }
    out.extend([
        (
            Actor::Customer,
            CommandKind::SignalChurn { note: "bye".into() },
        ),
        (
            Actor::System,
            CommandKind::Resolve {
                summary: "done".into(),
            },
        ),
        (Actor::Customer, CommandKind::ConfirmResolution),
        (
            owner.clone(),
            CommandKind::Escalate {
                to: agent("max", last),
                reason: "up".into(),
            },
        ),
        (
            owner,
            CommandKind::HandOff {
                to: agent("kim", first),
            },
        ),
        (
            Actor::System,
            CommandKind::Promise {
                what: "far".into(),
                due: DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(at),
            },
        ),
        (Actor::System, CommandKind::AdoptPolicy),
        (
            Actor::System,
            CommandKind::Grant {
                gestures: vec![Gesture::KeepItem {
                    failures: f1(),
                    value: usd(i64::MAX),
                }],
            },
        ),
        (
            Actor::System,
            CommandKind::Close {
                outcome: Outcome::Lost,
                review: Review::new("nobody owned it", "one owner").ok(),
            },
        ),
    ]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_of_the_target_loads() {
        assert_eq!(policies().len(), POLICY_NAMES.len());
        for (policy, name) in policies().iter().zip(POLICY_NAMES) {
            assert!(!policy.tiers().is_empty(), "{name}");
        }
    }
}

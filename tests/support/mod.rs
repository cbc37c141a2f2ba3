//! Shared test support: instants, agents, gestures, policies, command kinds,
//! and [`Story`], a case driven through `handle` and `tick` that keeps every
//! event it applied. Each test binary includes it with `mod support;` and uses
//! a part of it.

#![allow(dead_code)] // each test binary uses a part of the shared module

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use escalate::policy::{Condition, Policy, Rule};
use escalate::recovery::{CreditForm, Currency, Entitlement, Gesture, Manner, Money, Repair};
use escalate::sla::BusinessCalendar;
use escalate::{
    Actor, Agent, Case, Channel, Command, CommandKind, Customer, CustomerValue, Event, EventKind,
    FailureId, Origin, Priority, Refusal, ResponseKind, Tier,
};

// ---------------------------------------------------------------------------
// Instants, spans and money.

/// Parses an RFC 3339 instant such as `"2021-03-04T20:10:00Z"`.
#[track_caller]
pub fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// `h:mi` UTC on 2021-03-`d` (2021-03-01 was a Monday).
#[track_caller]
pub fn day(d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, d, h, mi, 0).unwrap()
}

/// `h:mi` UTC on Monday 2021-03-01.
#[track_caller]
pub fn mon(h: u32, mi: u32) -> DateTime<Utc> {
    day(1, h, mi)
}

/// The wall-clock time `y-mo-d h:mi` in `tz`, as UTC; it must exist and be unambiguous.
#[track_caller]
pub fn local(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    tz.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

/// A span of `h` hours.
#[track_caller]
pub fn hours(h: i64) -> TimeDelta {
    TimeDelta::hours(h)
}

/// `minor` cents in US dollars.
pub fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::USD)
}

// ---------------------------------------------------------------------------
// Tiers, agents and actors.

/// The three tiers of [`three_tiers`], most junior first.
pub const TIERS: [&str; 3] = ["frontline", "supervisor", "manager"];

/// The tiers of the default and the recommended policy, most junior first.
pub const DEFAULT_TIERS: [&str; 5] = [
    "frontline",
    "supervisor",
    "manager",
    "regional",
    "executive",
];

/// The tier named `name`.
#[track_caller]
pub fn tier(name: &str) -> Tier {
    name.parse().unwrap()
}

/// Agent `id` at tier `t`.
#[track_caller]
pub fn agent(id: &str, t: &str) -> Agent {
    Agent::new(id.parse().unwrap(), tier(t))
}

/// Agent `id` at tier `t`, as the actor of a command.
#[track_caller]
pub fn acting(id: &str, t: &str) -> Actor {
    Actor::Agent(agent(id, t))
}

/// Sam, a frontline agent.
#[track_caller]
pub fn sam() -> Agent {
    agent("sam", "frontline")
}

/// Kim, another frontline agent.
#[track_caller]
pub fn kim() -> Agent {
    agent("kim", "frontline")
}

/// Actor number `n` for generated steps: 0 the customer, 1 the system, then `agents[n - 2]`.
#[track_caller]
pub fn actor_of(n: u8, agents: &[Agent]) -> Actor {
    match n {
        0 => Actor::Customer,
        1 => Actor::System,
        n => Actor::Agent(agents[usize::from(n - 2)].clone()),
    }
}

// ---------------------------------------------------------------------------
// Gestures.

/// Failures #1 to #`n`.
pub fn f(n: u32) -> Vec<FailureId> {
    (1..=n).map(FailureId::new).collect()
}

/// A personal apology naming `failures`.
pub fn apology(failures: Vec<FailureId>) -> Gesture {
    Gesture::Apology {
        failures,
        manner: Manner::Personal,
    }
}

/// A gift card of `minor` US cents for failure #1.
pub fn credit(minor: i64) -> Gesture {
    Gesture::Credit {
        failures: f(1),
        form: CreditForm::GiftCard,
        amount: usd(minor),
    }
}

/// A full refund of `minor` US cents for failure #1.
pub fn refund(minor: i64, due: Entitlement) -> Gesture {
    Gesture::FullRefund {
        failures: f(1),
        amount: usd(minor),
        due,
    }
}

/// A replacement for failure #1, costing `cost` US cents if any.
pub fn exchange(cost: Option<i64>) -> Gesture {
    Gesture::Repair {
        failures: f(1),
        repair: Repair::Exchange,
        cost: cost.map(usd),
    }
}

/// The command granting `gestures`.
pub fn grant(gestures: Vec<Gesture>) -> CommandKind {
    CommandKind::Grant { gestures }
}

// ---------------------------------------------------------------------------
// Calendars and policies.

/// A calendar in `tz` open Monday to Friday during `spans` (such as `"09:00-17:00"`).
#[track_caller]
pub fn weekdays(tz: Tz, spans: &[&str]) -> BusinessCalendar {
    BusinessCalendar::builder(tz)
        .weekdays(spans)
        .build()
        .unwrap()
}

/// A policy labelled `version` with the [`TIERS`], and no calendar, SLA or rule of its own.
#[track_caller]
pub fn three_tiers(version: &str) -> Policy {
    Policy::new(version, TIERS).unwrap()
}

/// The head of a policy file: a version and three tiers.
pub const HEAD: &str = r#"version = "v"
tiers = ["frontline", "supervisor", "manager"]
"#;

/// A calendar name (test input, known valid).
#[track_caller]
pub fn cal(name: &str) -> escalate::sla::CalendarName {
    name.parse().unwrap()
}

/// `three_tiers("test")` with a weekday 09:00-17:00 UTC calendar named
/// `business`, the default calendar; no SLA, no rules.
#[track_caller]
pub fn bare() -> Policy {
    bare_without_default()
        .with_default_calendar(cal("business"))
        .unwrap()
}

/// `bare` without a default calendar: calls are counted on `always`.
#[track_caller]
pub fn bare_without_default() -> Policy {
    three_tiers("test")
        .with_calendar(cal("business"), weekdays(chrono_tz::UTC, &["09:00-17:00"]))
        .unwrap()
}

/// `policy` with `rules` added in order.
#[track_caller]
pub fn with_rules(policy: Policy, rules: impl IntoIterator<Item = Rule>) -> Policy {
    rules
        .into_iter()
        .fold(policy, |p, r| p.with_rule(r).unwrap())
}

/// The recommended policy on a New York business calendar (weekdays 09:00-17:00).
#[track_caller]
pub fn recommended_in_new_york() -> Policy {
    Policy::recommended()
        .with_calendar(
            cal("business"),
            weekdays(chrono_tz::America::New_York, &["09:00-17:00"]),
        )
        .unwrap()
}

// ---------------------------------------------------------------------------
// Command kinds.

/// The origin of a case opened by a contact on `channel`.
pub fn via(channel: Channel) -> Origin {
    Origin::Contact { channel }
}

/// The command opening a case for customer `customer` about `summary`.
#[track_caller]
pub fn opening(
    customer: &str,
    value: CustomerValue,
    origin: Origin,
    summary: &str,
    priority: Priority,
) -> CommandKind {
    CommandKind::Open {
        customer: Customer::new(customer.parse().unwrap(), value),
        origin,
        summary: summary.into(),
        priority,
    }
}

/// The customer's contact on `channel` saying `note`.
pub fn contact(channel: Channel, note: &str) -> CommandKind {
    CommandKind::Contact {
        channel,
        note: note.into(),
    }
}

/// A reply by email of this kind.
pub fn respond(kind: ResponseKind) -> CommandKind {
    CommandKind::Respond {
        channel: Channel::Email,
        note: "reply".into(),
        kind,
    }
}

/// Resolving the case with `summary`.
pub fn resolve(summary: &str) -> CommandKind {
    CommandKind::Resolve {
        summary: summary.into(),
    }
}

// ---------------------------------------------------------------------------
// Stories.

/// A case under its policy, driven at given instants with ticks (`run`) or a minute apart without (`ok`, `refused`).
pub struct Story {
    /// The case as it stands.
    pub case: Case,
    /// The policy every command and tick runs under.
    pub policy: Policy,
    /// How many commands were handled; command ids are `c1`, `c2`, ...
    pub n: u32,
    /// The instant of the last command sent by `ok` or `refused`.
    pub now: DateTime<Utc>,
    /// Every event applied, in order.
    pub log: Vec<Event>,
}

impl Story {
    /// Case `S-1` under `policy`, its clock at Monday 2021-03-01 00:00 UTC.
    #[track_caller]
    pub fn new(policy: Policy) -> Self {
        Story::starting("S-1", policy, mon(0, 0))
    }

    /// Case `id` under `policy`, its clock at `now`.
    #[track_caller]
    pub fn starting(id: &str, policy: Policy, now: DateTime<Utc>) -> Self {
        Story {
            case: Case::new(id.parse().unwrap()),
            policy,
            n: 0,
            now,
            log: Vec::new(),
        }
    }

    /// Handles the command at `at` without ticking first, applying what it emits.
    #[track_caller]
    pub fn handle(
        &mut self,
        at: DateTime<Utc>,
        actor: Actor,
        kind: CommandKind,
    ) -> Result<Vec<Event>, Refusal> {
        self.n += 1;
        let cmd = Command::new(format!("c{}", self.n).parse().unwrap(), actor, at, kind);
        let events = self.case.handle(&self.policy, cmd, at)?;
        self.apply(&events);
        Ok(events)
    }

    /// Applies `events` to the case and logs them.
    pub fn apply(&mut self, events: &[Event]) {
        for e in events {
            self.case.apply(e).unwrap();
        }
        self.log.extend_from_slice(events);
    }

    /// The story of the log so far, as text.
    #[allow(dead_code)]
    pub fn timeline(&self) -> String {
        escalate::Timeline::from_events(&self.log)
            .unwrap()
            .to_string()
    }

    /// Ticks at `now`, applying what it emits.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Event> {
        let events = self.case.tick(&self.policy, now);
        self.apply(&events);
        events
    }

    /// Ticks up to `at`, then handles the command at `at`, which must be accepted.
    #[track_caller]
    pub fn run(&mut self, at: DateTime<Utc>, actor: Actor, kind: CommandKind) -> Vec<Event> {
        let mut all = self.tick(at);
        all.extend(
            self.handle(at, actor, kind)
                .unwrap_or_else(|r| panic!("refused: {r}")),
        );
        all
    }

    /// Handles the command a minute after the last one, without ticking; it must be accepted.
    #[track_caller]
    pub fn ok(&mut self, actor: Actor, kind: CommandKind) -> Vec<Event> {
        self.now += TimeDelta::minutes(1);
        self.handle(self.now, actor, kind)
            .unwrap_or_else(|r| panic!("refused: {r}"))
    }

    /// Sends the command a minute after the last one; it must be refused and change nothing.
    #[track_caller]
    pub fn refused(&mut self, actor: Actor, kind: CommandKind) -> Refusal {
        self.now += TimeDelta::minutes(1);
        let before = self.case.clone();
        let refusal = self.handle(self.now, actor, kind).unwrap_err();
        assert_eq!(self.case, before);
        refusal
    }

    /// Opens at `at` from `origin`, by the customer (contact, survey), sam (detection) or the system (referral).
    #[track_caller]
    pub fn open_with(
        &mut self,
        at: DateTime<Utc>,
        origin: Origin,
        value: CustomerValue,
        priority: Priority,
    ) {
        let actor = match origin {
            Origin::Contact { .. } | Origin::Survey { .. } => Actor::Customer,
            Origin::InternalDetection => Actor::Agent(sam()),
            Origin::Referral { .. } => Actor::System,
        };
        self.run(
            at,
            actor,
            opening("cust", value, origin, "problem", priority),
        );
    }

    /// Opens at `at` from `origin` for a standard customer at normal priority.
    #[track_caller]
    pub fn open_by(&mut self, at: DateTime<Utc>, origin: Origin) {
        self.open_with(at, origin, CustomerValue::Standard, Priority::Normal);
    }

    /// Opens at `at` by an email from a standard customer at normal priority.
    #[track_caller]
    pub fn open(&mut self, at: DateTime<Utc>) {
        self.open_by(at, via(Channel::Email));
    }

    /// The system assigns the case to `to` at `at`.
    #[track_caller]
    pub fn assign(&mut self, at: DateTime<Utc>, to: Agent) {
        self.run(at, Actor::System, CommandKind::Assign { to });
    }

    /// The customer writes again on `channel` at `at`.
    #[track_caller]
    pub fn contact(&mut self, at: DateTime<Utc>, channel: Channel) -> Vec<Event> {
        self.run(at, Actor::Customer, contact(channel, "again"))
    }

    /// The system replies by email at `at`.
    #[track_caller]
    pub fn respond(&mut self, at: DateTime<Utc>, kind: ResponseKind) -> Vec<Event> {
        self.run(at, Actor::System, respond(kind))
    }

    /// The system resolves the case at `at`.
    #[track_caller]
    pub fn resolve(&mut self, at: DateTime<Utc>) -> Vec<Event> {
        self.run(at, Actor::System, resolve("fixed"))
    }

    /// Runs generated `(minutes, step)` pairs from `start`, refused or not, ticking before each (and between, at `extra`'s offsets), then 30 days on.
    #[track_caller]
    pub fn drive<S>(
        &mut self,
        start: DateTime<Utc>,
        steps: impl IntoIterator<Item = (i64, S)>,
        extra: Option<&[i64]>,
        command: impl Fn(S, DateTime<Utc>) -> (Actor, CommandKind),
    ) {
        let schedule = extra.map_or(Schedule::BeforeEach, Schedule::Between);
        self.drive_on(&schedule, start, steps, command);
    }

    /// Runs generated `(minutes, step)` pairs from `start`, refused or not,
    /// ticking on `schedule`, then ticks once 30 days after the last.
    #[track_caller]
    pub fn drive_on<S>(
        &mut self,
        schedule: &Schedule<'_>,
        start: DateTime<Utc>,
        steps: impl IntoIterator<Item = (i64, S)>,
        command: impl Fn(S, DateTime<Utc>) -> (Actor, CommandKind),
    ) {
        let mut t = start;
        let mut extra_ticks = match schedule {
            Schedule::Between(extra) => extra.iter(),
            _ => [].iter(),
        };
        for (minutes, step) in steps {
            if let Some(e) = extra_ticks.next() {
                self.tick(t + TimeDelta::minutes(e.rem_euclid(minutes.max(1))));
            }
            t += TimeDelta::minutes(minutes);
            let (actor, kind) = command(step, t);
            match schedule {
                Schedule::BeforeEach | Schedule::Between(_) => {
                    self.tick(t);
                }
                Schedule::Wakeups => {
                    // Bounded: each wake-up records at least one event.
                    for _ in 0..10_000 {
                        match self.case.next_wakeup(&self.policy) {
                            Some(w) if w <= t => {
                                assert!(
                                    !self.tick(w).is_empty(),
                                    "a wake-up at {w} ticked nothing"
                                );
                            }
                            _ => break,
                        }
                    }
                }
                Schedule::Never | Schedule::AfterEach => {}
            }
            let _refused = self.handle(t, actor, kind);
            if matches!(schedule, Schedule::AfterEach) {
                self.tick(t);
            }
        }
        self.tick(t + TimeDelta::days(30));
    }
}

/// When a host ticks, between the commands of [`Story::drive_on`].
#[derive(Clone, Copy, Debug)]
pub enum Schedule<'a> {
    /// Never, until the final tick: `handle` alone catches up with time.
    Never,
    /// At each command's time, before handling it.
    BeforeEach,
    /// At each command's time, after handling it.
    AfterEach,
    /// At every wake-up the case asks for, one at a time.
    Wakeups,
    /// Before each command, and also at these offsets (minutes) in between.
    Between(&'a [i64]),
}

// ---------------------------------------------------------------------------
// Rule events.

/// Whether an event is one that rules produce.
pub fn is_rule_event(kind: &EventKind) -> bool {
    kind.by_rule()
}

/// The rule events among `events`, with their instants.
pub fn rule_events(events: &[Event]) -> Vec<(DateTime<Utc>, EventKind)> {
    events
        .iter()
        .filter(|e| is_rule_event(e.kind()))
        .map(|e| (e.at(), e.kind().clone()))
        .collect()
}

/// Rule `rule` firing because `when` holds.
pub fn fired(rule: &str, when: &Condition) -> EventKind {
    EventKind::RuleFired {
        rule: rule.into(),
        when: when.to_string().into(),
    }
}

/// Rule `rule` requiring a review.
pub fn review(rule: &str) -> EventKind {
    EventKind::ReviewRequired { rule: rule.into() }
}

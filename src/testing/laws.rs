//! The law checkers: a case driven through commands under tick schedules,
//! checked after every call.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};

use super::Schedule;
use crate::policy::{Condition, Policy, Rule};
use crate::recovery::{Entitlement, Gesture, Guards, Verdict};
use crate::{Actor, Agent, Case, CaseId, Command, CommandKind, Event, EventKind, Origin};
use crate::{Refusal, StateName};

/// A law of the case that [`check_laws`] checks.
///
/// # Example
/// ```
/// use escalate::testing::Law;
/// assert_eq!(Law::Money.to_string(), "no money beyond the actor's authority or the policy's caps");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Law {
    /// Every event `handle` and `tick` return applies, and replaying the
    /// log gives the live case.
    Replay,
    /// From the first assignment until closing the case has exactly one
    /// owner, and the owner changes only by an event that names the new
    /// one (assigned, escalated, handoff accepted).
    OneOwner,
    /// Only the owner, an agent of a higher tier or the system act for the
    /// company (on a case with no owner yet, any agent); only the customer
    /// or the system send the customer's commands; only the agent offered a
    /// handoff answers it; agents are of the policy's tiers. See
    /// [`Case::handle`].
    Authority,
    /// Every grant passes the recovery guards of the policy, enforced: no
    /// gesture beyond the actor's authority, over the caps, before an
    /// apology, or a second remedy ([`audit`](crate::replay::audit)).
    Money,
    /// No discretionary money (a cost the customer is not owed) is granted
    /// once the customer's churn signal is on the case.
    Churn,
    /// Every tick schedule gives the same log, event for event, after a
    /// final tick at the same instant.
    SameLog,
    /// Each call's rule firings stay within the bound [`Policy`]'s
    /// "Bounds" states, each wake-up records something, nothing falls due
    /// before it, it moves time on, and the wake-ups end.
    BoundedWork,
}

impl fmt::Display for Law {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Law::Replay => "the log replays to the live case",
            Law::OneOwner => "one owner from the first assignment until closing",
            Law::Authority => "no company action without authority",
            Law::Money => "no money beyond the actor's authority or the policy's caps",
            Law::Churn => "no discretionary money after the churn signal",
            Law::SameLog => "the same log for every tick schedule",
            Law::BoundedWork => "bounded work per call",
        })
    }
}

/// A law broken: which, at which step, and what happened.
///
/// The step is the index of the command at which the law broke (ticks
/// before a command belong to it); a step equal to the number of commands
/// is the final tick.
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// use escalate::testing::{check_laws, Law};
/// // A case opened by an email, then "resolved" by the customer (refused: the case has not
/// // even an owner). Every law holds.
/// let commands: Vec<Command> = serde_json::from_str(r#"[
///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
///    "customer": {"id": "cust-9", "value": "standard"},
///    "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}},
///   {"id": "c-2", "actor": "customer", "at": "2021-03-04T15:20:00Z",
///    "kind": {"type": "resolve", "summary": "never mind"}}
/// ]"#)?;
/// let report = check_laws(&Policy::default(), &commands)?;
/// assert_eq!(report.refused(), 1);
/// // A law broken says which, where and how:
/// let broken = escalate::testing::Violation::new(Law::OneOwner, 1, "the case has no owner");
/// assert_eq!(broken.to_string(),
///     "command 1 breaks the law \"one owner from the first assignment until closing\": the case has no owner");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    law: Law,
    step: usize,
    message: String,
}

impl Violation {
    /// A violation of `law` at `step` (a command's index), saying what happened.
    ///
    /// # Example
    /// ```
    /// use escalate::testing::{Law, Violation};
    /// let v = Violation::new(Law::Churn, 3, "a gift card of USD 10.00 after the customer left");
    /// assert_eq!(v.law(), Law::Churn);
    /// ```
    #[must_use]
    pub fn new(law: Law, step: usize, message: impl Into<String>) -> Self {
        Violation {
            law,
            step,
            message: message.into(),
        }
    }

    /// The law broken.
    ///
    /// # Example
    /// ```
    /// use escalate::testing::{Law, Violation};
    /// assert_eq!(Violation::new(Law::Replay, 0, "x").law(), Law::Replay);
    /// ```
    #[must_use]
    pub fn law(&self) -> Law {
        self.law
    }

    /// The index of the command at which it broke; the number of commands
    /// for the final tick.
    ///
    /// # Example
    /// ```
    /// use escalate::testing::{Law, Violation};
    /// assert_eq!(Violation::new(Law::Replay, 4, "x").step(), 4);
    /// ```
    #[must_use]
    pub fn step(&self) -> usize {
        self.step
    }

    /// What happened.
    ///
    /// # Example
    /// ```
    /// use escalate::testing::{Law, Violation};
    /// assert_eq!(Violation::new(Law::Replay, 4, "the log does not replay").message(),
    ///     "the log does not replay");
    /// ```
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "command {} breaks the law \"{}\": {}",
            self.step, self.law, self.message
        )
    }
}

/// A violation is an error, so `check_laws(..)?` fails the property test it
/// is found in (proptest turns errors into test failures).
impl std::error::Error for Violation {}

/// What [`check_laws`] saw when every law held.
///
/// # Example
/// ```
/// use escalate::Command;
/// use escalate::policy::Policy;
/// use escalate::testing::check_laws;
/// let commands: Vec<Command> = serde_json::from_str(r#"[
///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
///    "customer": {"id": "cust-9", "value": "standard"},
///    "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}},
///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
///    "customer": {"id": "cust-9", "value": "standard"},
///    "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}
/// ]"#)?;
/// let report = check_laws(&Policy::default(), &commands)?;
/// assert_eq!((report.accepted(), report.repeated(), report.refused()), (1, 1, 0));
/// assert_eq!(report.events(), 2); // opened, contacted
/// assert_eq!(report.schedules(), 5);
/// assert_eq!(report.to_string(), "2 commands: 1 accepted, 1 repeated, 0 refused; \
///     2 events, the same under 5 tick schedules");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    commands: usize,
    accepted: usize,
    repeated: usize,
    refusals: Vec<(usize, Refusal)>,
    events: usize,
    schedules: usize,
}

impl Report {
    /// The commands accepted (that made events of their own).
    ///
    /// # Example
    /// ```
    /// use escalate::testing::check_laws;
    /// let report = check_laws(&escalate::policy::Policy::default(), &[])?;
    /// assert_eq!(report.accepted(), 0);
    /// # Ok::<(), escalate::testing::Violation>(())
    /// ```
    #[must_use]
    pub fn accepted(&self) -> usize {
        self.accepted
    }

    /// The commands whose id the case had already applied (no events).
    ///
    /// # Example
    /// ```
    /// use escalate::testing::check_laws;
    /// let report = check_laws(&escalate::policy::Policy::default(), &[])?;
    /// assert_eq!(report.repeated(), 0);
    /// # Ok::<(), escalate::testing::Violation>(())
    /// ```
    #[must_use]
    pub fn repeated(&self) -> usize {
        self.repeated
    }

    /// The commands refused.
    ///
    /// # Example
    /// ```
    /// use escalate::testing::check_laws;
    /// let report = check_laws(&escalate::policy::Policy::default(), &[])?;
    /// assert_eq!(report.refused(), 0);
    /// # Ok::<(), escalate::testing::Violation>(())
    /// ```
    #[must_use]
    pub fn refused(&self) -> usize {
        self.refusals.len()
    }

    /// Each refused command's index, with the refusal.
    ///
    /// # Example
    /// ```
    /// use escalate::Command;
    /// use escalate::testing::check_laws;
    /// let close: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "system",
    ///     "at": "2021-03-04T15:10:00Z", "kind": {"type": "close", "outcome": "lost"}}"#)?;
    /// let report = check_laws(&escalate::policy::Policy::default(), &[close])?;
    /// assert_eq!(report.refusals()[0].0, 0);
    /// assert_eq!(report.refusals()[0].1.to_string(), "cannot close a case that is not opened yet");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn refusals(&self) -> &[(usize, Refusal)] {
        &self.refusals
    }

    /// The events in the final log.
    ///
    /// # Example
    /// ```
    /// use escalate::testing::check_laws;
    /// let report = check_laws(&escalate::policy::Policy::default(), &[])?;
    /// assert_eq!(report.events(), 0);
    /// # Ok::<(), escalate::testing::Violation>(())
    /// ```
    #[must_use]
    pub fn events(&self) -> usize {
        self.events
    }

    /// The tick schedules whose logs were compared.
    ///
    /// # Example
    /// ```
    /// use escalate::testing::{check_laws_on, Schedule};
    /// let report = check_laws_on(&escalate::policy::Policy::default(), &[], &[Schedule::Wakeups])?;
    /// assert_eq!(report.schedules(), 1);
    /// # Ok::<(), escalate::testing::Violation>(())
    /// ```
    #[must_use]
    pub fn schedules(&self) -> usize {
        self.schedules
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} commands: {} accepted, {} repeated, {} refused; {} events, the same under {} tick schedules",
            self.commands,
            self.accepted,
            self.repeated,
            self.refusals.len(),
            self.events,
            self.schedules
        )
    }
}

/// Runs `commands` through a case under `policy` and checks the case's laws
/// after every call ([`Law`] lists them), under the
/// [standard tick schedules](Schedule::standard).
///
/// The case is driven as a host would: each command is handled at its own
/// time or at the host's clock if that is later (the latest time seen),
/// refused commands are skipped, and accepted ones' events applied. The
/// laws are checked after every `handle` and `tick` (the log replays to
/// the live case after every command of the first run), then the runs
/// under every schedule, each ending with a tick 30 days after the last
/// command, are compared event for event. A host's ticks never overtake a
/// command still to come: before a command, a schedule ticks at most up to
/// the earliest time of the commands from it on (a command that arrives
/// after a tick at a later instant is late, and the log records it late,
/// by design: see [`Case`]'s "Ordering of events"). The money laws are checked
/// against the policy with its recovery guards enforced: a policy whose
/// guards are off ([`Policy::as_recorded`]) breaks them when its commands
/// grant what the guards would refuse.
///
/// It never panics, whatever the policy and the commands (a panic inside
/// the case is the case's bug, and `check_laws` lets it through).
///
/// # Errors
/// The first [`Violation`] found: the law, the index of the command, and
/// what happened.
///
/// # Example
/// ```
/// use escalate::Command;
/// use escalate::policy::Policy;
/// use escalate::testing::check_laws;
/// let commands: Vec<Command> = serde_json::from_str(r#"[
///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
///    "customer": {"id": "cust-9", "value": "standard"},
///    "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}},
///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
///   {"id": "c-3", "actor": {"agent": {"id": "kim", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
///    "kind": {"type": "resolve", "summary": "not mine to resolve"}}
/// ]"#)?;
/// let report = check_laws(&Policy::recommended(), &commands)?;
/// assert_eq!(report.accepted(), 2);
/// assert_eq!(report.refusals()[0].0, 2); // kim does not own the case
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_laws(policy: &Policy, commands: &[Command]) -> Result<Report, Violation> {
    check_laws_on(policy, commands, &Schedule::standard(commands))
}

/// [`check_laws`] under these tick `schedules` (such as those of
/// [`schedules`](super::schedules)) instead of the standard ones. The laws
/// are checked step by step on a run that never ticks before the final
/// tick, and on each schedule's run; each schedule's log must equal that
/// run's.
///
/// # Errors
/// The first [`Violation`] found.
///
/// # Example
/// ```
/// use escalate::Command;
/// use escalate::policy::Policy;
/// use escalate::testing::{check_laws_on, Schedule};
/// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer",
///     "at": "2021-03-04T15:10:00Z", "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
///     "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
/// let hourly: Vec<_> = (1..48).map(|h| open.at() + chrono::TimeDelta::hours(h)).collect();
/// let report = check_laws_on(&Policy::recommended(), &[open], &[Schedule::At(hourly)])?;
/// assert!(report.events() > 2); // breaches and what the recommended rules make of them
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_laws_on(
    policy: &Policy,
    commands: &[Command],
    schedules: &[Schedule],
) -> Result<Report, Violation> {
    let guarded = guarded(policy);
    let mut first = Run::new(policy, &guarded, Thoroughness::EveryStep);
    first.drive(commands, &Schedule::Never)?;
    let log = &first.log;
    for schedule in schedules {
        let mut run = Run::new(policy, &guarded, Thoroughness::AtTheEnd);
        run.drive(commands, schedule)?;
        if let Some(message) = differ(log, &run.log) {
            return Err(Violation::new(
                Law::SameLog,
                commands.len(),
                format!(
                    "ticking {} gives another log: {message}",
                    describe(schedule)
                ),
            ));
        }
    }
    Ok(Report {
        commands: commands.len(),
        accepted: first.accepted,
        repeated: first.repeated,
        refusals: first.refusals,
        events: log.len(),
        schedules: schedules.len(),
    })
}

/// The case after `commands` under `policy`, and its log, ticked on
/// `schedule` and finally 30 days after the last command, with every law
/// but [`Law::SameLog`] checked on the way ([`Law::Replay`] at the end).
///
/// # Errors
/// The first [`Violation`] found.
///
/// # Example
/// ```
/// use escalate::Command;
/// use escalate::policy::Policy;
/// use escalate::testing::{run, Schedule};
/// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer",
///     "at": "2021-03-04T15:10:00Z", "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
///     "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
/// let policy = Policy::recommended();
/// let (never, log) = run(&policy, &[open.clone()], &Schedule::Never)?;
/// let (often, same) = run(&policy, &[open], &Schedule::Wakeups)?;
/// assert_eq!(never, often);
/// assert_eq!(log, same);
/// assert_eq!(never.next_wakeup(&policy), None); // everything due has been recorded
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run(
    policy: &Policy,
    commands: &[Command],
    schedule: &Schedule,
) -> Result<(Case, Vec<Event>), Violation> {
    let guarded = guarded(policy);
    let mut run = Run::new(policy, &guarded, Thoroughness::AtTheEnd);
    run.drive(commands, schedule)?;
    Ok((run.case, run.log))
}

/// `policy` with its recovery guards enforced: what the money laws are
/// checked against.
fn guarded(policy: &Policy) -> Policy {
    if policy.recovery().guards() == Guards::Enforced {
        return policy.clone();
    }
    let recovery = policy.recovery().clone().with_guards(Guards::Enforced);
    policy
        .clone()
        .with_recovery(recovery)
        .unwrap_or_else(|_| policy.clone())
}

fn describe(schedule: &Schedule) -> String {
    match schedule {
        Schedule::Never => "never".to_owned(),
        Schedule::BeforeEach => "before each command".to_owned(),
        Schedule::AfterEach => "after each command".to_owned(),
        Schedule::Wakeups => "at every wake-up".to_owned(),
        Schedule::At(instants) => format!("at {} instants", instants.len()),
    }
}

/// Where two logs first differ, if they do.
fn differ(expected: &[Event], found: &[Event]) -> Option<String> {
    let at = expected
        .iter()
        .zip(found)
        .position(|(a, b)| a != b)
        .or_else(|| (expected.len() != found.len()).then(|| expected.len().min(found.len())))?;
    Some(match (expected.get(at), found.get(at)) {
        (Some(a), Some(b)) => format!("event {} is {a:?} instead of {b:?}", at + 1),
        (Some(a), None) => format!("it ends before event {}, {a:?}", at + 1),
        (None, Some(b)) => format!("it has an extra event {}, {b:?}", at + 1),
        (None, None) => "the logs differ".to_owned(),
    })
}

/// How often the log is replayed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Thoroughness {
    /// After every command.
    EveryStep,
    /// Once, after the final tick.
    AtTheEnd,
}

/// A case driven through commands, with what the laws need to remember.
struct Run<'a> {
    policy: &'a Policy,
    guarded: &'a Policy,
    thoroughness: Thoroughness,
    case: Case,
    /// Every event applied, in order.
    log: Vec<Event>,
    /// The log replayed so far, and how many of its events: replaying is
    /// applying each event in order from the opening, so the replay after
    /// each step goes on from the one before (`Case::replay` of the whole
    /// log, at linear cost over a run instead of quadratic).
    replayed: Option<(Case, usize)>,
    /// The host's clock: the latest instant it handled or ticked at.
    now: Option<DateTime<Utc>>,
    /// Whether the case has had an owner.
    owned: bool,
    /// Whether the churn signal is on the case.
    churned: bool,
    accepted: usize,
    repeated: usize,
    refusals: Vec<(usize, Refusal)>,
    /// The rule-work bound's terms: rules, rules on `escalated`, tiers.
    rules: usize,
    on_escalated: usize,
}

impl<'a> Run<'a> {
    fn new(policy: &'a Policy, guarded: &'a Policy, thoroughness: Thoroughness) -> Self {
        let id = CaseId::new("laws").unwrap_or_else(|_| unreachable!("a valid case id"));
        Run {
            policy,
            guarded,
            thoroughness,
            case: Case::new(id),
            log: Vec::new(),
            replayed: None,
            now: None,
            owned: false,
            churned: false,
            accepted: 0,
            repeated: 0,
            refusals: Vec::new(),
            rules: policy.rules().len(),
            on_escalated: policy
                .rules()
                .iter()
                .filter(|r| r.when.leaves().contains(&&Condition::Escalated))
                .count(),
        }
    }

    fn drive(&mut self, commands: &[Command], schedule: &Schedule) -> Result<(), Violation> {
        let mut instants: Vec<DateTime<Utc>> = match schedule {
            Schedule::At(instants) => instants.clone(),
            _ => Vec::new(),
        };
        instants.sort_unstable();
        let mut instants = instants.into_iter().peekable();
        let end = commands
            .iter()
            .map(Command::at)
            .max()
            .map(|last| last.checked_add_signed(TimeDelta::days(30)).unwrap_or(last));
        // Ticks never overtake a command still to come: before command `i`
        // the host ticks up to the earliest time of the commands from `i` on.
        let mut until = vec![end; commands.len() + 1];
        for (i, command) in commands.iter().enumerate().rev() {
            until[i] = Some(until[i + 1].map_or(command.at(), |u| u.min(command.at())));
        }
        for (step, command) in commands.iter().enumerate() {
            let bound = until[step].unwrap_or(command.at());
            while let Some(t) = instants.next_if(|t| *t <= bound) {
                self.tick(step, t)?;
            }
            match schedule {
                Schedule::BeforeEach => {
                    self.tick(step, bound)?;
                }
                Schedule::Wakeups => self.wake_ups(step, bound)?,
                Schedule::Never | Schedule::AfterEach | Schedule::At(_) => {}
            }
            self.handle(step, command)?;
            if *schedule == Schedule::AfterEach {
                let next = until[step + 1].map_or(command.at(), |u| u.min(command.at()));
                self.tick(step, next)?;
            }
        }
        let step = commands.len();
        if let Some(end) = end {
            while let Some(t) = instants.next_if(|t| *t <= end) {
                self.tick(step, t)?;
            }
            if *schedule == Schedule::Wakeups {
                self.wake_ups(step, end)?;
            }
            self.tick(step, end)?;
        }
        self.check_replay(step)
    }

    /// The host's clock after seeing `at`.
    fn clock(&mut self, at: DateTime<Utc>) -> DateTime<Utc> {
        let now = self.now.map_or(at, |now| now.max(at));
        self.now = Some(now);
        now
    }

    fn tick(&mut self, step: usize, at: DateTime<Utc>) -> Result<Vec<Event>, Violation> {
        // A host's clock reads a time a case works with (1900 to 9999):
        // ticks outside are taken at the nearest end, by every schedule alike.
        let at = at.clamp(earliest(), latest());
        self.clock(at);
        let events = self.case.tick(self.policy, at);
        self.record(step, None, &events)?;
        Ok(events)
    }

    /// Ticks at every wake-up up to `until`.
    fn wake_ups(&mut self, step: usize, until: DateTime<Utc>) -> Result<(), Violation> {
        const MOST: usize = 100_000;
        for _ in 0..MOST {
            let Some(w) = self.case.next_wakeup(self.policy).filter(|w| *w <= until) else {
                return Ok(());
            };
            // Nothing is due before the wake-up (hosts skip time's
            // catching up for a command before it).
            if let Some(before) = w.checked_sub_signed(TimeDelta::nanoseconds(1))
                && let Some(early) = self.case.tick(self.policy, before).first()
            {
                return Err(Violation::new(
                    Law::BoundedWork,
                    step,
                    format!(
                        "the wake-up at {w} comes after an event due at {}",
                        early.at()
                    ),
                ));
            }
            if self.tick(step, w)?.is_empty() {
                return Err(Violation::new(
                    Law::BoundedWork,
                    step,
                    format!("the wake-up at {w} records nothing"),
                ));
            }
            if let Some(next) = self.case.next_wakeup(self.policy).filter(|n| *n <= w) {
                return Err(Violation::new(
                    Law::BoundedWork,
                    step,
                    format!(
                        "after the wake-up at {w}, the next is at {next}: time does not move on"
                    ),
                ));
            }
        }
        Err(Violation::new(
            Law::BoundedWork,
            step,
            format!("more than {MOST} wake-ups before {until}"),
        ))
    }

    fn handle(&mut self, step: usize, command: &Command) -> Result<(), Violation> {
        let now = self.clock(command.at());
        match self.case.handle(self.policy, command.clone(), now) {
            Ok(events) if events.iter().all(|e| e.command() != Some(command.id())) => {
                if events.is_empty() {
                    self.repeated += 1;
                }
                self.record(step, None, &events)?;
            }
            Ok(events) => {
                self.accepted += 1;
                self.record(step, Some(command), &events)?;
            }
            Err(refusal) => self.refusals.push((step, refusal)),
        }
        if self.thoroughness == Thoroughness::EveryStep {
            self.check_replay(step)?;
        }
        Ok(())
    }

    /// Applies the events of one call (of `command`, if it was one that made
    /// events of its own) and checks the laws on them.
    fn record(
        &mut self,
        step: usize,
        command: Option<&Command>,
        events: &[Event],
    ) -> Result<(), Violation> {
        let owner_before = self.case.owner().cloned();
        let mut granted = false;
        let mut checked = command.is_none();
        for event in events {
            if !checked && event.command() == command.map(Command::id) {
                checked = true;
                if let Some(command) = command {
                    self.check_authority(step, command)?;
                }
            }
            if let EventKind::GestureGranted { gesture, .. } = event.kind() {
                granted = true;
                if self.churned && discretionary(gesture) {
                    return Err(Violation::new(
                        Law::Churn,
                        step,
                        format!(
                            "{} granted {gesture} at {} after the customer's churn signal",
                            event.actor(),
                            event.at()
                        ),
                    ));
                }
            }
            if matches!(event.kind(), EventKind::ChurnSignalled { .. }) {
                self.churned = true;
            }
            self.case.apply(event).map_err(|error| {
                Violation::new(
                    Law::Replay,
                    step,
                    format!("event {} does not apply: {error}", event.version()),
                )
            })?;
            self.log.push(event.clone());
        }
        self.check_owner(step, owner_before.as_ref(), events)?;
        if granted {
            self.check_money(step)?;
        }
        self.check_work(step, events)
    }

    fn check_replay(&mut self, step: usize) -> Result<(), Violation> {
        if self.case.version() == 0 {
            return Ok(());
        }
        let replayed = match self.replayed.take() {
            None => Case::replay(&self.log).map(|case| (case, self.log.len())),
            Some((mut case, from)) => self.log[from..]
                .iter()
                .enumerate()
                .try_for_each(|(k, event)| {
                    case.apply(event)
                        .map_err(|error| crate::ReplayError::at(from + k, error))
                })
                .map(|()| (case, self.log.len())),
        };
        match replayed {
            Ok((replayed, upto)) if replayed == self.case => {
                self.replayed = Some((replayed, upto));
                Ok(())
            }
            Ok(_) => Err(Violation::new(
                Law::Replay,
                step,
                "replaying the log gives another case than the live one",
            )),
            Err(error) => Err(Violation::new(
                Law::Replay,
                step,
                format!("the log does not replay: {error}"),
            )),
        }
    }

    /// Whether the command's actor may send it, on the case as time left it
    /// just before the command's own events.
    fn check_authority(&self, step: usize, command: &Command) -> Result<(), Violation> {
        let refuse = |message: String| Err(Violation::new(Law::Authority, step, message));
        let actor = command.actor();
        let name = command.kind().name();
        if let Actor::Agent(agent) = actor
            && self.policy.rank(agent.tier()).is_none()
        {
            return refuse(format!(
                "{agent}, of a tier the policy does not name, may not {name} a case"
            ));
        }
        let customer_side = || match actor {
            Actor::Customer | Actor::System => Ok(()),
            Actor::Agent(_) => refuse(format!(
                "{actor} may not {name} a case: it is the customer's to do"
            )),
        };
        match command.kind() {
            CommandKind::Open { origin, .. } => match (actor, origin) {
                (Actor::Customer, Origin::Contact { .. } | Origin::Survey { .. })
                | (Actor::System | Actor::Agent(_), _) => Ok(()),
                (Actor::Customer, _) => {
                    refuse(format!("the customer may not open a case from {origin:?}"))
                }
            },
            CommandKind::Contact { .. }
            | CommandKind::AnswerSurvey { .. }
            | CommandKind::AcceptOffer { .. }
            | CommandKind::DeclineOffer { .. } => customer_side(),
            CommandKind::ConfirmResolution => match actor {
                Actor::Customer => Ok(()),
                _ => refuse(format!(
                    "{actor} may not confirm a resolution: only the customer may"
                )),
            },
            CommandKind::AcceptHandoff | CommandKind::DeclineHandoff => {
                let offered = self
                    .case
                    .status()
                    .ownership()
                    .and_then(|o| o.handoff())
                    .map(crate::Handoff::to);
                match (actor, offered) {
                    (Actor::Agent(agent), Some(to)) if agent == to => Ok(()),
                    (_, Some(to)) => refuse(format!(
                        "{actor} may not {name} the case: it was offered to {to}"
                    )),
                    (_, None) => refuse(format!(
                        "{actor} may not {name} the case: no handoff is pending"
                    )),
                }
            }
            CommandKind::SignalChurn { .. } if *actor == Actor::Customer => Ok(()),
            CommandKind::SignalChurn { .. }
            | CommandKind::Respond { .. }
            | CommandKind::Assign { .. }
            | CommandKind::HandOff { .. }
            | CommandKind::Escalate { .. }
            | CommandKind::RecordFailure { .. }
            | CommandKind::Promise { .. }
            | CommandKind::KeepPromise { .. }
            | CommandKind::BreakPromise { .. }
            | CommandKind::ChangePriority { .. }
            | CommandKind::WaitOnCustomer { .. }
            | CommandKind::Pause { .. }
            | CommandKind::Resume
            | CommandKind::Resolve { .. }
            | CommandKind::Close { .. }
            | CommandKind::Offer { .. }
            | CommandKind::Grant { .. }
            | CommandKind::GrantOffer { .. }
            | CommandKind::AdoptPolicy => match self.for_company(actor) {
                Ok(()) => Ok(()),
                Err(why) => refuse(format!("{actor} may not {name} the case: {why}")),
            },
        }
    }

    /// Whether `actor` may act for the company on the case as it stands.
    fn for_company(&self, actor: &Actor) -> Result<(), String> {
        let agent = match actor {
            Actor::Customer => return Err("the customer does not act for the company".to_owned()),
            Actor::System => return Ok(()),
            Actor::Agent(agent) => agent,
        };
        let Some(owner) = self.case.owner() else {
            return Ok(());
        };
        if agent.id() == owner.id() {
            return Ok(());
        }
        match (
            self.policy.rank(agent.tier()),
            self.policy.rank(owner.tier()),
        ) {
            (Some(rank), Some(owner_rank)) if rank > owner_rank => Ok(()),
            (_, None) => Err(format!(
                "nobody outranks {owner}, whose tier the policy does not name"
            )),
            _ => Err(format!(
                "{owner} owns it, and {agent} is not of a higher tier"
            )),
        }
    }

    /// One owner from the first assignment until closing, changed only by
    /// an event that names the new one.
    fn check_owner(
        &mut self,
        step: usize,
        before: Option<&Agent>,
        events: &[Event],
    ) -> Result<(), Violation> {
        let broken = |message: String| Err(Violation::new(Law::OneOwner, step, message));
        let closed = self.case.status().name() == StateName::Closed;
        let owner = self.case.owner();
        if owner.is_some() {
            self.owned = true;
        }
        if closed {
            return match owner {
                Some(owner) => broken(format!("the case is closed, and still owned by {owner}")),
                None => Ok(()),
            };
        }
        if self.owned && owner.is_none() {
            return broken("the case, owned before, has no owner and is not closed".to_owned());
        }
        if owner == before {
            return Ok(());
        }
        let named = events.iter().rev().find_map(|e| match e.kind() {
            EventKind::Assigned { to } | EventKind::Escalated { to, .. } => Some(to),
            EventKind::HandoffAccepted { by } => Some(by),
            _ => None,
        });
        match (owner, named) {
            (Some(owner), Some(named)) if owner == named => Ok(()),
            (Some(owner), _) => broken(format!(
                "{owner} became the owner without an event naming them"
            )),
            (None, _) => Ok(()),
        }
    }

    /// Every grant on the case passes the guards, as the audit of its log
    /// under the guarded policy finds.
    fn check_money(&self, step: usize) -> Result<(), Violation> {
        let audit = crate::replay::audit(self.log.iter().cloned(), self.guarded).map_err(|e| {
            Violation::new(Law::Replay, step, format!("the log does not replay: {e}"))
        })?;
        for line in audit.lines() {
            if let Verdict::Refused(reasons) = line.verdict() {
                let reasons: Vec<String> = reasons.iter().map(ToString::to_string).collect();
                return Err(Violation::new(
                    Law::Money,
                    step,
                    format!(
                        "{} granted {} at {}, which the policy refuses: {}",
                        line.actor(),
                        line.gesture(),
                        line.at(),
                        reasons.join("; ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The rule firings of one call within `R·(c + t) + T·E`, apart
    /// from the `t` firings of rules at instants of their own (each of
    /// which, through its actions, is a cause like any other event).
    fn check_work(&self, step: usize, events: &[Event]) -> Result<(), Violation> {
        let timed = |rule: &str| {
            self.policy
                .rules()
                .iter()
                .find(|r| r.name == rule)
                .is_some_and(is_timed)
        };
        let (mut fired, mut timed_firings) = (0usize, 0usize);
        for event in events {
            if let EventKind::RuleFired { rule, .. } = event.kind() {
                if timed(rule.as_str()) {
                    timed_firings += 1;
                } else {
                    fired += 1;
                }
            }
        }
        let causes = events
            .iter()
            .filter(|e| !EventKind::by_rule(e.kind()))
            .count()
            .saturating_add(timed_firings);
        let tiers = self.policy.tiers().len();
        let bound = self
            .rules
            .saturating_mul(causes)
            .saturating_add(tiers.saturating_mul(self.on_escalated));
        if fired > bound {
            return Err(Violation::new(
                Law::BoundedWork,
                step,
                format!(
                    "one call fired {fired} rules for {causes} causes (events of its own and timed firings); \
                     the bound is {bound} ({} rules, {} tiers, {} rules on escalated)",
                    self.rules, tiers, self.on_escalated
                ),
            ));
        }
        Ok(())
    }
}

/// 1900-01-01T00:00:00Z, the earliest time a case works with.
fn earliest() -> DateTime<Utc> {
    DateTime::from_timestamp(-2_208_988_800, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// 9999-12-31T23:59:59Z, the latest time a case works with.
fn latest() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Whether a gesture is discretionary money: a cost the customer is not owed.
fn discretionary(gesture: &Gesture) -> bool {
    gesture.entitlement() == Entitlement::Discretionary
        && gesture.cost().is_some_and(|m| m.minor() != 0)
}

/// Whether a rule may fire at instants of its own (a delay, a handoff left
/// waiting, or the opening it was deferred to) rather than on an event.
fn is_timed(rule: &Rule) -> bool {
    // A rule deferred to working hours fires at the next open instant: a
    // tick with no other cause can bring its firing.
    rule.delay.is_some()
        || rule.during.is_some()
        || rule
            .when
            .leaves()
            .iter()
            .any(|c| matches!(c, Condition::HandoffNotAccepted(_)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recovery::RecoveryPolicy;

    /// Opened by an email at 15:10, assigned to sam (frontline) at 15:20,
    /// a USD 249.99 failure recorded at 15:30, then `more`.
    fn commands(more: &str) -> Vec<Command> {
        let json = format!(
            r#"[
          {{"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {{"type": "open",
           "customer": {{"id": "cust-9", "value": "standard"}},
           "origin": {{"type": "contact", "channel": "email"}}, "summary": "wrong cabinet"}}}},
          {{"id": "c-2", "actor": "system", "at": "2021-03-04T15:20:00Z",
           "kind": {{"type": "assign", "to": {{"id": "sam", "tier": "frontline"}}}}}},
          {{"id": "c-3", "actor": {{"agent": {{"id": "sam", "tier": "frontline"}}}}, "at": "2021-03-04T15:30:00Z",
           "kind": {{"type": "record_failure", "kind": "product", "description": "wrong cabinet",
                    "loss": {{"minor": 24999, "currency": "USD"}}}}}}
          {more}
        ]"#
        );
        serde_json::from_str(&json).unwrap()
    }

    /// Sam's grant at 16:00 of an apology and a gift card of `minor` cents.
    fn grant(id: &str, minor: i64) -> String {
        format!(
            r#", {{"id": "{id}", "actor": {{"agent": {{"id": "sam", "tier": "frontline"}}}}, "at": "2021-03-04T16:00:00Z",
             "kind": {{"type": "grant", "gestures": [{{"type": "apology", "failures": [1], "manner": "personal"}},
               {{"type": "credit", "failures": [1], "form": "gift_card", "amount": {{"minor": {minor}, "currency": "USD"}}}}]}}}}"#
        )
    }

    fn unguarded() -> Policy {
        let policy = Policy::default();
        let recovery = RecoveryPolicy::standard(policy.tiers()).with_guards(Guards::Off);
        policy.with_recovery(recovery).unwrap()
    }

    #[test]
    fn the_laws_hold_for_a_grant_within_authority() {
        let report = check_laws(&Policy::default(), &commands(&grant("c-4", 2_000))).unwrap();
        assert_eq!(report.accepted(), 4);
        assert_eq!(report.refused(), 0);
        assert_eq!(report.schedules(), 5);
    }

    #[test]
    fn money_beyond_authority_breaks_the_money_law() {
        // With the guards on, the case refuses it: no law is broken.
        let too_much = commands(&grant("c-4", 10_000));
        let report = check_laws(&Policy::default(), &too_much).unwrap();
        assert_eq!(report.refused(), 1);
        // A policy with its guards off grants it, and breaks the law.
        let v = check_laws(&unguarded(), &too_much).unwrap_err();
        assert_eq!(v.law(), Law::Money);
        assert_eq!(v.step(), 3);
        assert!(
            v.to_string().starts_with(
                "command 3 breaks the law \"no money beyond the actor's authority or the policy's caps\": \
                 sam (frontline) granted a gift card of USD 100.00 at 2021-03-04 16:00:00 UTC, which the policy refuses: "
            ),
            "{v}"
        );
    }

    #[test]
    fn money_after_the_churn_signal_breaks_the_churn_law() {
        let churn = r#", {"id": "c-9", "actor": "customer", "at": "2021-03-04T15:45:00Z",
            "kind": {"type": "signal_churn", "note": "bought elsewhere"}}"#;
        let v = check_laws(
            &unguarded(),
            &commands(&format!("{churn}{}", grant("c-4", 2_000))),
        )
        .unwrap_err();
        assert_eq!(v.law(), Law::Churn);
        assert_eq!(v.step(), 4);
        assert_eq!(
            v.message(),
            "sam (frontline) granted a gift card of USD 20.00 at 2021-03-04 16:00:00 UTC after the customer's churn signal"
        );
        // The guards refuse it.
        let report = check_laws(
            &Policy::default(),
            &commands(&format!("{churn}{}", grant("c-4", 2_000))),
        )
        .unwrap();
        assert_eq!(report.refusals()[0].0, 4);
    }

    #[test]
    fn the_authority_law_reads_handles_rules() {
        let policy = Policy::default();
        let guarded = guarded(&policy);
        let mut run = Run::new(&policy, &guarded, Thoroughness::EveryStep);
        run.drive(&commands(""), &Schedule::Never).unwrap();
        let by = |actor: &str, kind: &str| -> Command {
            serde_json::from_str(&format!(
                r#"{{"id": "x", "actor": {actor}, "at": "2021-03-05T10:00:00Z", "kind": {kind}}}"#
            ))
            .unwrap()
        };
        let kim = r#"{"agent": {"id": "kim", "tier": "frontline"}}"#;
        let dana = r#"{"agent": {"id": "dana", "tier": "supervisor"}}"#;
        let ghost = r#"{"agent": {"id": "gus", "tier": "regional-ish"}}"#;
        let resolve = r#"{"type": "resolve", "summary": "done"}"#;
        let confirm = r#"{"type": "confirm_resolution"}"#;
        let contact = r#"{"type": "contact", "channel": "email", "note": "hi"}"#;
        let law = |c: &Command| run.check_authority(7, c).map_err(|v| (v.law(), v.step()));
        assert_eq!(law(&by(kim, resolve)), Err((Law::Authority, 7)));
        assert_eq!(law(&by(dana, resolve)), Ok(()));
        assert_eq!(law(&by(r#""system""#, resolve)), Ok(()));
        assert_eq!(law(&by(r#""customer""#, resolve)), Err((Law::Authority, 7)));
        assert_eq!(law(&by(ghost, resolve)), Err((Law::Authority, 7)));
        assert_eq!(law(&by(r#""system""#, confirm)), Err((Law::Authority, 7)));
        assert_eq!(law(&by(r#""customer""#, confirm)), Ok(()));
        assert_eq!(law(&by(dana, contact)), Err((Law::Authority, 7)));
        assert_eq!(
            law(&by(dana, r#"{"type": "accept_handoff"}"#)),
            Err((Law::Authority, 7))
        );
        let v = run.check_authority(7, &by(kim, resolve)).unwrap_err();
        assert_eq!(
            v.message(),
            "kim (frontline) may not resolve the case: sam (frontline) owns it, and kim (frontline) is not of a higher tier"
        );
    }

    #[test]
    fn an_owner_who_came_from_nowhere_breaks_the_owner_law() {
        let policy = Policy::default();
        let guarded = guarded(&policy);
        let mut run = Run::new(&policy, &guarded, Thoroughness::EveryStep);
        run.drive(&commands(""), &Schedule::Never).unwrap();
        let kim = Agent::new("kim".parse().unwrap(), "frontline".parse().unwrap());
        let v = run.check_owner(2, Some(&kim), &[]).unwrap_err();
        assert_eq!(v.law(), Law::OneOwner);
        assert_eq!(
            v.message(),
            "sam (frontline) became the owner without an event naming them"
        );
        assert!(
            run.check_owner(2, run.case.owner().cloned().as_ref(), &[])
                .is_ok()
        );
    }

    #[test]
    fn firings_past_the_bound_break_the_work_law() {
        use crate::policy::Action;
        let policy = Policy::default()
            .with_rule(Rule::new(
                "loud",
                Condition::PublicContact,
                [Action::RequireReview],
            ))
            .unwrap();
        let guarded = guarded(&policy);
        let run = Run::new(&policy, &guarded, Thoroughness::EveryStep);
        let fired = |version| Event {
            version,
            at: "2021-03-04T15:10:00Z".parse().unwrap(),
            actor: Actor::System,
            command: None,
            kind: EventKind::RuleFired {
                rule: "loud".into(),
                when: "a public contact".into(),
            },
        };
        // One rule, one event of the call's own: one firing at most.
        let contact = Event {
            kind: EventKind::Contacted {
                channel: crate::Channel::SocialPublic,
                note: "x".into(),
            },
            ..fired(1)
        };
        assert!(run.check_work(0, &[contact.clone(), fired(2)]).is_ok());
        let v = run
            .check_work(0, &[contact, fired(2), fired(3)])
            .unwrap_err();
        assert_eq!(v.law(), Law::BoundedWork);
        assert_eq!(
            v.message(),
            "one call fired 2 rules for 1 causes (events of its own and timed firings); the bound is 1 (1 rules, 5 tiers, 0 rules on escalated)"
        );
    }

    #[test]
    fn logs_that_differ_are_told_apart() {
        let log = crate::case::Case::new("x".parse().unwrap())
            .handle(
                &Policy::default(),
                commands("").remove(0),
                "2021-03-04T15:10:00Z".parse().unwrap(),
            )
            .unwrap();
        assert_eq!(differ(&log, &log), None);
        assert!(
            differ(&log, &log[..1])
                .unwrap()
                .starts_with("it ends before event 2, ")
        );
        assert!(
            differ(&log[..1], &log)
                .unwrap()
                .starts_with("it has an extra event 2, ")
        );
        assert!(
            differ(&log[1..], &log[..1])
                .unwrap()
                .starts_with("event 1 is ")
        );
    }

    #[test]
    fn commands_in_any_order_and_at_any_time_give_an_answer() {
        // Times out of range, backwards, and a repeated id: no panic, a report.
        let mut all = commands(&grant("c-4", 2_000));
        all.reverse();
        let far: Command = serde_json::from_str(
            r#"{"id": "c-far", "actor": "system", "at": "9999-12-31T23:59:59Z",
                "kind": {"type": "resolve", "summary": "done"}}"#,
        )
        .unwrap();
        let old: Command = serde_json::from_str(
            r#"{"id": "c-old", "actor": "system", "at": "1850-01-01T00:00:00Z",
                "kind": {"type": "resolve", "summary": "done"}}"#,
        )
        .unwrap();
        all.push(far);
        all.push(old);
        for at in [DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MIN_UTC] {
            let c = &all[0];
            all.push(Command::new(
                c.id().clone(),
                c.actor().clone(),
                at,
                c.kind().clone(),
            ));
        }
        all.extend(commands(""));
        let report = check_laws(&Policy::recommended(), &all).unwrap();
        assert_eq!(
            report.repeated() + report.accepted() + report.refused(),
            all.len()
        );
    }
}

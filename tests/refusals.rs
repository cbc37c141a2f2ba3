//! Every refusal, produced through `Case::handle`, with its message verbatim.

use chrono::{DateTime, TimeDelta, Utc};
use escalate::policy::Policy;
use escalate::recovery::{Currency, Money};
use escalate::{
    Actor, Agent, Case, Channel, Command, CommandKind, Customer, CustomerValue, FailureKind,
    Origin, Outcome, PromiseId, Refusal,
};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn agent(id: &str, tier: &str) -> Agent {
    Agent::new(id.parse().unwrap(), tier.parse().unwrap())
}

fn policy() -> Policy {
    Policy::new("test", ["frontline", "supervisor", "manager"]).unwrap()
}

struct Harness {
    case: Case,
    n: u32,
    now: DateTime<Utc>,
}

impl Harness {
    fn new() -> Self {
        Harness {
            case: Case::new("R-1".parse().unwrap()),
            n: 0,
            now: at("2021-06-01T18:00:00Z"),
        }
    }

    fn command(&mut self, actor: Actor, kind: CommandKind) -> Command {
        self.n += 1;
        self.now += TimeDelta::minutes(1);
        Command::new(
            format!("c{}", self.n).parse().unwrap(),
            actor,
            self.now,
            kind,
        )
    }

    #[track_caller]
    fn ok(&mut self, actor: Actor, kind: CommandKind) {
        let cmd = self.command(actor, kind);
        let events = self.case.handle(&policy(), cmd, self.now).unwrap();
        for e in &events {
            self.case.apply(e);
        }
    }

    #[track_caller]
    fn refused(&mut self, actor: Actor, kind: CommandKind) -> Refusal {
        let cmd = self.command(actor, kind);
        let before = self.case.clone();
        let refusal = self.case.handle(&policy(), cmd, self.now).unwrap_err();
        assert_eq!(self.case, before);
        refusal
    }

    fn opened() -> Self {
        let mut h = Harness::new();
        h.ok(
            Actor::Customer,
            CommandKind::Open {
                customer: Customer::new("cust".parse().unwrap(), CustomerValue::Standard),
                origin: Origin::Contact {
                    channel: Channel::Voicemail,
                },
                summary: "callback please".into(),
                priority: escalate::Priority::Normal,
            },
        );
        h
    }

    fn owned() -> Self {
        let mut h = Harness::opened();
        h.ok(
            Actor::System,
            CommandKind::Assign {
                to: agent("sue", "supervisor"),
            },
        );
        h
    }
}

fn resolve() -> CommandKind {
    CommandKind::Resolve {
        summary: "done".into(),
    }
}

#[test]
fn invalid_transition() {
    let mut h = Harness::new();
    assert_eq!(
        h.refused(Actor::System, resolve()).to_string(),
        "cannot resolve a case that is not opened yet"
    );
    let mut h = Harness::opened();
    let r = h.refused(Actor::System, resolve());
    assert_eq!(
        r.to_string(),
        "cannot resolve a case that is new (no owner)"
    );
    let mut h = Harness::owned();
    h.ok(
        Actor::System,
        CommandKind::Close {
            outcome: Outcome::Lost,
            review: None,
        },
    );
    let r = h.refused(
        Actor::Customer,
        CommandKind::Contact {
            channel: Channel::Phone,
            note: "hi".into(),
        },
    );
    assert_eq!(r.to_string(), "cannot contact a case that is closed");
    let mut h = Harness::owned();
    h.ok(
        Actor::System,
        CommandKind::WaitOnCustomer {
            reason: "photos".into(),
        },
    );
    let r = h.refused(
        Actor::System,
        CommandKind::WaitOnCustomer {
            reason: "again".into(),
        },
    );
    assert_eq!(
        r.to_string(),
        "cannot wait on the customer for a case that is waiting on the customer"
    );
}

#[test]
fn not_owner() {
    let mut h = Harness::owned();
    let r = h.refused(Actor::Agent(agent("ann", "frontline")), resolve());
    assert_eq!(
        r.to_string(),
        "ann (frontline) may not resolve a case owned by sue (supervisor): only the owner, an agent of a higher tier or the system may"
    );
    let r = h.refused(
        Actor::Agent(agent("sid", "supervisor")),
        CommandKind::Close {
            outcome: Outcome::Lost,
            review: None,
        },
    );
    assert_eq!(
        r.to_string(),
        "sid (supervisor) may not close a case owned by sue (supervisor): only the owner, an agent of a higher tier or the system may"
    );
    // A higher tier may act.
    h.ok(Actor::Agent(agent("max", "manager")), resolve());
}

#[test]
fn customer_not_allowed_and_customer_only() {
    let mut h = Harness::owned();
    let r = h.refused(
        Actor::Customer,
        CommandKind::Escalate {
            to: agent("max", "manager"),
            reason: "angry".into(),
        },
    );
    assert_eq!(
        r.to_string(),
        "the customer may not escalate a case: customers may only contact, answer surveys, confirm a resolution, accept or decline an offer, or say they are leaving"
    );
    let r = h.refused(
        Actor::Agent(agent("sue", "supervisor")),
        CommandKind::Contact {
            channel: Channel::Phone,
            note: "x".into(),
        },
    );
    assert_eq!(
        r.to_string(),
        "sue (supervisor) may not contact a case: only the customer may"
    );
    h.ok(Actor::System, resolve());
    let r = h.refused(Actor::System, CommandKind::ConfirmResolution);
    assert_eq!(
        r.to_string(),
        "the system may not confirm the resolution of a case: only the customer may"
    );
    let mut h = Harness::new();
    let r = h.refused(
        Actor::Customer,
        CommandKind::Open {
            customer: Customer::new("cust".parse().unwrap(), CustomerValue::Standard),
            origin: Origin::InternalDetection,
            summary: "x".into(),
            priority: escalate::Priority::Normal,
        },
    );
    assert!(matches!(r, Refusal::CustomerNotAllowed { .. }));
}

#[test]
fn unknown_tier() {
    let mut h = Harness::opened();
    let r = h.refused(
        Actor::System,
        CommandKind::Assign {
            to: agent("rae", "regionl"),
        },
    );
    assert_eq!(
        r.to_string(),
        r#"no tier named "regionl"; tiers are frontline, supervisor, manager"#
    );
    let r = h.refused(
        Actor::Agent(agent("rae", "regionl")),
        CommandKind::Respond {
            channel: Channel::Phone,
            note: "x".into(),
            kind: escalate::ResponseKind::Answer,
        },
    );
    assert!(matches!(r, Refusal::UnknownTier { .. }));
}

#[test]
fn stale_version_and_future() {
    let h = Harness::owned();
    let cmd = Command::new("s1".parse().unwrap(), Actor::System, h.now, resolve()).expecting(2);
    let r = h.case.handle(&policy(), cmd, h.now).unwrap_err();
    assert_eq!(
        r.to_string(),
        "stale command: it expects version 2 but the case is at version 3"
    );
    let cmd = Command::new(
        "s2".parse().unwrap(),
        Actor::System,
        at("2021-06-02T00:00:00Z"),
        resolve(),
    );
    let r = h
        .case
        .handle(&policy(), cmd, at("2021-06-01T23:00:00Z"))
        .unwrap_err();
    assert_eq!(
        r.to_string(),
        "the command's time 2021-06-02 00:00:00 UTC is after now (2021-06-01 23:00:00 UTC)"
    );
}

#[test]
fn escalation_must_go_up() {
    let mut h = Harness::owned();
    let r = h.refused(
        Actor::System,
        CommandKind::Escalate {
            to: agent("ann", "frontline"),
            reason: "x".into(),
        },
    );
    assert_eq!(
        r.to_string(),
        "cannot escalate from sue (supervisor) to ann (frontline): tier frontline is not above tier supervisor"
    );
    h.ok(
        Actor::System,
        CommandKind::Escalate {
            to: agent("max", "manager"),
            reason: "breach".into(),
        },
    );
    assert_eq!(h.case.owner(), Some(&agent("max", "manager")));
}

#[test]
fn handoff_refusals() {
    let mut h = Harness::owned();
    let r = h.refused(
        Actor::System,
        CommandKind::HandOff {
            to: agent("sue", "supervisor"),
        },
    );
    assert_eq!(r.to_string(), "sue (supervisor) already owns the case");
    let r = h.refused(
        Actor::Agent(agent("ann", "frontline")),
        CommandKind::AcceptHandoff,
    );
    assert_eq!(r.to_string(), "no handoff is pending on the case");
    h.ok(
        Actor::Agent(agent("sue", "supervisor")),
        CommandKind::HandOff {
            to: agent("sid", "supervisor"),
        },
    );
    let r = h.refused(
        Actor::Agent(agent("ann", "frontline")),
        CommandKind::AcceptHandoff,
    );
    assert_eq!(
        r.to_string(),
        "the case was offered to sid (supervisor), not to ann (frontline)"
    );
    // Warm: sue stays accountable until sid accepts.
    assert_eq!(h.case.owner(), Some(&agent("sue", "supervisor")));
    h.ok(
        Actor::Agent(agent("sid", "supervisor")),
        CommandKind::AcceptHandoff,
    );
    assert_eq!(h.case.owner(), Some(&agent("sid", "supervisor")));
}

#[test]
fn promise_refusals() {
    let mut h = Harness::owned();
    let r = h.refused(
        Actor::System,
        CommandKind::KeepPromise {
            promise: PromiseId::new(1),
        },
    );
    assert_eq!(r.to_string(), "there is no promise #1 on this case");
    h.ok(
        Actor::System,
        CommandKind::Promise {
            what: "call back".into(),
            due: at("2021-06-02T18:00:00Z"),
        },
    );
    h.ok(
        Actor::System,
        CommandKind::KeepPromise {
            promise: PromiseId::new(1),
        },
    );
    let r = h.refused(
        Actor::System,
        CommandKind::BreakPromise {
            promise: PromiseId::new(1),
        },
    );
    assert_eq!(r.to_string(), "promise #1 is already kept");
}

#[test]
fn negative_loss() {
    let mut h = Harness::owned();
    let r = h.refused(
        Actor::System,
        CommandKind::RecordFailure {
            kind: FailureKind::Monetary,
            description: "x".into(),
            loss: Some(Money::new(-100, Currency::USD)),
        },
    );
    assert_eq!(
        r.to_string(),
        "a customer's loss cannot be negative: USD -1.00"
    );
}

#[test]
fn refusals_are_send_sync_static() {
    fn assert_error<E: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<Refusal>();
    assert_error::<escalate::ReplayError>();
    assert_error::<escalate::PolicyError>();
    assert_error::<escalate::InvalidId>();
    assert_error::<escalate::InvalidScore>();
    assert_error::<escalate::recovery::MoneyError>();
}

#[test]
fn replay_errors() {
    use escalate::{Event, EventKind, ReplayError};
    let h = Harness::owned();
    let mut events = h.case.events().to_vec();
    assert_eq!(
        Case::replay(events[1..].to_vec()).unwrap_err().to_string(),
        "cannot replay a history whose first event is not `opened`"
    );
    events.remove(1);
    assert_eq!(
        Case::replay(events.clone()).unwrap_err(),
        ReplayError::VersionGap {
            position: 1,
            expected: 2,
            found: 3
        }
    );
    assert_eq!(
        ReplayError::VersionGap {
            position: 1,
            expected: 2,
            found: 3
        }
        .to_string(),
        "event 1 has version 3; expected 2"
    );
    let _ = Event::new(1, h.now, Actor::System, None, EventKind::Reopened);
}

#[test]
fn lifecycle_reopen_and_close_is_final() {
    let mut h = Harness::owned();
    h.ok(Actor::System, resolve());
    h.ok(
        Actor::Customer,
        CommandKind::Contact {
            channel: Channel::Email,
            note: "it broke again".into(),
        },
    );
    assert_eq!(h.case.status().name(), escalate::StateName::Working);
    assert_eq!(h.case.owner(), Some(&agent("sue", "supervisor")));
    h.ok(
        Actor::System,
        CommandKind::Close {
            outcome: Outcome::Retained,
            review: None,
        },
    );
    assert_eq!(h.case.outcome(), Some(Outcome::Retained));
    let r = h.refused(
        Actor::System,
        CommandKind::Close {
            outcome: Outcome::Lost,
            review: None,
        },
    );
    assert_eq!(r.to_string(), "cannot close a case that is closed");
}

#[test]
fn internal_detection_has_an_owner_from_the_start() {
    let mut h = Harness::new();
    let waiter = agent("walt", "frontline");
    h.ok(
        Actor::Agent(waiter.clone()),
        CommandKind::Open {
            customer: Customer::new("guests".parse().unwrap(), CustomerValue::Standard),
            origin: Origin::InternalDetection,
            summary: "wrong plates served".into(),
            priority: escalate::Priority::Normal,
        },
    );
    assert_eq!(h.case.owner(), Some(&waiter));
    assert_eq!(h.case.version(), 2);
}

#[test]
fn a_changed_policy_applies_only_through_an_explicit_command() {
    let mut h = Harness::owned();
    let newer = Policy::new("test-2", ["frontline", "supervisor", "manager"]).unwrap();
    // A command under another policy version is refused, and tick ignores it.
    h.n += 1;
    let cmd = Command::new("p1".parse().unwrap(), Actor::System, h.now, resolve());
    let refusal = h.case.handle(&newer, cmd, h.now).unwrap_err();
    assert_eq!(
        refusal.to_string(),
        r#"the case runs under policy "test", not "test-2": adopt the new policy with an explicit command first"#
    );
    assert!(h.case.tick(&newer, h.now + TimeDelta::days(30)).is_empty());
    // Adopting it is an event; then the new policy is accepted.
    let adopt = Command::new(
        "p2".parse().unwrap(),
        Actor::System,
        h.now,
        CommandKind::AdoptPolicy,
    );
    let events = h.case.handle(&newer, adopt.clone(), h.now).unwrap();
    assert!(
        matches!(events[0].kind(), escalate::EventKind::PolicyAdopted { policy } if policy.as_str() == "test-2")
    );
    for e in &events {
        h.case.apply(e);
    }
    assert_eq!(h.case.policy_version(), Some("test-2"));
    let again = Command::new(
        "p3".parse().unwrap(),
        Actor::System,
        h.now,
        CommandKind::AdoptPolicy,
    );
    assert_eq!(
        h.case.handle(&newer, again, h.now).unwrap_err().to_string(),
        r#"the case already runs under policy "test-2""#
    );
    let cmd = Command::new("p4".parse().unwrap(), Actor::System, h.now, resolve());
    assert!(h.case.handle(&newer, cmd, h.now).is_ok());
    // The old one is now refused.
    let cmd = Command::new("p5".parse().unwrap(), Actor::System, h.now, resolve());
    assert!(matches!(
        h.case.handle(&policy(), cmd, h.now),
        Err(Refusal::PolicyMismatch { .. })
    ));
    assert!(
        h.case
            .timeline()
            .contains("the system moved the case to policy test-2")
    );
}

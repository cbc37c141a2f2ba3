//! Every refusal, produced through `Case::handle`, with its message verbatim.

mod support;

use chrono::TimeDelta;
use escalate::recovery::{Currency, Money};
use escalate::{
    Actor, Case, Channel, Command, CommandKind, CustomerValue, FailureKind, Origin, Outcome,
    Priority, PromiseId, Refusal,
};
use support::{Story, acting, agent, at, contact, opening, resolve, three_tiers, via};

/// Case R-1, not opened yet, under `three_tiers("test")`; the first command
/// comes at 2021-06-01 18:01 UTC.
#[track_caller]
fn unopened() -> Story {
    Story::starting("R-1", three_tiers("test"), at("2021-06-01T18:00:00Z"))
}

/// [`unopened`], opened by a voicemail asking for a callback.
#[track_caller]
fn opened() -> Story {
    let mut h = unopened();
    h.ok(
        Actor::Customer,
        opening(
            "cust",
            CustomerValue::Standard,
            via(Channel::Voicemail),
            "callback please",
            Priority::Normal,
        ),
    );
    h
}

/// [`opened`], then assigned to sue (supervisor).
#[track_caller]
fn owned() -> Story {
    let mut h = opened();
    h.ok(
        Actor::System,
        CommandKind::Assign {
            to: agent("sue", "supervisor"),
        },
    );
    h
}

#[test]
fn invalid_transition() {
    let mut h = unopened();
    assert_eq!(
        h.refused(Actor::System, resolve("done")).to_string(),
        "cannot resolve a case that is not opened yet"
    );
    let mut h = opened();
    let r = h.refused(Actor::System, resolve("done"));
    assert_eq!(
        r.to_string(),
        "cannot resolve a case that is new (no owner)"
    );
    let mut h = owned();
    h.ok(
        Actor::System,
        CommandKind::Close {
            outcome: Outcome::Lost,
            review: None,
        },
    );
    let r = h.refused(Actor::Customer, contact(Channel::Phone, "hi"));
    assert_eq!(r.to_string(), "cannot contact a case that is closed");
    let mut h = owned();
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
    let mut h = owned();
    let r = h.refused(acting("ann", "frontline"), resolve("done"));
    assert_eq!(
        r.to_string(),
        "ann (frontline) may not resolve a case owned by sue (supervisor): only the owner, an agent of a higher tier or the system may"
    );
    let r = h.refused(
        acting("sid", "supervisor"),
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
    h.ok(acting("max", "manager"), resolve("done"));
}

#[test]
fn customer_not_allowed_and_customer_only() {
    let mut h = owned();
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
    let r = h.refused(acting("sue", "supervisor"), contact(Channel::Phone, "x"));
    assert_eq!(
        r.to_string(),
        "sue (supervisor) may not contact a case: only the customer may"
    );
    h.ok(Actor::System, resolve("done"));
    let r = h.refused(Actor::System, CommandKind::ConfirmResolution);
    assert_eq!(
        r.to_string(),
        "the system may not confirm the resolution of a case: only the customer may"
    );
    let mut h = unopened();
    let r = h.refused(
        Actor::Customer,
        opening(
            "cust",
            CustomerValue::Standard,
            Origin::InternalDetection,
            "x",
            Priority::Normal,
        ),
    );
    assert!(matches!(r, Refusal::CustomerNotAllowed { .. }));
}

#[test]
fn unknown_tier() {
    let mut h = opened();
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
        acting("rae", "regionl"),
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
    let h = owned();
    let cmd =
        Command::new("s1".parse().unwrap(), Actor::System, h.now, resolve("done")).expecting(2);
    let r = h.case.handle(&h.policy, cmd, h.now).unwrap_err();
    assert_eq!(
        r.to_string(),
        "stale command: it expects version 2 but the case is at version 3"
    );
    let cmd = Command::new(
        "s2".parse().unwrap(),
        Actor::System,
        at("2021-06-02T00:00:00Z"),
        resolve("done"),
    );
    let r = h
        .case
        .handle(&h.policy, cmd, at("2021-06-01T23:00:00Z"))
        .unwrap_err();
    assert_eq!(
        r.to_string(),
        "the command's time 2021-06-02 00:00:00 UTC is after now (2021-06-01 23:00:00 UTC)"
    );
}

#[test]
fn escalation_must_go_up() {
    let mut h = owned();
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
    let mut h = owned();
    let r = h.refused(
        Actor::System,
        CommandKind::HandOff {
            to: agent("sue", "supervisor"),
        },
    );
    assert_eq!(r.to_string(), "sue (supervisor) already owns the case");
    let r = h.refused(acting("ann", "frontline"), CommandKind::AcceptHandoff);
    assert_eq!(r.to_string(), "no handoff is pending on the case");
    h.ok(
        acting("sue", "supervisor"),
        CommandKind::HandOff {
            to: agent("sid", "supervisor"),
        },
    );
    let r = h.refused(acting("ann", "frontline"), CommandKind::AcceptHandoff);
    assert_eq!(
        r.to_string(),
        "the case was offered to sid (supervisor), not to ann (frontline)"
    );
    // Warm: sue stays accountable until sid accepts.
    assert_eq!(h.case.owner(), Some(&agent("sue", "supervisor")));
    h.ok(acting("sid", "supervisor"), CommandKind::AcceptHandoff);
    assert_eq!(h.case.owner(), Some(&agent("sid", "supervisor")));
}

#[test]
fn promise_refusals() {
    let mut h = owned();
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
    let mut h = owned();
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
    let h = owned();
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
    let mut h = owned();
    h.ok(Actor::System, resolve("done"));
    h.ok(Actor::Customer, contact(Channel::Email, "it broke again"));
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
    let mut h = unopened();
    let waiter = agent("walt", "frontline");
    h.ok(
        Actor::Agent(waiter.clone()),
        opening(
            "guests",
            CustomerValue::Standard,
            Origin::InternalDetection,
            "wrong plates served",
            Priority::Normal,
        ),
    );
    assert_eq!(h.case.owner(), Some(&waiter));
    assert_eq!(h.case.version(), 2);
}

#[test]
fn a_changed_policy_applies_only_through_an_explicit_command() {
    let mut h = owned();
    let newer = three_tiers("test-2");
    // A command under another policy version is refused, and tick ignores it.
    h.n += 1;
    let cmd = Command::new("p1".parse().unwrap(), Actor::System, h.now, resolve("done"));
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
    h.apply(&events);
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
    let cmd = Command::new("p4".parse().unwrap(), Actor::System, h.now, resolve("done"));
    assert!(h.case.handle(&newer, cmd, h.now).is_ok());
    // The old one is now refused.
    let cmd = Command::new("p5".parse().unwrap(), Actor::System, h.now, resolve("done"));
    assert!(matches!(
        h.case.handle(&h.policy, cmd, h.now),
        Err(Refusal::PolicyMismatch { .. })
    ));
    assert!(
        h.case
            .timeline()
            .contains("the system moved the case to policy test-2")
    );
}

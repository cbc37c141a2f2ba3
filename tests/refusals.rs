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
        support::respond(escalate::ResponseKind::Answer),
    );
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
    let mut events = h.log.clone();
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
        matches!(events[0].kind(), escalate::EventKind::PolicyAdopted { policy, .. } if policy.as_str() == "test-2")
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
        h.timeline()
            .contains("the system moved the case to policy test-2")
    );
}

/// [`owned`], but owned by lee of tier "legacy", which the policy does not
/// name (a log imported from an older system).
#[track_caller]
fn owned_by_unknown_tier() -> Story {
    use escalate::{Event, EventKind};
    let mut h = opened();
    let v = h.case.version();
    h.now += TimeDelta::minutes(1);
    let assigned = Event::new(
        v + 1,
        h.now,
        Actor::System,
        None,
        EventKind::Assigned {
            to: agent("lee", "legacy"),
        },
    );
    h.case.apply(&assigned).unwrap();
    h
}

#[test]
fn an_owner_of_an_unknown_tier_is_outranked_by_nobody() {
    let mut h = owned_by_unknown_tier();
    // Any agent acting for the company used to pass: an unknown tier is now
    // no authority to act over, and no tier to escalate down from.
    let r = h.refused(acting("ann", "frontline"), resolve("done"));
    assert!(matches!(r, Refusal::OwnerTierUnknown { .. }));
    assert_eq!(
        r.to_string(),
        "the owner lee (legacy) has a tier the policy does not name (tiers are frontline, supervisor, manager): only the owner or the system may act until the case is handed to an agent of a known tier"
    );
    let r = h.refused(
        Actor::System,
        CommandKind::Escalate {
            to: agent("ann", "frontline"),
            reason: "x".into(),
        },
    );
    assert!(matches!(r, Refusal::OwnerTierUnknown { .. }));
    // The system hands the case to an agent of a known tier; they accept.
    h.ok(
        Actor::System,
        CommandKind::HandOff {
            to: agent("sue", "supervisor"),
        },
    );
    h.ok(acting("sue", "supervisor"), CommandKind::AcceptHandoff);
    assert_eq!(h.case.owner(), Some(&agent("sue", "supervisor")));
}

#[test]
fn adopting_a_policy_without_the_owners_tier_is_refused() {
    use escalate::policy::Policy;
    let mut h = owned();
    let smaller = Policy::new("test-2", ["frontline", "manager"]).unwrap();
    h.now += TimeDelta::minutes(1);
    let adopt = Command::new(
        "p1".parse().unwrap(),
        Actor::System,
        h.now,
        CommandKind::AdoptPolicy,
    );
    let before = h.case.clone();
    let r = h.case.handle(&smaller, adopt, h.now).unwrap_err();
    assert_eq!(
        r.to_string(),
        r#"cannot adopt policy "test-2": it has no tier "supervisor" for the owner sue; hand the case to an agent of one of its tiers (frontline, manager) first"#
    );
    assert_eq!(h.case, before);
}

#[test]
fn nobody_escalates_a_case_to_its_owner() {
    let mut h = owned();
    let r = h.refused(
        acting("sue", "supervisor"),
        CommandKind::Escalate {
            to: agent("sue", "manager"),
            reason: "promote myself".into(),
        },
    );
    assert_eq!(r.to_string(), "sue (supervisor) already owns the case");
}

#[test]
fn a_handoff_is_accepted_at_the_tier_offered() {
    let mut h = owned();
    h.ok(
        acting("sue", "supervisor"),
        CommandKind::HandOff {
            to: agent("kim", "frontline"),
        },
    );
    // kim, claiming to be a manager, may not take the case at that tier.
    let r = h.refused(acting("kim", "manager"), CommandKind::AcceptHandoff);
    assert_eq!(
        r.to_string(),
        "the case was offered to kim (frontline), not to kim (manager)"
    );
    h.ok(acting("kim", "frontline"), CommandKind::AcceptHandoff);
    assert_eq!(h.case.owner(), Some(&agent("kim", "frontline")));
}

#[test]
fn apply_refuses_what_does_not_fit_and_changes_nothing() {
    use escalate::{ApplyError, Event, EventKind, ReplayError};
    let h = owned();
    let mut case = h.case.clone();
    let v = case.version();
    let closed = |version| {
        Event::new(
            version,
            h.now,
            Actor::System,
            None,
            EventKind::Closed {
                outcome: Outcome::Lost,
                review: None,
            },
        )
    };
    // A host that ticks, then handles on the same snapshot, gets two events
    // numbered alike: the second is refused.
    assert_eq!(
        case.apply(&closed(v)),
        Err(ApplyError::Version {
            current: v,
            expected: v + 1,
            found: v
        })
    );
    assert_eq!(
        case.apply(&closed(v + 5)).unwrap_err().to_string(),
        format!(
            "event version {} does not follow version {v}: expected {}",
            v + 5,
            v + 1
        )
    );
    // A second opening, or one of another case.
    let opened_again = Event::new(v + 1, h.now, Actor::System, None, h.log[0].kind().clone());
    assert_eq!(
        case.apply(&opened_again).unwrap_err().to_string(),
        "case R-1 is already opened: an `opened` event comes first and only once"
    );
    let mut other = Case::new("R-2".parse().unwrap());
    let first = h.log[0].clone();
    assert_eq!(
        other.apply(&first).unwrap_err().to_string(),
        "the event opens case R-1, not R-2: events of one case go to that case only"
    );
    // Times and amounts out of range.
    let far = "+10000-01-01T00:00:00Z".parse().unwrap();
    let late = Event::new(v + 1, far, Actor::System, None, EventKind::Reopened);
    assert_eq!(
        case.apply(&late).unwrap_err().to_string(),
        "at +10000-01-01 00:00:00 UTC is out of range: times run from 1900-01-01 to 9999-12-31 (UTC)"
    );
    let stopped = Event::new(
        v + 1,
        h.now,
        Actor::System,
        None,
        EventKind::ClockStopped {
            clock: escalate::sla::ClockId::new(1),
            consumed: TimeDelta::seconds(-5),
            late_by: None,
        },
    );
    assert_eq!(
        case.apply(&stopped).unwrap_err().to_string(),
        "consumed -PT5S is out of range: a duration runs from 0 to 10,000 years"
    );
    let failure = Event::new(
        v + 1,
        h.now,
        Actor::System,
        None,
        EventKind::FailureRecorded {
            failure: escalate::FailureId::new(1),
            kind: FailureKind::Product,
            description: "x".into(),
            loss: Some(Money::new(-100, Currency::USD)),
        },
    );
    assert_eq!(
        case.apply(&failure).unwrap_err().to_string(),
        "loss USD -1.00 is negative: a loss or a payment is never below zero"
    );
    assert_eq!(case, h.case);
    // Replay refuses the same, naming the position.
    let mut log = h.log.clone();
    log.push(late);
    assert_eq!(
        Case::replay(log).unwrap_err(),
        ReplayError::Invalid {
            position: usize::try_from(v).unwrap(),
            error: ApplyError::TimeOutOfRange {
                field: "at",
                value: far
            }
        }
    );
}

#[test]
fn commands_out_of_range_are_refused() {
    let h = owned();
    let far = "9995-01-01T00:00:00Z".parse().unwrap();
    let cmd = Command::new("far".parse().unwrap(), Actor::System, far, resolve("done"));
    let r = h.case.handle(&h.policy, cmd, far).unwrap_err();
    assert_eq!(
        r.to_string(),
        "the command's at 9995-01-01 00:00:00 UTC is out of range: commands run from 1900-01-01 to 9989-12-31 (UTC)"
    );
}

//! A policy is its label and its content: the fingerprint a case records,
//! the refusals of other content under the same label (by `handle`,
//! `try_tick`, the desks), what `tick` does with it, and older logs that
//! recorded no fingerprint.

mod support;

use chrono::TimeDelta;
use escalate::desk::{Desk, DeskError};
use escalate::policy::{Policy, PolicyFingerprint};
use escalate::sla::{Metric, MetricPolicy, Target, Within};
use escalate::store::{MemoryStore, StoreError, StoredDesk};
use escalate::testing::{Knobs, policies};
use escalate::{
    Actor, Case, Channel, Command, CommandKind, Event, EventKind, Refusal, ResponseKind,
};
use proptest::prelude::*;
use support::{Story, cal, contact, hours, mon, respond, via};

/// A shop answering within `h` hours, open around the clock, labelled `label`.
fn shop(label: &str, h: i64) -> Policy {
    Policy::new(label, ["frontline", "supervisor"])
        .unwrap()
        .with_sla(MetricPolicy::new(
            Metric::FirstResponse,
            Target::new(Within::Time(hours(h)), cal("always")),
        ))
        .unwrap()
}

/// Case S-1 opened on Monday 2021-03-01 09:00 UTC by an email, under `policy`.
fn opened(policy: Policy) -> Story {
    let mut story = Story::starting("S-1", policy, mon(9, 0));
    story.open_by(mon(9, 0), via(Channel::Email));
    story
}

fn command(n: u32, kind: CommandKind, at: chrono::DateTime<chrono::Utc>) -> Command {
    Command::new(format!("x{n}").parse().unwrap(), Actor::System, at, kind)
}

#[test]
fn the_label_is_not_content_and_a_target_is() {
    assert_eq!(
        shop("shop-1", 4).fingerprint(),
        shop("shop-2", 4).fingerprint()
    );
    assert_ne!(
        shop("shop-1", 4).fingerprint(),
        shop("shop-1", 2).fingerprint()
    );
    // Built separately, or read back from its file: the same content.
    let toml = shop("shop-1", 4).to_toml_string().unwrap();
    assert_eq!(
        Policy::from_toml_str(&toml).unwrap().fingerprint(),
        shop("shop-1", 4).fingerprint()
    );
    // A builder step after reading the fingerprint changes it.
    let p = shop("shop-1", 4);
    let before = p.fingerprint();
    let p = p.with_time_zone(chrono_tz::Europe::Paris);
    assert_ne!(p.fingerprint(), before);
}

#[test]
fn the_opened_event_records_the_fingerprint() {
    let story = opened(shop("shop-1", 4));
    let f = shop("shop-1", 4).fingerprint();
    assert_eq!(story.case.policy_version(), Some("shop-1"));
    assert_eq!(story.case.policy_fingerprint(), Some(f));
    let EventKind::Opened(o) = story.log[0].kind() else {
        panic!("not opened: {:?}", story.log[0]);
    };
    assert_eq!(o.policy_fingerprint, Some(f));
    let json = serde_json::to_value(&story.log[0]).unwrap();
    assert_eq!(json["kind"]["policy_fingerprint"], f.to_string());
    // Replay and snapshots keep it.
    assert_eq!(
        Case::replay(story.log.clone())
            .unwrap()
            .policy_fingerprint(),
        Some(f)
    );
}

#[test]
fn another_content_under_the_label_is_refused_by_handle_and_try_tick() {
    let story = opened(shop("shop-1", 4));
    let (ran, edited) = (shop("shop-1", 4), shop("shop-1", 2));
    let at = mon(12, 0);
    let refusal = story
        .case
        .handle(&edited, command(1, respond(ResponseKind::Answer), at), at)
        .unwrap_err();
    assert_eq!(
        refusal,
        Refusal::PolicyContentMismatch {
            policy: "shop-1".into(),
            case: ran.fingerprint(),
            given: edited.fingerprint(),
        }
    );
    assert_eq!(
        refusal.to_string(),
        format!(
            "the case runs under policy \"shop-1\" with fingerprint {}, but the policy given under \
             that label has fingerprint {}: its content changed; give the changed policy a new \
             label and adopt it",
            ran.fingerprint(),
            edited.fingerprint()
        )
    );
    // At 12:00 the edited 2-hour target would have breached at 11:00; the
    // case's own 4-hour target has not.
    let late = mon(14, 0);
    assert_eq!(story.case.try_tick(&edited, late).unwrap_err(), refusal);
    assert!(story.case.tick(&edited, late).is_empty());
    assert_eq!(story.case.next_wakeup(&edited), None);
    // Under its own policy: the breach at 13:00.
    let events = story.case.try_tick(&ran, late).unwrap();
    assert_eq!(events.len(), 1);
    assert!(matches!(events[0].kind(), EventKind::SlaBreached { .. }));
    assert_eq!(events[0].at(), mon(13, 0));
    // Another label is the existing refusal, from try_tick too.
    assert!(matches!(
        story.case.try_tick(&shop("shop-9", 4), late),
        Err(Refusal::PolicyMismatch { .. })
    ));
    // The same content built again is accepted.
    let again = story.case.handle(
        &shop("shop-1", 4),
        command(2, respond(ResponseKind::Answer), at),
        at,
    );
    assert!(again.is_ok());
}

#[test]
fn adopting_records_the_new_fingerprint_and_refuses_new_content_under_the_old_label() {
    let mut story = opened(shop("shop-1", 4));
    let refusal = story
        .case
        .handle(
            &shop("shop-1", 2),
            command(1, CommandKind::AdoptPolicy, mon(10, 0)),
            mon(10, 0),
        )
        .unwrap_err();
    assert!(matches!(refusal, Refusal::PolicyContentMismatch { .. }));
    let next = shop("shop-2", 2);
    story.policy = next.clone();
    let events = story.run(mon(10, 0), Actor::System, CommandKind::AdoptPolicy);
    assert!(events.iter().any(|e| matches!(
        e.kind(),
        EventKind::PolicyAdopted { policy, fingerprint: Some(f) }
            if policy.as_str() == "shop-2" && *f == next.fingerprint()
    )));
    assert_eq!(story.case.policy_fingerprint(), Some(next.fingerprint()));
}

/// The log of a case opened before fingerprints: the same events as today
/// without the `policy_fingerprint` field.
fn old_log() -> Vec<Event> {
    let story = opened(shop("shop-1", 4));
    story
        .log
        .iter()
        .map(|e| {
            let mut json = serde_json::to_value(e).unwrap();
            if let Some(kind) = json.get_mut("kind").and_then(|k| k.as_object_mut()) {
                kind.remove("policy_fingerprint");
            }
            serde_json::from_value(json).unwrap()
        })
        .collect()
}

#[test]
fn an_old_log_without_a_fingerprint_replays_and_accepts_its_label() {
    let log = old_log();
    let case = Case::replay(log.clone()).unwrap();
    assert_eq!(case.policy_version(), Some("shop-1"));
    assert_eq!(case.policy_fingerprint(), None);
    // Any content under its label: the 2-hour edit is taken at its word.
    let edited = shop("shop-1", 2);
    let events = case.try_tick(&edited, mon(14, 0)).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].at(), mon(13, 0)); // the clock started with 4h
    assert!(
        case.handle(
            &edited,
            command(1, contact(Channel::Email, "any news?"), mon(14, 0)),
            mon(14, 0)
        )
        .is_ok()
    );
    // The desk takes it too.
    let mut desk = Desk::new(edited);
    assert!(desk.replay(log).is_ok());
}

#[test]
fn desks_refuse_a_changed_policy_under_a_label_they_hold() {
    let story = opened(shop("shop-1", 4));
    let (ran, edited) = (shop("shop-1", 4), shop("shop-1", 2));
    let mut desk = Desk::new(ran.clone());
    assert!(desk.add_policy(shop("shop-1", 4)).is_ok()); // the same content again
    assert_eq!(
        desk.add_policy(edited.clone()).unwrap_err(),
        DeskError::PolicyConflict {
            policy: "shop-1".into(),
            held: ran.fingerprint(),
            given: edited.fingerprint(),
        }
    );
    // A case that ran under the old content, on a desk holding the new.
    let mut changed = Desk::new(edited.clone());
    let err = changed.replay(story.log.clone()).unwrap_err();
    assert_eq!(
        err,
        DeskError::PolicyChanged {
            case: "S-1".parse().unwrap(),
            policy: "shop-1".into(),
            recorded: ran.fingerprint(),
            held: edited.fingerprint(),
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "case S-1 runs under policy \"shop-1\" with fingerprint {}, but the desk's policy under \
             that label has fingerprint {}: hold the case's policy under its label, and give the \
             changed policy a new label",
            ran.fingerprint(),
            edited.fingerprint()
        )
    );
    // The stored desk: the case stored under the old content, worked by a
    // desk holding the new.
    let mut stored = StoredDesk::new(MemoryStore::default(), ran);
    let id = "S-1".parse().unwrap();
    let open = Command::new(
        "c1".parse().unwrap(),
        Actor::Customer,
        mon(9, 0),
        support::opening(
            "cust",
            escalate::CustomerValue::Standard,
            via(Channel::Email),
            "problem",
            escalate::Priority::Normal,
        ),
    );
    stored.handle(&id, open, mon(9, 0)).unwrap();
    let mut later = StoredDesk::new(stored.into_store(), edited);
    let err = later
        .handle(
            &id,
            command(1, respond(ResponseKind::Answer), mon(10, 0)),
            mon(10, 0),
        )
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Desk(DeskError::PolicyChanged { .. })),
        "{err}"
    );
}

/// Changes the span of the first target of the first SLA metric in a
/// policy's JSON form: an hour or a business day more. `None` when the
/// policy has no SLA metric with a target.
fn lengthen_a_target(json: &mut serde_json::Value) -> Option<()> {
    let metric = json.get_mut("sla")?.as_array_mut()?.first_mut()?;
    let target = match metric.get_mut("fallback") {
        Some(fallback) if !fallback.is_null() => fallback,
        _ => metric
            .get_mut("targets")?
            .as_array_mut()?
            .first_mut()?
            .get_mut("target")?,
    };
    let within: Within = serde_json::from_value(target.get("within")?.clone()).ok()?;
    let longer = match within {
        Within::Time(d) => Within::Time(d + TimeDelta::hours(1)),
        Within::BusinessDays(n) => Within::BusinessDays(n + 1),
    };
    target["within"] = serde_json::to_value(longer).ok()?;
    Some(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Equal content, equal fingerprint (a clone, a JSON round trip, a new
    /// label); a target changed, another fingerprint.
    #[test]
    fn the_fingerprint_follows_the_content(policy in policies(Knobs::default())) {
        let f: PolicyFingerprint = policy.fingerprint();
        prop_assert_eq!(policy.clone().fingerprint(), f);
        let mut json = serde_json::to_value(&policy).unwrap();
        let back: Policy = serde_json::from_value(json.clone()).unwrap();
        prop_assert_eq!(back.fingerprint(), f);
        json["version"] = serde_json::Value::from("relabelled");
        let relabelled: Policy = serde_json::from_value(json.clone()).unwrap();
        prop_assert_eq!(relabelled.fingerprint(), f);
        if lengthen_a_target(&mut json).is_some() {
            let changed: Policy = serde_json::from_value(json).unwrap();
            prop_assert_ne!(changed.fingerprint(), f);
        }
    }
}

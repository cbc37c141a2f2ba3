//! Snapshots: `snapshot + events after it == replay of all events`, through
//! JSON, at every point of logs made under random valid policies and the
//! recommended one; and snapshots of another format are refused.

use escalate::policy::Policy;
use escalate::testing::{Knobs, Schedule, commands, policies, run};
use escalate::{Case, Command, Event, Snapshot};
use proptest::prelude::*;

fn policies_with_commands() -> impl Strategy<Value = (Policy, Vec<Command>)> {
    prop_oneof![Just(Policy::recommended()), policies(Knobs::default()),].prop_flat_map(|policy| {
        let commands = commands(&policy);
        (Just(policy), commands)
    })
}

/// The case from a snapshot after `k` events, stored as JSON and read back,
/// with the rest of the log applied.
fn resumed(log: &[Event], k: usize) -> Case {
    let before = Case::replay(&log[..k]).unwrap();
    let json = serde_json::to_string(&before.snapshot()).unwrap();
    let snapshot: Snapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(snapshot.version(), k as u64);
    snapshot.resume(&log[k..]).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// A snapshot taken at any point, plus the events after it, is the case
    /// the whole log replays to: at every point for short logs, at 16 spread
    /// points for long ones.
    #[test]
    fn snapshot_and_tail_equal_the_replay(
        (policy, commands) in policies_with_commands(),
        schedule in escalate::testing::schedules(),
    ) {
        let (case, log) = run(&policy, &commands, &schedule)?;
        prop_assume!(!log.is_empty());
        prop_assert_eq!(&Case::replay(&log).unwrap(), &case);
        let step = (log.len() / 16).max(1);
        for k in (1..=log.len()).step_by(step).chain([log.len()]) {
            prop_assert_eq!(&resumed(&log, k), &case, "snapshot after {} of {} events", k, log.len());
        }
        // The resumed case decides as the live one: same wake-up, same tick.
        let later = resumed(&log, log.len() / 2 + 1);
        prop_assert_eq!(later.next_wakeup(&policy), case.next_wakeup(&policy));
    }
}

#[test]
fn a_snapshot_of_another_format_is_refused() {
    let err =
        serde_json::from_str::<Snapshot>(r#"{"format": 2, "case": {"id": "X"}}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "snapshot format 2 is not supported: this build of escalate reads format 1; \
         replay the case's events instead at line 1 column 12"
    );
    let err = serde_json::from_str::<Snapshot>(r#"{"case": {}, "format": 1}"#).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("a snapshot's `format` must come before its `case`"),
        "{err}"
    );
    let err = serde_json::from_str::<Snapshot>(r#"{"format": 1}"#).unwrap_err();
    assert!(err.to_string().starts_with("missing field `case`"), "{err}");
}

#[test]
fn a_tail_that_does_not_follow_the_snapshot_is_refused_with_its_position() {
    let policy = Policy::recommended();
    let open: Command = serde_json::from_str(
        r#"{"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
            "customer": {"id": "cust-9", "value": "standard"},
            "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#,
    )
    .unwrap();
    let (_, log) = run(&policy, &[open], &Schedule::Never).unwrap();
    assert!(log.len() > 3);
    let snapshot = Case::replay(&log[..2]).unwrap().snapshot();
    // Skipping event 3.
    let err = snapshot.resume(&log[3..]).unwrap_err();
    assert_eq!(err.to_string(), "event 0 has version 4; expected 3");
}

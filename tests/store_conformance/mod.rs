//! The rules every [`EventStore`] keeps, checked on any store: a test
//! binary includes this module (`mod store_conformance;`) and runs every
//! check on its own store, either one `#[test]` per check with
//! [`store_conformance_tests!`] or all at once with [`run_all`].
//!
//! Each check takes a maker of fresh, empty stores and calls it as often
//! as it needs. [`MemoryStore`](escalate::store::MemoryStore) is the
//! reference: every check passes on it.
//!
//! The stories come from [`story`]: one case opened by email under
//! `Policy::recommended()`, assigned, contacted, answered, waited on,
//! promised, resolved and confirmed: each command makes at least one event.

#![allow(dead_code)] // each test binary uses a part of the shared module

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use escalate::desk::{CaseEvents, Desk};
use escalate::policy::Policy;
use escalate::store::{Append, Due, EventStore, Loaded, StoreError, StoredDesk};
use escalate::{Case, CaseId, Command, Event};
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// One `#[test]` per check, each on stores made by `$make` (an expression
/// of a type that is `FnMut() -> S` for some `S: EventStore`).
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::store_conformance_tests!(@each $make;
            round_trip, conflict, duplicate_command, invalid_append, empty_append, append_many,
            snapshots, events_after, claim_order_and_limit, claim_ties,
            claim_ends_at_append, expired_lease, next_wakeup, exact_times, cases_listed,
            load_all_matches_load, stored_desk_matches_desk, stored_desk_matches_desk_on_generated_commands);
    };
    (@each $make:expr; $($check:ident),*) => {
        $(
            #[test]
            fn $check() {
                let mut make = $make;
                store_conformance::$check(&mut make);
            }
        )*
    };
}

/// Runs every check, in the order [`store_conformance_tests!`] lists them.
pub fn run_all<S: EventStore>(make: &mut dyn FnMut() -> S) {
    round_trip(make);
    conflict(make);
    duplicate_command(make);
    invalid_append(make);
    empty_append(make);
    append_many(make);
    snapshots(make);
    events_after(make);
    claim_order_and_limit(make);
    claim_ties(make);
    claim_ends_at_append(make);
    expired_lease(make);
    next_wakeup(make);
    exact_times(make);
    cases_listed(make);
    load_all_matches_load(make);
    stored_desk_matches_desk(make);
    stored_desk_matches_desk_on_generated_commands(make);
}

// ---------------------------------------------------------------------------
// Stories.

/// Parses an RFC 3339 instant.
#[track_caller]
pub fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Parses a case id.
#[track_caller]
pub fn id(s: &str) -> CaseId {
    s.parse().unwrap()
}

/// A long lease: claims that do not run out during a test.
pub const HOUR: Duration = Duration::from_secs(3600);

/// The commands of one case's story, from `start` (a Monday morning is a
/// good start): ids `<case>-1`, `<case>-2`, ...; every one is accepted
/// under `Policy::recommended()` and makes events.
pub fn story(case: &str, start: DateTime<Utc>) -> Vec<Command> {
    let sam = r#"{"agent": {"id": "sam", "tier": "frontline"}}"#;
    let steps: [(i64, &str, String); 9] = [
        (
            0,
            r#""customer""#,
            r#"{"type": "open", "customer": {"id": "cust-9", "value": "standard"},
                "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}"#
                .to_owned(),
        ),
        (
            5,
            r#""system""#,
            r#"{"type": "assign", "to": {"id": "sam", "tier": "frontline"}}"#.to_owned(),
        ),
        (
            60,
            r#""customer""#,
            r#"{"type": "contact", "channel": "phone", "note": "any news?"}"#.to_owned(),
        ),
        (
            70,
            sam,
            r#"{"type": "respond", "channel": "phone", "note": "the right one will come", "kind": "answer"}"#
                .to_owned(),
        ),
        (
            75,
            sam,
            r#"{"type": "wait_on_customer", "reason": "photos of the cabinet"}"#.to_owned(),
        ),
        (
            24 * 60,
            r#""customer""#,
            r#"{"type": "contact", "channel": "email", "note": "photos attached"}"#.to_owned(),
        ),
        (
            25 * 60,
            sam,
            format!(
                r#"{{"type": "promise", "what": "the right cabinet delivered", "due": "{}"}}"#,
                (start + TimeDelta::days(3)).to_rfc3339()
            ),
        ),
        (
            48 * 60,
            sam,
            r#"{"type": "resolve", "summary": "the right cabinet delivered"}"#.to_owned(),
        ),
        (49 * 60, r#""customer""#, r#"{"type": "confirm_resolution"}"#.to_owned()),
    ];
    steps
        .iter()
        .enumerate()
        .map(|(n, (minutes, actor, kind))| {
            let at = (start + TimeDelta::minutes(*minutes)).to_rfc3339();
            let json = format!(
                r#"{{"id": "{case}-{}", "actor": {actor}, "at": "{at}", "kind": {kind}}}"#,
                n + 1
            );
            serde_json::from_str(&json).unwrap()
        })
        .collect()
}

/// A case's story handled by the case itself under the recommended
/// policy: the case after each command, and the events each made.
pub struct Driven {
    /// The case after every command.
    pub case: Case,
    /// The events of each command, in order.
    pub steps: Vec<Vec<Event>>,
    /// The case's next wake-up after each command.
    pub wakeups: Vec<Option<DateTime<Utc>>>,
}

impl Driven {
    /// Every event, in order.
    pub fn events(&self) -> Vec<Event> {
        self.steps.concat()
    }
}

/// Runs `commands` through a new case `case`.
#[track_caller]
pub fn drive(case: &str, commands: &[Command]) -> Driven {
    let policy = Policy::recommended();
    let mut driven = Case::new(id(case));
    let mut steps = Vec::new();
    let mut wakeups = Vec::new();
    for command in commands {
        let now = command.at();
        let events = driven.handle(&policy, command.clone(), now).unwrap();
        assert!(!events.is_empty(), "{command:?} made no events");
        for event in &events {
            driven.apply(event).unwrap();
        }
        steps.push(events);
        wakeups.push(driven.next_wakeup(&policy));
    }
    Driven {
        case: driven,
        steps,
        wakeups,
    }
}

/// The whole story of `case`, from Monday 2021-03-08 14:00 UTC plus
/// `offset` minutes.
pub fn whole_story(case: &str, offset: i64) -> Driven {
    drive(
        case,
        &story(case, t("2021-03-08T14:00:00Z") + TimeDelta::minutes(offset)),
    )
}

/// An event like `event` with another version and command id.
pub fn renumbered(event: &Event, version: u64, command: Option<&str>) -> Event {
    Event::new(
        version,
        event.at(),
        event.actor().clone(),
        command.map(|c| c.parse().unwrap()),
        event.kind().clone(),
    )
}

/// Appends each step of `driven` in turn, with its wake-up.
#[track_caller]
pub fn append_steps<S: EventStore>(store: &mut S, case: &str, driven: &Driven, steps: usize) {
    let mut version = 0;
    for (events, wakeup) in driven.steps.iter().zip(&driven.wakeups).take(steps) {
        store.append(&id(case), version, events, *wakeup).unwrap();
        version += events.len() as u64;
    }
}

/// Asserts that the store holds exactly `events` for `case`, and nothing
/// else about it changed: loading gives them back.
#[track_caller]
fn assert_holds<S: EventStore>(store: &mut S, case: &str, events: &[Event]) {
    assert_eq!(store.events(&id(case), 0).unwrap(), events);
    let loaded = store.load(&id(case)).unwrap();
    assert_eq!(loaded.version(), events.len() as u64);
    let replayed = (!events.is_empty()).then(|| Case::replay(events).unwrap());
    assert_eq!(loaded.into_case(&id(case)).unwrap(), replayed);
}

// ---------------------------------------------------------------------------
// Appending and loading.

/// What is appended is loaded back, event for event, and rebuilds the case.
pub fn round_trip<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let mut store = make();
    assert_eq!(store.load(&id("CAB-1")).unwrap(), Loaded::default());
    let driven = whole_story("CAB-1", 0);
    let opening = &driven.steps[0];
    assert!(opening.len() >= 4, "an opening makes 4 events or more");
    store
        .append(&id("CAB-1"), 0, opening, driven.wakeups[0])
        .unwrap();
    let loaded = store.load(&id("CAB-1")).unwrap();
    assert_eq!(
        loaded,
        Loaded {
            snapshot: None,
            events: opening.clone()
        }
    );
    assert_eq!(loaded.version(), opening.len() as u64);
    let mut store2 = make();
    append_steps(&mut store2, "CAB-1", &driven, driven.steps.len());
    let all = driven.events();
    assert_holds(&mut store2, "CAB-1", &all);
    assert_eq!(
        store2
            .load(&id("CAB-1"))
            .unwrap()
            .into_case(&id("CAB-1"))
            .unwrap(),
        Some(driven.case)
    );
    assert_eq!(store2.cases().unwrap(), [id("CAB-1")]);
}

/// An append at a version the case is not at is refused, and writes
/// nothing: no event, no command id, no wake-up.
pub fn conflict<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let mut store = make();
    let driven = whole_story("CAB-1", 0);
    let (opening, assign) = (&driven.steps[0], &driven.steps[1]);
    let at = opening.len() as u64;
    // A new case is at version 0.
    let err = store
        .append(&id("CAB-1"), 2, &[], Some(t("2021-03-08T14:00:00Z")))
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict { case, expected: 2, found: 0 } if case.as_str() == "CAB-1"),
        "{err:?}"
    );
    assert_eq!(store.next_wakeup().unwrap(), None);
    assert!(store.cases().unwrap().is_empty());
    store
        .append(&id("CAB-1"), 0, opening, driven.wakeups[0])
        .unwrap();
    for expected in [0, at - 1, at + 1, u64::MAX] {
        let moved = assign
            .iter()
            .enumerate()
            .map(|(k, e)| renumbered(e, expected.wrapping_add(k as u64 + 1), Some("CAB-1-2")))
            .collect::<Vec<_>>();
        let err = store
            .append(
                &id("CAB-1"),
                expected,
                &moved,
                Some(t("2021-03-08T14:01:00Z")),
            )
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { expected: e, found, .. } if e == expected && found == at),
            "{err:?}"
        );
    }
    assert_holds(&mut store, "CAB-1", opening);
    assert_eq!(store.next_wakeup().unwrap(), driven.wakeups[0]);
    // The refused appends recorded no command id: the command goes in now.
    store
        .append(&id("CAB-1"), at, assign, driven.wakeups[1])
        .unwrap();
    assert_holds(&mut store, "CAB-1", &driven.steps[..2].concat());
}

/// A command id the case has recorded is refused however long ago it came,
/// and the append writes nothing; one id on several events of one append
/// is one command.
pub fn duplicate_command<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let mut store = make();
    let driven = whole_story("CAB-1", 0);
    append_steps(&mut store, "CAB-1", &driven, 2);
    let before = driven.steps[..2].concat();
    let at = before.len() as u64;
    let next = &driven.steps[2];
    let wakeup = store.next_wakeup().unwrap();
    assert!(
        driven.steps[0]
            .iter()
            .all(|e| e.command().map(escalate::CommandId::as_str) == Some("CAB-1-1")),
        "the opening's events all carry its command"
    );
    // The opening's command again, on the next events.
    let again: Vec<Event> = next
        .iter()
        .enumerate()
        .map(|(k, e)| renumbered(e, at + k as u64 + 1, Some("CAB-1-1")))
        .collect();
    let err = store
        .append(&id("CAB-1"), at, &again, Some(t("2030-01-01T00:00:00Z")))
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::DuplicateCommand { case, command }
            if case.as_str() == "CAB-1" && command.as_str() == "CAB-1-1"),
        "{err:?}"
    );
    // A new id first and a recorded one after it: the new one is not kept.
    let mixed = vec![
        renumbered(&next[0], at + 1, Some("fresh")),
        renumbered(&next[0], at + 2, Some("CAB-1-2")),
    ];
    let err = store.append(&id("CAB-1"), at, &mixed, None).unwrap_err();
    assert!(
        matches!(&err, StoreError::DuplicateCommand { command, .. } if command.as_str() == "CAB-1-2"),
        "{err:?}"
    );
    assert_holds(&mut store, "CAB-1", &before);
    assert_eq!(store.next_wakeup().unwrap(), wakeup);
    let fresh = vec![renumbered(&next[0], at + 1, Some("fresh"))];
    store.append(&id("CAB-1"), at, &fresh, None).unwrap();
    assert_eq!(store.load(&id("CAB-1")).unwrap().version(), at + 1);
    // The same id in another case is another command.
    let other = whole_story("CAB-2", 0);
    let borrowed: Vec<Event> = other.steps[0]
        .iter()
        .map(|e| renumbered(e, e.version(), Some("CAB-1-1")))
        .collect();
    store.append(&id("CAB-2"), 0, &borrowed, None).unwrap();
}

/// Events not numbered from the version appended at are refused (after the
/// version is checked), and nothing is written.
pub fn invalid_append<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let mut store = make();
    let driven = whole_story("CAB-1", 0);
    let opening = &driven.steps[0];
    let skipped: Vec<Event> = opening
        .iter()
        .map(|e| {
            renumbered(
                e,
                e.version() + 1,
                e.command().map(escalate::CommandId::as_str),
            )
        })
        .collect();
    let err = store
        .append(&id("CAB-1"), 0, &skipped, driven.wakeups[0])
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::InvalidAppend { case, at: 0, found: 2, want: 1 } if case.as_str() == "CAB-1"),
        "{err:?}"
    );
    let mut gap = opening.clone();
    gap[2] = renumbered(&gap[2], 7, Some("CAB-1-1"));
    let err = store
        .append(&id("CAB-1"), 0, &gap, driven.wakeups[0])
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::InvalidAppend {
                at: 0,
                found: 7,
                want: 3,
                ..
            }
        ),
        "{err:?}"
    );
    // The version is checked first.
    let err = store.append(&id("CAB-1"), 5, &gap, None).unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert_eq!(store.load(&id("CAB-1")).unwrap(), Loaded::default());
    assert_eq!(store.next_wakeup().unwrap(), None);
    assert!(store.cases().unwrap().is_empty());
    // Nothing was recorded: the opening goes in.
    store
        .append(&id("CAB-1"), 0, opening, driven.wakeups[0])
        .unwrap();
    assert_holds(&mut store, "CAB-1", opening);
}

/// An append of no events checks the version and sets the wake-up only.
pub fn empty_append<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let mut store = make();
    let when = t("2021-03-08T15:00:00Z");
    store.append(&id("CAB-1"), 0, &[], Some(when)).unwrap();
    assert_eq!(store.next_wakeup().unwrap(), Some(when));
    assert!(store.cases().unwrap().is_empty());
    assert_eq!(store.load(&id("CAB-1")).unwrap(), Loaded::default());
    assert_eq!(
        store.claim_due(when, 10, HOUR).unwrap(),
        [Due {
            case: id("CAB-1"),
            at: when
        }]
    );
    store.append(&id("CAB-1"), 0, &[], None).unwrap();
    assert_eq!(store.next_wakeup().unwrap(), None);
    let driven = whole_story("CAB-1", 0);
    append_steps(&mut store, "CAB-1", &driven, 1);
    let at = driven.steps[0].len() as u64;
    let err = store.append(&id("CAB-1"), 0, &[], None).unwrap_err();
    assert!(matches!(err, StoreError::Conflict { expected: 0, found, .. } if found == at));
    store.append(&id("CAB-1"), at, &[], Some(when)).unwrap();
    assert_eq!(store.next_wakeup().unwrap(), Some(when));
    assert_holds(&mut store, "CAB-1", &driven.steps[0]);
}

fn append<'a>(
    case: &'a CaseId,
    expected: u64,
    events: &'a [Event],
    wakeup: Option<DateTime<Utc>>,
) -> Append<'a> {
    Append {
        case,
        expected,
        events,
        wakeup,
    }
}

/// A batch of appends: each goes in or is refused as it would alone, in
/// order (a later append to a case follows an earlier one of the batch),
/// and a refused one writes nothing of its own.
pub fn append_many<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let mut store = make();
    assert!(store.append_many(&[]).unwrap().is_empty());
    let [sa, sb, sc, sd, se] = ["A", "B", "C", "D", "E"].map(|case| whole_story(case, 0));
    let (a_at, e_at) = (sa.steps[0].len() as u64, se.steps[0].len() as u64);
    // E is open and claimed before the batch.
    let when = t("2021-03-08T15:00:00Z");
    store.append(&id("E"), 0, &se.steps[0], Some(when)).unwrap();
    assert_eq!(store.claim_due(when, 10, HOUR).unwrap().len(), 1);
    // A new command id, then one recorded in the batch already.
    let a_next = a_at + sa.steps[1].len() as u64;
    let again = [
        renumbered(&sa.steps[2][0], a_next + 1, Some("A-x")),
        renumbered(&sa.steps[2][0], a_next + 2, Some("A-1")),
    ];
    let misnumbered: Vec<Event> = sc.steps[0]
        .iter()
        .map(|ev| renumbered(ev, ev.version() + 1, Some("C-1")))
        .collect();
    let (ida, idb, idc, idd, ide) = (id("A"), id("B"), id("C"), id("D"), id("E"));
    let batch = [
        append(&ida, 0, &sa.steps[0], sa.wakeups[0]),
        append(&idb, 3, &sb.steps[0], sb.wakeups[0]),
        append(&ida, a_at, &sa.steps[1], sa.wakeups[1]),
        append(&ida, a_next, &again, None),
        append(&idc, 0, &misnumbered, Some(when)),
        append(&idd, 0, &sd.steps[0], Some(when)),
        append(&ide, e_at, &se.steps[1], Some(when)),
    ];
    let outcomes = store.append_many(&batch).unwrap();
    assert_eq!(outcomes.len(), batch.len());
    assert!(outcomes[0].is_ok() && outcomes[2].is_ok(), "{outcomes:?}");
    assert!(matches!(
        outcomes[1],
        Err(StoreError::Conflict {
            expected: 3,
            found: 0,
            ..
        })
    ));
    assert!(
        matches!(&outcomes[3], Err(StoreError::DuplicateCommand { case, command })
            if case.as_str() == "A" && command.as_str() == "A-1"),
        "{outcomes:?}"
    );
    assert!(matches!(
        outcomes[4],
        Err(StoreError::InvalidAppend {
            found: 2,
            want: 1,
            ..
        })
    ));
    assert!(outcomes[5].is_ok() && outcomes[6].is_ok(), "{outcomes:?}");
    assert_holds(&mut store, "A", &sa.steps[..2].concat());
    assert_holds(&mut store, "B", &[]);
    assert_holds(&mut store, "C", &[]);
    assert_holds(&mut store, "D", &sd.steps[0]);
    assert_holds(&mut store, "E", &se.steps[..2].concat());
    assert_eq!(store.cases().unwrap(), [id("A"), id("D"), id("E")]);
    // E's claim ended with its append; D and E are due at 15:00, and A
    // when its own wake-up says.
    let mut due: Vec<CaseId> = store
        .claim_due(when, 10, HOUR)
        .unwrap()
        .into_iter()
        .map(|d| d.case)
        .collect();
    due.sort();
    let mut expected = vec![id("D"), id("E")];
    if sa.wakeups[1].is_some_and(|w| w <= when) {
        expected.insert(0, id("A"));
    }
    assert_eq!(due, expected);
    let next = store.next_wakeup().unwrap();
    assert_eq!(
        next,
        [sa.wakeups[1], Some(when)].into_iter().flatten().min()
    );
    // The refused append recorded none of its command ids.
    store.append(&ida, a_next, &again[..1], None).unwrap();
}

/// Loading reads the latest snapshot and the events after it, which
/// rebuild the same case as every event; a later snapshot replaces an
/// earlier one, an earlier one is ignored, and the events stay.
pub fn snapshots<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let mut store = make();
    let driven = whole_story("CAB-1", 0);
    let all = driven.events();
    append_steps(&mut store, "CAB-1", &driven, driven.steps.len());
    let at = |version: usize| Case::replay(&all[..version]).unwrap().snapshot();
    let (early, late) = (4, all.len() - 3);
    assert!(early < late);
    store.save_snapshot(&at(early)).unwrap();
    let loaded = store.load(&id("CAB-1")).unwrap();
    assert_eq!(
        loaded.snapshot.as_ref().map(escalate::Snapshot::version),
        Some(early as u64)
    );
    assert_eq!(loaded.events, all[early..]);
    assert_eq!(loaded.version(), all.len() as u64);
    assert_eq!(
        loaded.into_case(&id("CAB-1")).unwrap(),
        Some(driven.case.clone())
    );
    store.save_snapshot(&at(late)).unwrap();
    store.save_snapshot(&at(early)).unwrap();
    store.save_snapshot(&at(early + 1)).unwrap();
    let loaded = store.load(&id("CAB-1")).unwrap();
    assert_eq!(loaded.snapshot, Some(at(late)));
    assert_eq!(loaded.events, all[late..]);
    assert_eq!(
        loaded.into_case(&id("CAB-1")).unwrap(),
        Some(driven.case.clone())
    );
    // A snapshot at the last version: nothing after it.
    store.save_snapshot(&driven.case.snapshot()).unwrap();
    let loaded = store.load(&id("CAB-1")).unwrap();
    assert!(loaded.events.is_empty());
    assert_eq!(loaded.version(), all.len() as u64);
    assert_eq!(
        loaded.into_case(&id("CAB-1")).unwrap(),
        Some(driven.case.clone())
    );
    // The events stay, and the case goes on after its snapshot.
    assert_eq!(store.events(&id("CAB-1"), 0).unwrap(), all);
    let closed = renumbered(&all[0], all.len() as u64 + 1, Some("later"));
    store
        .append(
            &id("CAB-1"),
            all.len() as u64,
            std::slice::from_ref(&closed),
            None,
        )
        .unwrap();
    assert_eq!(store.load(&id("CAB-1")).unwrap().events, [closed]);
    assert_eq!(store.cases().unwrap(), [id("CAB-1")]);
}

/// `load_all` gives every case, in id order, with what `load` gives for
/// it: with and without snapshots, snapshots at the last version and
/// before it.
pub fn load_all_matches_load<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let mut store = make();
    assert!(store.load_all().unwrap().is_empty());
    for (n, case) in ["CAB-3", "CAB-1", "CAB-2", "CAB-4"].into_iter().enumerate() {
        let driven = whole_story(case, i64::try_from(n).unwrap());
        append_steps(&mut store, case, &driven, driven.steps.len());
        let all = driven.events();
        match n {
            0 => {} // no snapshot
            1 => store.save_snapshot(&driven.case.snapshot()).unwrap(),
            _ => store
                .save_snapshot(&Case::replay(&all[..all.len() - n]).unwrap().snapshot())
                .unwrap(),
        }
    }
    let all = store.load_all().unwrap();
    let ids: Vec<&str> = all.iter().map(|(case, _)| case.as_str()).collect();
    assert_eq!(ids, ["CAB-1", "CAB-2", "CAB-3", "CAB-4"]);
    for (case, loaded) in all {
        let loaded = loaded.unwrap();
        assert_eq!(loaded, store.load(&case).unwrap(), "case {case}");
        let events = store.events(&case, 0).unwrap();
        assert_eq!(
            loaded.into_case(&case).unwrap(),
            Some(Case::replay(&events).unwrap())
        );
    }
    // Enough cases that a store decodes them on more than one thread.
    let mut store = make();
    for n in 0..300_i64 {
        let case = format!("MANY-{n:03}");
        let driven = whole_story(&case, n % 50);
        append_steps(&mut store, &case, &driven, 2);
        if n % 3 != 0 {
            let events = store.events(&id(&case), 0).unwrap();
            let upto = events.len() - usize::from(n % 2 == 0);
            store
                .save_snapshot(&Case::replay(&events[..upto]).unwrap().snapshot())
                .unwrap();
        }
    }
    let all = store.load_all().unwrap();
    assert_eq!(all.len(), 300);
    for (n, (case, loaded)) in all.into_iter().enumerate() {
        assert_eq!(case.as_str(), format!("MANY-{n:03}"));
        assert_eq!(loaded.unwrap(), store.load(&case).unwrap(), "case {case}");
    }
}

/// `events(case, after)` gives the events numbered after `after`.
pub fn events_after<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let mut store = make();
    let driven = whole_story("CAB-1", 0);
    let all = driven.events();
    let n = all.len() as u64;
    append_steps(&mut store, "CAB-1", &driven, driven.steps.len());
    assert_eq!(store.events(&id("CAB-1"), 0).unwrap(), all);
    assert_eq!(store.events(&id("CAB-1"), 2).unwrap(), all[2..]);
    assert_eq!(
        store.events(&id("CAB-1"), n - 1).unwrap(),
        all[all.len() - 1..]
    );
    for after in [n, n + 1, u64::MAX] {
        assert!(store.events(&id("CAB-1"), after).unwrap().is_empty());
    }
    assert!(store.events(&id("CAB-404"), 0).unwrap().is_empty());
}

// ---------------------------------------------------------------------------
// Wake-ups and claims.

/// Opens cases `CAB-<n>` with the wake-ups given (their openings' events,
/// the wake-up chosen by the test).
fn open_with_wakeups<S: EventStore>(store: &mut S, wakeups: &[(&str, Option<DateTime<Utc>>)]) {
    for (case, wakeup) in wakeups {
        let driven = drive(case, &story(case, t("2021-03-08T14:00:00Z"))[..1]);
        store
            .append(&id(case), 0, &driven.steps[0], *wakeup)
            .unwrap();
    }
}

fn due(case: &str, at: &str) -> Due {
    Due {
        case: id(case),
        at: t(at),
    }
}

/// Due cases are claimed earliest first, up to the limit, a wake-up at
/// `now` included; a case claimed is not claimed again while its claim
/// lives; cases with no wake-up or a later one are not claimed.
pub fn claim_order_and_limit<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let mut store = make();
    let m = |minute: u32| Some(t(&format!("2021-03-08T15:{minute:02}:00Z")));
    open_with_wakeups(
        &mut store,
        &[
            ("A", m(5)),
            ("B", m(1)),
            ("C", m(3)),
            ("D", m(2)),
            ("E", m(4)),
            ("F", None),
            ("G", Some(t("2021-03-09T15:00:00Z"))),
        ],
    );
    assert!(
        store
            .claim_due(t("2021-03-08T15:00:59Z"), 10, HOUR)
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .claim_due(t("2021-03-08T15:03:00Z"), 0, HOUR)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .claim_due(t("2021-03-08T15:03:00Z"), 10, HOUR)
            .unwrap(),
        [
            due("B", "2021-03-08T15:01:00Z"),
            due("D", "2021-03-08T15:02:00Z"),
            due("C", "2021-03-08T15:03:00Z")
        ]
    );
    assert!(
        store
            .claim_due(t("2021-03-08T15:03:00Z"), 10, HOUR)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.claim_due(t("2021-03-08T16:00:00Z"), 1, HOUR).unwrap(),
        [due("E", "2021-03-08T15:04:00Z")]
    );
    assert_eq!(
        store
            .claim_due(t("2021-03-08T16:00:00Z"), 10, HOUR)
            .unwrap(),
        [due("A", "2021-03-08T15:05:00Z")]
    );
    assert!(
        store
            .claim_due(t("2021-03-09T14:59:59Z"), 10, HOUR)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .claim_due(DateTime::<Utc>::MAX_UTC, usize::MAX, HOUR)
            .unwrap(),
        [due("G", "2021-03-09T15:00:00Z")]
    );
}

/// Cases due at the same instant are all claimed, each once.
pub fn claim_ties<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let mut store = make();
    let when = Some(t("2021-03-08T15:00:00Z"));
    open_with_wakeups(&mut store, &[("X", when), ("Y", when), ("Z", when)]);
    let mut first = store.claim_due(t("2021-03-08T15:00:00Z"), 2, HOUR).unwrap();
    assert_eq!(first.len(), 2);
    first.extend(store.claim_due(t("2021-03-08T15:00:00Z"), 2, HOUR).unwrap());
    first.sort_by(|a, b| a.case.cmp(&b.case));
    assert_eq!(
        first,
        [
            due("X", "2021-03-08T15:00:00Z"),
            due("Y", "2021-03-08T15:00:00Z"),
            due("Z", "2021-03-08T15:00:00Z")
        ]
    );
}

/// A claim ends at the case's next append, whatever its lease.
pub fn claim_ends_at_append<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let mut store = make();
    let driven = whole_story("B", 0);
    let when = t("2021-03-08T15:00:00Z");
    store
        .append(&id("B"), 0, &driven.steps[0], Some(when))
        .unwrap();
    assert_eq!(store.claim_due(when, 10, HOUR).unwrap().len(), 1);
    assert!(store.claim_due(when, 10, HOUR).unwrap().is_empty());
    let at = driven.steps[0].len() as u64;
    store
        .append(&id("B"), at, &driven.steps[1], Some(when))
        .unwrap();
    assert_eq!(
        store.claim_due(when, 10, HOUR).unwrap(),
        [Due {
            case: id("B"),
            at: when
        }]
    );
    // An append of no events ends it too, and can move the wake-up.
    let at = at + driven.steps[1].len() as u64;
    let later = t("2021-03-08T15:30:00Z");
    store.append(&id("B"), at, &[], Some(later)).unwrap();
    assert!(store.claim_due(when, 10, HOUR).unwrap().is_empty());
    assert_eq!(
        store.claim_due(later, 10, HOUR).unwrap(),
        [Due {
            case: id("B"),
            at: later
        }]
    );
    // A case that waits on no time is not claimed.
    store.append(&id("B"), at, &[], None).unwrap();
    assert!(
        store
            .claim_due(DateTime::<Utc>::MAX_UTC, 10, Duration::ZERO)
            .unwrap()
            .is_empty()
    );
}

/// A claim whose lease ran out can be claimed again (its worker died).
pub fn expired_lease<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let mut store = make();
    let when = Some(t("2021-03-08T15:00:00Z"));
    open_with_wakeups(&mut store, &[("A", when)]);
    let now = t("2021-03-08T15:00:00Z");
    assert_eq!(store.claim_due(now, 10, Duration::ZERO).unwrap().len(), 1);
    assert_eq!(store.claim_due(now, 10, Duration::ZERO).unwrap().len(), 1);
    assert_eq!(
        store
            .claim_due(now, 10, Duration::from_millis(5))
            .unwrap()
            .len(),
        1
    );
    // Within a bounded wait, the 5 ms lease runs out.
    let mut claimed = Vec::new();
    for _ in 0..2000 {
        claimed = store.claim_due(now, 10, HOUR).unwrap();
        if !claimed.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(
        claimed,
        [Due {
            case: id("A"),
            at: now
        }]
    );
    assert!(store.claim_due(now, 10, HOUR).unwrap().is_empty());
}

/// The earliest wake-up of any case, claimed or not.
pub fn next_wakeup<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let mut store = make();
    assert_eq!(store.next_wakeup().unwrap(), None);
    let m = |minute: u32| Some(t(&format!("2021-03-08T15:{minute:02}:00Z")));
    open_with_wakeups(&mut store, &[("A", m(5)), ("B", None), ("C", m(3))]);
    assert_eq!(store.next_wakeup().unwrap(), m(3));
    assert_eq!(
        store
            .claim_due(t("2021-03-08T16:00:00Z"), 1, HOUR)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.next_wakeup().unwrap(), m(3));
    let at = store.load(&id("C")).unwrap().version();
    store.append(&id("C"), at, &[], None).unwrap();
    assert_eq!(store.next_wakeup().unwrap(), m(5));
    let at = store.load(&id("B")).unwrap().version();
    store.append(&id("B"), at, &[], m(1)).unwrap();
    assert_eq!(store.next_wakeup().unwrap(), m(1));
}

/// Wake-ups are kept to the nanosecond over the years a case works with
/// (1900 to 9999: a case refuses times outside them), and ordered by
/// instant; claims and `next_wakeup` take any instant chrono has.
pub fn exact_times<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let mut store = make();
    let fine = t("2021-03-08T15:00:00.123456789Z");
    let (first, last) = (
        t("1900-01-01T00:00:00Z"),
        t("9999-12-31T23:59:59.999999999Z"),
    );
    let wakeups = [
        ("A", Some(last)),
        ("B", Some(fine)),
        ("C", Some(fine + TimeDelta::nanoseconds(1))),
        ("D", Some(t("1969-12-31T23:59:59.999999999Z"))),
        ("E", Some(first)),
    ];
    open_with_wakeups(&mut store, &wakeups);
    assert_eq!(store.next_wakeup().unwrap(), Some(first));
    assert!(
        store
            .claim_due(DateTime::<Utc>::MIN_UTC, 10, HOUR)
            .unwrap()
            .is_empty()
    );
    let claimed = store
        .claim_due(fine - TimeDelta::nanoseconds(1), 10, HOUR)
        .unwrap();
    assert_eq!(
        claimed,
        [
            Due {
                case: id("E"),
                at: first
            },
            Due {
                case: id("D"),
                at: t("1969-12-31T23:59:59.999999999Z")
            }
        ]
    );
    assert_eq!(
        store.claim_due(fine, 10, HOUR).unwrap(),
        [Due {
            case: id("B"),
            at: fine
        }]
    );
    assert_eq!(
        store.claim_due(DateTime::<Utc>::MAX_UTC, 10, HOUR).unwrap(),
        [
            Due {
                case: id("C"),
                at: fine + TimeDelta::nanoseconds(1)
            },
            Due {
                case: id("A"),
                at: last
            }
        ]
    );
}

/// `cases()` lists every case that has events, in id order.
pub fn cases_listed<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let mut store = make();
    assert!(store.cases().unwrap().is_empty());
    let when = Some(t("2021-03-08T15:00:00Z"));
    open_with_wakeups(
        &mut store,
        &[("CAB-2", when), ("CAB-10", None), ("B-1", when)],
    );
    // A wake-up alone, or a snapshot alone, is not a case with events.
    store.append(&id("CAB-3"), 0, &[], when).unwrap();
    let lone = whole_story("CAB-4", 0);
    store.save_snapshot(&lone.case.snapshot()).unwrap();
    assert_eq!(
        store.cases().unwrap(),
        [id("B-1"), id("CAB-10"), id("CAB-2")]
    );
}

// ---------------------------------------------------------------------------
// A desk over the store.

/// A [`StoredDesk`] over the store records the same events as a [`Desk`]
/// for the same commands and wake-ups, and a desk restarted on the store
/// finds the same cases.
pub fn stored_desk_matches_desk<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let policy = Policy::recommended();
    let mut desk = Desk::new(policy.clone());
    let mut stored = StoredDesk::new(make(), policy.clone())
        .snapshot_every(std::num::NonZeroU64::new(3).unwrap());
    let mut commands: Vec<(CaseId, Command)> = ["CAB-1", "CAB-2", "CAB-3"]
        .iter()
        .enumerate()
        .flat_map(|(k, case)| {
            let start =
                t("2021-03-08T14:00:00Z") + TimeDelta::minutes(7 * i64::try_from(k).unwrap());
            story(case, start).into_iter().map(|c| (id(case), c))
        })
        .collect();
    commands.sort_by_key(|(_, c)| c.at());
    let mut log: std::collections::BTreeMap<CaseId, Vec<Event>> = std::collections::BTreeMap::new();
    for (case, command) in commands {
        let now = command.at();
        let woken = desk.advance(now).unwrap();
        let advanced = stored.advance(now).unwrap();
        assert!(advanced.failed.is_empty(), "{:?}", advanced.failed);
        assert_eq!(sorted(advanced.woken), sorted(woken.clone()));
        for w in woken {
            log.entry(w.case).or_default().extend(w.events);
        }
        let events = desk.handle(&case, command.clone(), now).unwrap();
        assert_eq!(stored.handle(&case, command.clone(), now).unwrap(), events);
        log.entry(case.clone()).or_default().extend(events);
        // A command sent again is recorded once.
        assert!(stored.handle(&case, command, now).unwrap().is_empty());
        assert_eq!(stored.next_wakeup().unwrap(), desk.next_wakeup());
    }
    let end = t("2021-03-20T00:00:00Z");
    let woken = desk.advance(end).unwrap();
    assert_eq!(
        sorted(stored.advance(end).unwrap().woken),
        sorted(woken.clone())
    );
    for w in woken {
        log.entry(w.case).or_default().extend(w.events);
    }
    let mut store = stored.into_store();
    assert_eq!(
        store.cases().unwrap(),
        log.keys().cloned().collect::<Vec<_>>()
    );
    for (case, events) in &log {
        assert_eq!(&store.events(case, 0).unwrap(), events);
        let loaded = store.load(case).unwrap();
        assert!(
            loaded.snapshot.is_some(),
            "the desk stored a snapshot of {case}"
        );
        assert_eq!(loaded.into_case(case).unwrap().as_ref(), desk.case(case));
    }
    let mut restarted = StoredDesk::new(store, policy);
    let restart = restarted.load_all().unwrap();
    assert_eq!(restart.cases, 3);
    assert!(restart.failed.is_empty());
    for case in log.keys() {
        assert_eq!(restarted.case(case).unwrap().as_ref(), desk.case(case));
    }
}

fn sorted(mut woken: Vec<CaseEvents>) -> Vec<(CaseId, Vec<Event>)> {
    woken.sort_by(|a, b| a.case.cmp(&b.case));
    woken.into_iter().map(|w| (w.case, w.events)).collect()
}

/// The same as [`stored_desk_matches_desk`] on command sequences from
/// `escalate::testing::commands` (refusals included), advancing both
/// desks before each command: 16 sequences.
pub fn stored_desk_matches_desk_on_generated_commands<S: EventStore>(make: &mut dyn FnMut() -> S) {
    let policy = Policy::recommended();
    let mut runner = TestRunner::new(Config {
        cases: 16,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = escalate::testing::commands(&policy);
    let make = std::cell::RefCell::new(make);
    let result = runner.run(&strategy, |commands| {
        let case = id("GEN-1");
        let mut desk = Desk::new(policy.clone());
        let fresh = (*make.borrow_mut())();
        let mut stored = StoredDesk::new(fresh, policy.clone())
            .snapshot_every(std::num::NonZeroU64::new(2).unwrap());
        let mut log = Vec::new();
        let fail = |what: String| TestCaseError::fail(what);
        for command in commands {
            let now = command.at();
            let woken = desk.advance(now).map_err(|e| fail(e.to_string()))?;
            let advanced = stored.advance(now).map_err(|e| fail(e.to_string()))?;
            if !advanced.failed.is_empty() {
                return Err(fail(format!("{:?}", advanced.failed)));
            }
            if sorted(advanced.woken) != sorted(woken.clone()) {
                return Err(fail(format!("advance at {now} differs")));
            }
            log.extend(woken.into_iter().flat_map(|w| w.events));
            let by_desk = desk.handle(&case, command.clone(), now);
            let by_store = stored.handle(&case, command, now);
            match (by_desk, by_store) {
                (Ok(a), Ok(b)) if a == b => log.extend(a),
                (Err(a), Err(StoreError::Desk(b))) if a == b => {}
                (a, b) => return Err(fail(format!("the desk: {a:?}; the stored desk: {b:?}"))),
            }
        }
        let mut store = stored.into_store();
        let events = store.events(&case, 0).map_err(|e| fail(e.to_string()))?;
        if events != log {
            return Err(fail("the stored events differ from the desk's".to_owned()));
        }
        let loaded = store
            .load(&case)
            .and_then(|l| l.into_case(&case))
            .map_err(|e| fail(e.to_string()))?;
        if loaded.as_ref() != desk.case(&case) {
            return Err(fail("the loaded case differs from the desk's".to_owned()));
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

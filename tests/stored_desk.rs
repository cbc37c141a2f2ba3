//! `StoredDesk`: which desk works a case, and from which cache, never
//! changes its log. Several desks sharing one store, with commands and
//! wake-ups sent to any of them, store the same events as one in-memory
//! `Desk` given the same calls.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use escalate::desk::Desk;
use escalate::policy::Policy;
use escalate::store::{Due, EventStore, Loaded, MemoryStore, StoreError, StoredDesk};
use escalate::testing::{Knobs, commands, policies};
use escalate::{Case, CaseId, Command, Event, Snapshot};
use proptest::prelude::*;

/// One store behind several handles, as a database behind several
/// connections.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<MemoryStore>>);

impl EventStore for Shared {
    fn append(
        &mut self,
        case: &CaseId,
        expected: u64,
        events: &[Event],
        wakeup: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.0.borrow_mut().append(case, expected, events, wakeup)
    }
    fn load(&mut self, case: &CaseId) -> Result<Loaded, StoreError> {
        self.0.borrow_mut().load(case)
    }
    fn events(&mut self, case: &CaseId, after: u64) -> Result<Vec<Event>, StoreError> {
        self.0.borrow_mut().events(case, after)
    }
    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), StoreError> {
        self.0.borrow_mut().save_snapshot(snapshot)
    }
    fn claim_due(
        &mut self,
        now: DateTime<Utc>,
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<Due>, StoreError> {
        self.0.borrow_mut().claim_due(now, limit, lease)
    }
    fn next_wakeup(&mut self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.0.borrow_mut().next_wakeup()
    }
    fn cases(&mut self) -> Result<Vec<CaseId>, StoreError> {
        self.0.borrow_mut().cases()
    }
}

/// One call a host makes: a command to a case, or waking the desk.
#[derive(Clone, Debug)]
enum Call {
    Handle(CaseId, Command),
    Advance(DateTime<Utc>),
}

/// Interleaves the cases' command sequences (each kept in order) as
/// `order` picks, with a wake-up before a command where `wake` says, at
/// an instant between the host's clock and the command's time.
fn calls(cases: &[Vec<Command>], order: &[usize], wake: &[u8]) -> Vec<Call> {
    let mut next = vec![0; cases.len()];
    let mut clock: Option<DateTime<Utc>> = None;
    let mut calls = Vec::new();
    let mut k = 0;
    loop {
        let live: Vec<usize> = (0..cases.len())
            .filter(|&c| next[c] < cases[c].len())
            .collect();
        if live.is_empty() {
            break;
        }
        let c = live[order.get(k).copied().unwrap_or(0) % live.len()];
        let command = cases[c][next[c]].clone();
        next[c] += 1;
        let at = command.at();
        let w = wake.get(k).copied().unwrap_or(0);
        k += 1;
        if let Some(now) = clock
            && w % 3 == 0
            && at > now
        {
            let t = now + (at - now) * i32::from(w) / 256;
            calls.push(Call::Advance(t));
        }
        clock = Some(clock.map_or(at, |now| now.max(at)));
        calls.push(Call::Handle(format!("C-{c}").parse().unwrap(), command));
    }
    if let Some(now) = clock {
        calls.push(Call::Advance(now + TimeDelta::days(30)));
    }
    calls
}

/// The events per case that one in-memory `Desk` makes from `calls`.
fn reference(policy: &Policy, calls: &[Call]) -> BTreeMap<CaseId, Vec<Event>> {
    let mut desk = Desk::new(policy.clone());
    let mut logs: BTreeMap<CaseId, Vec<Event>> = BTreeMap::new();
    let mut clock: Option<DateTime<Utc>> = None;
    for call in calls {
        match call {
            Call::Handle(case, command) => {
                let now = clock.map_or(command.at(), |c| c.max(command.at()));
                clock = Some(now);
                if let Ok(events) = desk.handle(case, command.clone(), now) {
                    logs.entry(case.clone()).or_default().extend(events);
                }
            }
            Call::Advance(t) => {
                let now = clock.map_or(*t, |c| c.max(*t));
                clock = Some(now);
                for woken in desk.advance(now).unwrap() {
                    logs.entry(woken.case).or_default().extend(woken.events);
                }
            }
        }
    }
    logs
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Three desks over one store, each call sent to the desk `route`
    /// picks, store what one `Desk` makes; every stored log replays to the
    /// case the store loads (snapshot and tail).
    #[test]
    fn desks_sharing_a_store_store_what_one_desk_makes(
        (policy, cases) in policies(Knobs::default()).prop_flat_map(|policy| {
            let each = commands(&policy);
            (Just(policy), prop::collection::vec(each, 1..4))
        }),
        order in prop::collection::vec(any::<usize>(), 0..200),
        wake in prop::collection::vec(any::<u8>(), 0..200),
        route in prop::collection::vec(0usize..3, 0..300),
        every in 1u64..8,
    ) {
        let calls = calls(&cases, &order, &wake);
        let expected = reference(&policy, &calls);
        let store = Shared::default();
        let mut desks: Vec<StoredDesk<Shared>> = (0..3)
            .map(|_| {
                StoredDesk::new(store.clone(), policy.clone())
                    .snapshot_every(std::num::NonZeroU64::new(every).unwrap())
            })
            .collect();
        let mut clock: Option<DateTime<Utc>> = None;
        for (k, call) in calls.iter().enumerate() {
            let desk = &mut desks[route.get(k).copied().unwrap_or(0)];
            match call {
                Call::Handle(case, command) => {
                    let now = clock.map_or(command.at(), |c| c.max(command.at()));
                    clock = Some(now);
                    match desk.handle(case, command.clone(), now) {
                        Ok(_) | Err(StoreError::Desk(_)) => {}
                        Err(other) => prop_assert!(false, "{other}"),
                    }
                }
                Call::Advance(t) => {
                    let now = clock.map_or(*t, |c| c.max(*t));
                    clock = Some(now);
                    let advanced = desk.advance(now)?;
                    prop_assert!(advanced.failed.is_empty(), "{:?}", advanced.failed);
                }
            }
        }
        let mut reader = store.clone();
        for (case, log) in &expected {
            let stored = reader.events(case, 0)?;
            prop_assert_eq!(&stored, log, "case {}", case);
            let loaded = reader.load(case)?.into_case(case)?;
            prop_assert_eq!(loaded, Some(Case::replay(&stored)?));
        }
        prop_assert_eq!(reader.cases()?.len(), expected.len());
    }
}

/// A command sent twice, the second time long after (beyond the case's
/// window of recent command ids), is recorded once: the store's key.
#[test]
fn a_command_resent_after_many_others_is_recorded_once() {
    let policy = Policy::recommended();
    let mut desk = StoredDesk::new(MemoryStore::new(), policy);
    let case: CaseId = "CAB-1".parse().unwrap();
    let open: Command = serde_json::from_str(
        r#"{"id": "c-0", "actor": "customer", "at": "2021-03-08T14:00:00Z", "kind": {"type": "open",
            "customer": {"id": "cust-9", "value": "standard"},
            "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#,
    )
    .unwrap();
    let start = open.at();
    desk.handle(&case, open, start).unwrap();
    let note = |n: usize| -> Command {
        serde_json::from_str(&format!(
            r#"{{"id": "c-{n}", "actor": "customer", "at": "{}", "kind": {{"type": "contact",
                "channel": "email", "note": "message {n}"}}}}"#,
            (start + TimeDelta::minutes(i64::try_from(n).unwrap())).to_rfc3339()
        ))
        .unwrap()
    };
    let window = Case::COMMAND_WINDOW;
    for n in 1..=window + 5 {
        let command = note(n);
        let now = command.at();
        assert!(!desk.handle(&case, command, now).unwrap().is_empty());
    }
    let before = desk.store_mut().events(&case, 0).unwrap().len();
    // The first contact again: out of the case's window, caught by the key.
    let again = note(1);
    let now = start + TimeDelta::hours(2);
    assert!(desk.handle(&case, again, now).unwrap().is_empty());
    assert_eq!(desk.store_mut().events(&case, 0).unwrap().len(), before);
}

/// A stored case whose policy the desk does not hold is reported by
/// `advance`, and the other due cases are worked.
#[test]
fn a_case_under_an_unknown_policy_is_reported_and_the_others_worked() {
    let store = Shared::default();
    let mut old = StoredDesk::new(store.clone(), Policy::recommended());
    let open = |id: &str| -> Command {
        serde_json::from_str(&format!(
            r#"{{"id": "{id}", "actor": "customer", "at": "2021-03-08T14:00:00Z", "kind": {{"type": "open",
                "customer": {{"id": "cust-9", "value": "standard"}},
                "origin": {{"type": "contact", "channel": "email"}}, "summary": "wrong cabinet delivered"}}}}"#
        ))
        .unwrap()
    };
    let t: DateTime<Utc> = "2021-03-08T14:00:00Z".parse().unwrap();
    old.handle(&"CAB-1".parse().unwrap(), open("c-1"), t)
        .unwrap();
    let other = serde_json::to_string(&Policy::recommended())
        .unwrap()
        .replacen("recommended-1", "other-1", 1);
    let other = Policy::from_json_str(&other).unwrap();
    let mut new = StoredDesk::new(store.clone(), other);
    new.handle(&"CAB-2".parse().unwrap(), open("c-1"), t)
        .unwrap();
    // A desk that holds only the second policy works CAB-2 and reports CAB-1.
    let advanced = new
        .advance("2021-03-08T15:00:00Z".parse().unwrap())
        .unwrap();
    assert_eq!(advanced.woken.len(), 1);
    assert_eq!(advanced.woken[0].case.as_str(), "CAB-2");
    assert_eq!(advanced.failed.len(), 1);
    let error = &advanced.failed[0];
    assert_eq!(error.case().map(CaseId::as_str), Some("CAB-1"));
    assert!(
        error.to_string().starts_with(
            "case CAB-1 runs under policy \"recommended-1\", which this desk does not hold"
        ),
        "{error}"
    );
    // Nothing of CAB-1 was written.
    assert_eq!(
        store
            .clone()
            .events(&"CAB-1".parse().unwrap(), 0)
            .unwrap()
            .len(),
        4
    );
}

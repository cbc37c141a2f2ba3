//! A store in memory: for tests, and for hosts that keep events elsewhere.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::{Due, EventStore, Loaded, StoreError, check_append, commands_of};
use crate::{CaseId, CommandId, Event, Snapshot};

/// An [`EventStore`] in memory, with the same rules as the databases:
/// appends at an expected version, a `(case, command id)` key, snapshots,
/// wake-ups and claims with leases. Nothing survives the process.
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// use escalate::store::{EventStore, MemoryStore};
/// use std::time::Duration;
/// let policy = Policy::recommended();
/// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
///              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
/// let now = open.at();
/// let mut case = Case::new("CAB-1".parse()?);
/// let events = case.handle(&policy, open, now)?;
/// for event in &events { case.apply(event)?; }
/// let mut store = MemoryStore::new();
/// store.append(case.id(), 0, &events, case.next_wakeup(&policy))?;
/// // Due at 15:00 (the 25% warning); one worker claims it, the next finds nothing.
/// let at = "2021-03-08T15:00:00Z".parse()?;
/// assert_eq!(store.claim_due(at, 10, Duration::from_secs(30))?.len(), 1);
/// assert!(store.claim_due(at, 10, Duration::from_secs(30))?.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    cases: BTreeMap<CaseId, Stored>,
    wakeups: BTreeSet<(DateTime<Utc>, CaseId)>,
}

#[derive(Clone, Debug, Default)]
struct Stored {
    events: Vec<Event>,
    commands: HashSet<CommandId>,
    snapshot: Option<Snapshot>,
    wakeup: Option<DateTime<Utc>>,
    claimed_until: Option<Instant>,
}

impl MemoryStore {
    /// An empty store.
    ///
    /// # Example
    /// ```
    /// use escalate::store::{EventStore, MemoryStore};
    /// assert!(MemoryStore::new().cases()?.is_empty());
    /// # Ok::<(), escalate::store::StoreError>(())
    /// ```
    #[must_use]
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
}

impl EventStore for MemoryStore {
    fn append(
        &mut self,
        case: &CaseId,
        expected: u64,
        events: &[Event],
        wakeup: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let found = self.cases.get(case).map_or(0, |s| s.events.len() as u64);
        if found != expected {
            return Err(StoreError::Conflict {
                case: case.clone(),
                expected,
                found,
            });
        }
        check_append(case, expected, events)?;
        let stored = self.cases.entry(case.clone()).or_default();
        let commands = commands_of(events);
        if let Some(command) = commands.iter().find(|c| stored.commands.contains(**c)) {
            return Err(StoreError::DuplicateCommand {
                case: case.clone(),
                command: (*command).clone(),
            });
        }
        stored.commands.extend(commands.into_iter().cloned());
        stored.events.extend_from_slice(events);
        if let Some(old) = stored.wakeup {
            self.wakeups.remove(&(old, case.clone()));
        }
        if let Some(new) = wakeup {
            self.wakeups.insert((new, case.clone()));
        }
        stored.wakeup = wakeup;
        stored.claimed_until = None;
        Ok(())
    }

    fn load(&mut self, case: &CaseId) -> Result<Loaded, StoreError> {
        let Some(stored) = self.cases.get(case) else {
            return Ok(Loaded::default());
        };
        let from = stored.snapshot.as_ref().map_or(0, Snapshot::version);
        Ok(Loaded {
            snapshot: stored.snapshot.clone(),
            events: tail(&stored.events, from),
        })
    }

    fn events(&mut self, case: &CaseId, after: u64) -> Result<Vec<Event>, StoreError> {
        Ok(self
            .cases
            .get(case)
            .map(|s| tail(&s.events, after))
            .unwrap_or_default())
    }

    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), StoreError> {
        let stored = self.cases.entry(snapshot.case().id().clone()).or_default();
        if stored
            .snapshot
            .as_ref()
            .is_none_or(|s| s.version() < snapshot.version())
        {
            stored.snapshot = Some(snapshot.clone());
        }
        Ok(())
    }

    fn claim_due(
        &mut self,
        now: DateTime<Utc>,
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<Due>, StoreError> {
        let wall = Instant::now();
        let until = wall.checked_add(lease).unwrap_or(wall);
        let mut due = Vec::new();
        for (at, case) in &self.wakeups {
            if *at > now || due.len() >= limit {
                break;
            }
            let Some(stored) = self.cases.get_mut(case) else {
                continue;
            };
            if stored.claimed_until.is_some_and(|t| t > wall) {
                continue;
            }
            stored.claimed_until = Some(until);
            due.push(Due {
                case: case.clone(),
                at: *at,
            });
        }
        Ok(due)
    }

    fn next_wakeup(&mut self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self.wakeups.first().map(|(at, _)| *at))
    }

    fn cases(&mut self) -> Result<Vec<CaseId>, StoreError> {
        Ok(self
            .cases
            .iter()
            .filter(|(_, s)| !s.events.is_empty())
            .map(|(id, _)| id.clone())
            .collect())
    }
}

/// The events numbered after `after`.
fn tail(events: &[Event], after: u64) -> Vec<Event> {
    let from = usize::try_from(after).unwrap_or(usize::MAX);
    events
        .get(from..)
        .map(<[Event]>::to_vec)
        .unwrap_or_default()
}

//! Event stores: where a host keeps its cases' events, snapshots and
//! wake-ups, and a desk that works through one.
//!
//! A case's events are the record (see [`Case`]); everything else is
//! derived from them. A store keeps, per case:
//!
//! - its **events**, in version order, under a `(case, version)` key: an
//!   append names the version the writer saw ([`EventStore::append`]), and
//!   one at another version is refused with [`StoreError::Conflict`]
//!   (optimistic concurrency), all or nothing;
//! - the **command ids** it recorded, under a `(case, command id)` key, so
//!   that a command sent twice is recorded once however long ago the first
//!   was ([`StoreError::DuplicateCommand`]);
//! - its latest **snapshot** ([`Snapshot`]), so that loading a case reads
//!   the snapshot and the events after it, not the whole history;
//! - its next **wake-up**, written with each append, and a **claim**: a
//!   worker claims due cases ([`EventStore::claim_due`]), and a claim ends
//!   at the case's next append or when its lease runs out (a worker that
//!   died), so a case is worked by one worker at a time.
//!
//! Events are stored as the crate's JSON with [`EVENT_SCHEMA`] beside
//! each; [`decode_event`] upcasts older rows and refuses newer ones.
//!
//! The stores: [`MemoryStore`] (for tests and hosts that keep events
//! elsewhere), `SqliteStore` (feature `sqlite`: one file, embedded) and
//! `PostgresStore` (feature `postgres`: many workers on many machines).
//! [`StoredDesk`] works any of them: it handles commands and advances time
//! like [`Desk`](crate::desk::Desk), loading and appending through the
//! store.
//!
//! # Example
//! ```
//! use escalate::{Command, EventKind};
//! use escalate::policy::Policy;
//! use escalate::store::{EventStore, MemoryStore, StoredDesk};
//! let mut desk = StoredDesk::new(MemoryStore::new(), Policy::recommended());
//! let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
//!     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
//!              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
//! let now = open.at();
//! let case = "CAB-1".parse()?;
//! desk.handle(&case, open, now)?; // stored: opened, contacted, two clocks started
//! assert_eq!(desk.store_mut().events(&case, 0)?.len(), 4);
//! // Nobody answers. On Tuesday at noon the desk works every due case.
//! let advanced = desk.advance("2021-03-09T12:00:00Z".parse()?)?;
//! assert!(advanced.failed.is_empty());
//! let stored = desk.store_mut().events(&case, 4)?;
//! assert!(stored.iter().any(|e| matches!(e.kind(), EventKind::SlaBreached { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod codec;
mod desk;
mod error;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use codec::{EVENT_SCHEMA, decode_event, decode_snapshot, encode_event, encode_snapshot};
pub use desk::{Advanced, LoadReport, StoredDesk};
pub use error::StoreError;
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sqlite::{Durability, SqliteStore};

use crate::{Case, CaseId, CommandId, Event, Snapshot};

/// Where a host keeps its cases: events under a `(case, version)` key,
/// command ids under a `(case, command id)` key, the latest snapshot and
/// the next wake-up of each case, and claims on due cases.
///
/// Implementations: [`MemoryStore`], `SqliteStore` (feature `sqlite`),
/// `PostgresStore` (feature `postgres`). The [module docs](self) describe
/// what each part is for; [`check_append`] and [`commands_of`] give every
/// implementation the same rules.
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// use escalate::store::{EventStore, MemoryStore, StoreError};
/// let policy = Policy::recommended();
/// let mut store = MemoryStore::new();
/// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
///              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
/// let now = open.at();
/// let mut case = Case::new("CAB-1".parse()?);
/// let events = case.handle(&policy, open, now)?;
/// for event in &events { case.apply(event)?; }
/// store.append(case.id(), 0, &events, case.next_wakeup(&policy))?;
/// // A second writer that also saw version 0 is refused.
/// assert!(matches!(store.append(case.id(), 0, &events, None), Err(StoreError::Conflict { .. })));
/// // Loading gives the case back.
/// assert_eq!(store.load(case.id())?.into_case(case.id())?, Some(case));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait EventStore {
    /// Appends `events` to `case`, which the writer saw at version
    /// `expected` (0 for a new case), sets its next wake-up to `wakeup`
    /// (`None`: it waits on no time) and ends any claim on it. All or
    /// nothing. An empty `events` only sets the wake-up (still checking
    /// the version).
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the case is at another version;
    /// [`StoreError::DuplicateCommand`] when an event's command id is
    /// recorded for the case already; [`StoreError::InvalidAppend`] when
    /// the events are not numbered `expected + 1, expected + 2, ...`;
    /// [`StoreError::Backend`] when the database fails. Nothing is written
    /// on an error.
    fn append(
        &mut self,
        case: &CaseId,
        expected: u64,
        events: &[Event],
        wakeup: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError>;

    /// Appends many cases' events at once, each as [`append`](Self::append)
    /// would, in order (an append may follow another to the same case),
    /// and gives each its own outcome: a refused append (a conflict, a
    /// duplicate command, events out of place) writes nothing of its own
    /// and the others go on. A store that writes in transactions writes
    /// the whole batch in one, which is much faster than one per append
    /// (`SqliteStore` overrides this; the provided method calls `append`
    /// for each).
    ///
    /// # Errors
    /// [`StoreError::Backend`] when the database fails: then nothing of the
    /// batch is written by a store that writes it in one transaction (the
    /// provided method reports a failing append in its place instead, the
    /// appends before it stored).
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::store::{Append, EventStore, MemoryStore, StoreError};
    /// let policy = Policy::recommended();
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// let mut cases = Vec::new();
    /// for id in ["CAB-1", "CAB-2"] {
    ///     let mut case = Case::new(id.parse()?);
    ///     let events = case.handle(&policy, open.clone(), now)?;
    ///     for event in &events { case.apply(event)?; }
    ///     cases.push((case, events));
    /// }
    /// let batch: Vec<Append> = cases.iter().map(|(case, events)| Append {
    ///     case: case.id(), expected: 0, events, wakeup: case.next_wakeup(&policy),
    /// }).collect();
    /// let mut store = MemoryStore::new();
    /// let outcomes = store.append_many(&batch)?;
    /// assert!(outcomes.iter().all(Result::is_ok));
    /// // The same batch again: both at the wrong version now.
    /// let outcomes = store.append_many(&batch)?;
    /// assert!(outcomes.iter().all(|o| matches!(o, Err(StoreError::Conflict { .. }))));
    /// assert_eq!(store.cases()?.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn append_many(
        &mut self,
        batch: &[Append<'_>],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        Ok(batch
            .iter()
            .map(|a| self.append(a.case, a.expected, a.events, a.wakeup))
            .collect())
    }

    /// The case's latest snapshot, if any, and every event after it (all
    /// its events when it has no snapshot); nothing for an unknown case.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] or [`StoreError::UnknownSchema`] for a row
    /// that does not read; [`StoreError::Backend`].
    fn load(&mut self, case: &CaseId) -> Result<Loaded, StoreError>;

    /// The case's events numbered after `after`, in order.
    ///
    /// # Errors
    /// As [`load`](Self::load).
    fn events(&mut self, case: &CaseId, after: u64) -> Result<Vec<Event>, StoreError>;

    /// Keeps `snapshot` as its case's latest, unless the store holds a
    /// later one. The events stay: a snapshot is a cache of them.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), StoreError>;

    /// Claims up to `limit` cases whose wake-up is at or before `now` and
    /// that nobody holds a claim on, earliest first. A claim lasts `lease`
    /// of the store's wall-clock time, or until the case's next
    /// [`append`](Self::append); a case whose claim ran out can be claimed
    /// again (its worker died).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn claim_due(
        &mut self,
        now: DateTime<Utc>,
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<Due>, StoreError>;

    /// The earliest wake-up of any case in the store.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn next_wakeup(&mut self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Every case in the store, in id order.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn cases(&mut self) -> Result<Vec<CaseId>, StoreError>;

    /// Every case in the store, each with what [`load`](Self::load) gives
    /// for it (or why its rows do not read), in id order: what a host
    /// restarting reads. The provided method loads one case after another;
    /// a database store reads them all in a few queries.
    ///
    /// # Errors
    /// [`StoreError::Backend`] when the database fails; a case whose rows
    /// do not read is an error in its place, and the others load.
    ///
    /// # Example
    /// ```
    /// use escalate::store::{EventStore, MemoryStore};
    /// assert!(MemoryStore::new().load_all()?.is_empty());
    /// # Ok::<(), escalate::store::StoreError>(())
    /// ```
    fn load_all(&mut self) -> Result<LoadedCases, StoreError> {
        let cases = self.cases()?;
        Ok(cases
            .into_iter()
            .map(|case| {
                let loaded = self.load(&case);
                (case, loaded)
            })
            .collect())
    }
}

/// One append of a batch, for [`EventStore::append_many`]: the arguments
/// of an [`EventStore::append`].
///
/// # Example
/// ```
/// use escalate::store::Append;
/// let case = "CAB-1".parse()?;
/// let nothing = Append { case: &case, expected: 0, events: &[], wakeup: None };
/// assert_eq!(nothing.expected, 0);
/// # Ok::<(), escalate::InvalidId>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Append<'a> {
    /// The case.
    pub case: &'a CaseId,
    /// The version the writer saw (0 for a new case).
    pub expected: u64,
    /// The events, numbered from `expected + 1`.
    pub events: &'a [Event],
    /// The case's next wake-up after them.
    pub wakeup: Option<DateTime<Utc>>,
}

/// What [`EventStore::load_all`] reads: every case, with what
/// [`EventStore::load`] gives for it or why its rows do not read.
pub type LoadedCases = Vec<(CaseId, Result<Loaded, StoreError>)>;

/// What [`EventStore::load`] reads for a case: its latest snapshot and the
/// events after it.
///
/// # Example
/// ```
/// use escalate::store::Loaded;
/// let nothing = Loaded::default();
/// assert_eq!(nothing.version(), 0);
/// assert_eq!(nothing.into_case(&"CAB-1".parse()?)?, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    /// The latest snapshot, if the store holds one.
    pub snapshot: Option<Snapshot>,
    /// The events after the snapshot (every event without one), in order.
    pub events: Vec<Event>,
}

impl Loaded {
    /// The case's version: that of its last event.
    ///
    /// # Example
    /// ```
    /// use escalate::store::Loaded;
    /// assert_eq!(Loaded::default().version(), 0);
    /// ```
    #[must_use]
    pub fn version(&self) -> u64 {
        self.events.last().map_or_else(
            || self.snapshot.as_ref().map_or(0, Snapshot::version),
            Event::version,
        )
    }

    /// The case: the snapshot with the events after it applied, or the
    /// events replayed; `None` when there is nothing.
    ///
    /// # Errors
    /// [`StoreError::Replay`] when the events do not replay.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, CaseId};
    /// use escalate::store::Loaded;
    /// let case: CaseId = "CAB-1".parse()?;
    /// let loaded = Loaded { snapshot: Some(Case::new(case.clone()).snapshot()), events: vec![] };
    /// assert_eq!(loaded.into_case(&case)?, Some(Case::new(case)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_case(self, case: &CaseId) -> Result<Option<Case>, StoreError> {
        let replayed = match self.snapshot {
            Some(snapshot) => snapshot.resume(self.events),
            None if self.events.is_empty() => return Ok(None),
            None => Case::replay(self.events),
        };
        replayed.map(Some).map_err(|error| StoreError::Replay {
            case: case.clone(),
            error,
        })
    }
}

/// A case claimed by [`EventStore::claim_due`], and the wake-up it was
/// due at.
///
/// # Example
/// ```
/// use escalate::store::Due;
/// let due: Due = serde_json::from_str(r#"{"case": "CAB-1", "at": "2021-03-08T15:00:00Z"}"#)?;
/// assert_eq!(due.case.as_str(), "CAB-1");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    /// The case.
    pub case: CaseId,
    /// Its wake-up.
    pub at: DateTime<Utc>,
}

/// Checks that `events` may be appended to a case at version `expected`:
/// numbered `expected + 1, expected + 2, ...`. Every store calls it before
/// writing.
///
/// # Errors
/// [`StoreError::InvalidAppend`] naming the first event out of place.
///
/// # Example
/// ```
/// use escalate::{Actor, Event, EventKind, Outcome};
/// use escalate::store::check_append;
/// let closed = Event::new(9, "2021-03-26T16:00:00Z".parse()?, Actor::System, None,
///     EventKind::Closed { outcome: Outcome::Lost, review: None });
/// assert!(check_append(&"CAB-1".parse()?, 8, &[closed.clone()]).is_ok());
/// let err = check_append(&"CAB-1".parse()?, 3, &[closed]).unwrap_err();
/// assert_eq!(err.to_string(), "case CAB-1: cannot append event version 9 at version 3: expected version 4");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_append(case: &CaseId, expected: u64, events: &[Event]) -> Result<(), StoreError> {
    for (k, event) in events.iter().enumerate() {
        let want = expected.saturating_add(k as u64).saturating_add(1);
        if event.version() != want {
            return Err(StoreError::InvalidAppend {
                case: case.clone(),
                at: expected,
                found: event.version(),
                want,
            });
        }
    }
    Ok(())
}

/// The distinct command ids `events` carry, in order of first appearance:
/// what a store records under its `(case, command id)` key.
///
/// # Example
/// ```
/// use escalate::{Actor, Event, EventKind, Outcome};
/// use escalate::store::commands_of;
/// let t = "2021-03-26T16:00:00Z".parse()?;
/// let closed = |v, c: Option<&str>| Event::new(v, t, Actor::System, c.map(|c| c.parse().unwrap()),
///     EventKind::Closed { outcome: Outcome::Lost, review: None });
/// let events = [closed(1, Some("c-1")), closed(2, Some("c-1")), closed(3, None), closed(4, Some("c-2"))];
/// let ids: Vec<&str> = commands_of(&events).iter().map(|c| c.as_str()).collect();
/// assert_eq!(ids, ["c-1", "c-2"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn commands_of(events: &[Event]) -> Vec<&CommandId> {
    let mut ids: Vec<&CommandId> = Vec::new();
    for id in events.iter().filter_map(Event::command) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

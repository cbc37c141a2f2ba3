//! A desk that works through an event store.

use std::collections::{HashMap, HashSet};
use std::num::{NonZeroU64, NonZeroUsize};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Append, Due, EventStore, StoreError};
use crate::desk::{self, CaseEvents, DeskError, Obligation, Policies, Rollout, RolloutPlan};
use crate::policy::Policy;
use crate::{Case, CaseId, Command, CommandKind, Event};

/// A desk whose cases live in an [`EventStore`]: handling a command loads
/// the case (its snapshot and the events after it), decides, and appends
/// the events at the version it loaded, with the case's next wake-up;
/// advancing time claims the due cases, ticks each and appends. Any
/// number of `StoredDesk`s, in one process or many, can share one store.
///
/// # Concurrency
/// Appends are optimistic: when another writer appended to the case
/// first ([`StoreError::Conflict`]), the desk loads the case again and
/// decides again, up to 8 times ([`StoreError::Contended`] after that).
/// Due cases are claimed with a lease (30 s by default): a case is worked
/// by one desk at a time, and a desk that dies holding claims delays those
/// cases by the lease at most. Because each event carries the instant it
/// fell due (see [`Case::handle`]'s "Time first"), which desk works a case,
/// and when, never changes its log.
///
/// # Cache and snapshots
/// The desk keeps the cases it has loaded in memory, each with the version
/// it loaded; a case another writer changed meanwhile is found out by the
/// conflict on append and loaded again. Every 64 events (by default) past
/// a case's last snapshot, the desk stores a new snapshot of it, so that
/// loading a case reads at most that many events after its snapshot. A
/// snapshot that fails to store fails nothing: the events are stored, and
/// the desk tries again at the case's next append.
///
/// # Example
/// ```
/// use escalate::Command;
/// use escalate::policy::Policy;
/// use escalate::store::{MemoryStore, StoredDesk};
/// let mut desk = StoredDesk::new(MemoryStore::new(), Policy::recommended());
/// let commands: Vec<Command> = serde_json::from_str(r#"[
///   {"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z", "kind": {"type": "open",
///    "customer": {"id": "cust-9", "value": "standard"},
///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
///   {"id": "c-2", "actor": "system", "at": "2021-03-08T14:05:00Z",
///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
/// ]"#)?;
/// let case = "CAB-1".parse()?;
/// for command in commands {
///     let now = command.at();
///     desk.handle(&case, command, now)?;
/// }
/// // A host that restarts builds a new desk on the same store.
/// let mut restarted = StoredDesk::new(desk.into_store(), Policy::recommended());
/// let loaded = restarted.case(&case)?.expect("stored");
/// assert_eq!(loaded.owner().map(|o| o.id().as_str()), Some("sam"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct StoredDesk<S> {
    store: S,
    policies: Policies,
    cache: HashMap<CaseId, Cached>,
    snapshot_every: u64,
    attempts: u32,
    lease: Duration,
    batch: usize,
}

/// A case the desk loaded, and the version of its latest stored snapshot.
#[derive(Clone, Debug)]
struct Cached {
    case: Case,
    snapshot: u64,
}

/// A case ticked by [`StoredDesk::advance`], to append.
struct Ticked {
    id: CaseId,
    /// Its version before the tick.
    before: u64,
    after: Case,
    events: Vec<Event>,
    /// The version of its latest stored snapshot.
    snapshot: u64,
    wakeup: Option<DateTime<Utc>>,
}

/// What [`StoredDesk::advance`] did: the events each due case recorded
/// (stored already), and the cases it could not work.
///
/// # Example
/// ```
/// use escalate::store::Advanced;
/// let nothing = Advanced::default();
/// assert!(nothing.woken.is_empty() && nothing.failed.is_empty());
/// ```
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Advanced {
    /// Per case that recorded anything, the events appended.
    pub woken: Vec<CaseEvents>,
    /// Cases that could not be worked (a stored row that does not read, a
    /// log that does not replay, a policy the desk does not hold, ...),
    /// each error naming its case. Their claims run out by their lease;
    /// nothing of theirs was written.
    pub failed: Vec<StoreError>,
}

/// What [`StoredDesk::load_all`] did.
///
/// # Example
/// ```
/// use escalate::store::LoadReport;
/// let nothing = LoadReport::default();
/// assert_eq!(nothing.cases, 0);
/// ```
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct LoadReport {
    /// How many cases were loaded.
    pub cases: usize,
    /// The cases that did not load, each error naming its case.
    pub failed: Vec<StoreError>,
}

impl<S: EventStore> StoredDesk<S> {
    /// How many times a command or a wake-up is decided again after a
    /// conflicting append.
    pub const ATTEMPTS: u32 = 8;

    /// A desk over `store`, with one policy, the current one.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::store::{MemoryStore, StoredDesk};
    /// let desk = StoredDesk::new(MemoryStore::new(), Policy::recommended());
    /// assert_eq!(desk.current_policy().version(), "recommended-1");
    /// ```
    #[must_use]
    pub fn new(store: S, policy: Policy) -> StoredDesk<S> {
        StoredDesk {
            store,
            policies: Policies::new(policy),
            cache: HashMap::new(),
            snapshot_every: 64,
            attempts: Self::ATTEMPTS,
            lease: Duration::from_secs(30),
            batch: 256,
        }
    }

    /// Stores a snapshot of a case every `events` events past its last
    /// one (default 64).
    ///
    /// # Example
    /// ```
    /// use std::num::NonZeroU64;
    /// use escalate::policy::Policy;
    /// use escalate::store::{MemoryStore, StoredDesk};
    /// let desk = StoredDesk::new(MemoryStore::new(), Policy::recommended())
    ///     .snapshot_every(NonZeroU64::new(16).unwrap());
    /// # let _ = desk;
    /// ```
    #[must_use]
    pub fn snapshot_every(mut self, events: NonZeroU64) -> StoredDesk<S> {
        self.snapshot_every = events.get();
        self
    }

    /// How long a claim on a due case lasts (default 30 s): longer than
    /// the desk takes to work one batch.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// use escalate::policy::Policy;
    /// use escalate::store::{MemoryStore, StoredDesk};
    /// let desk = StoredDesk::new(MemoryStore::new(), Policy::recommended())
    ///     .lease(Duration::from_secs(5));
    /// # let _ = desk;
    /// ```
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> StoredDesk<S> {
        self.lease = lease;
        self
    }

    /// How many due cases [`advance`](Self::advance) claims at a time
    /// (default 256).
    ///
    /// # Example
    /// ```
    /// use std::num::NonZeroUsize;
    /// use escalate::policy::Policy;
    /// use escalate::store::{MemoryStore, StoredDesk};
    /// let desk = StoredDesk::new(MemoryStore::new(), Policy::recommended())
    ///     .batch(NonZeroUsize::new(64).unwrap());
    /// # let _ = desk;
    /// ```
    #[must_use]
    pub fn batch(mut self, cases: NonZeroUsize) -> StoredDesk<S> {
        self.batch = cases.get();
        self
    }

    /// Adds a policy (cases that run under it can be loaded).
    ///
    /// # Errors
    /// [`DeskError::PolicyConflict`] for another policy under a label held.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::store::{MemoryStore, StoredDesk};
    /// let mut desk = StoredDesk::new(MemoryStore::new(), Policy::default());
    /// desk.add_policy(Policy::recommended())?;
    /// desk.set_current_policy("recommended-1")?;
    /// assert_eq!(desk.current_policy().version(), "recommended-1");
    /// # Ok::<(), escalate::store::StoreError>(())
    /// ```
    pub fn add_policy(&mut self, policy: Policy) -> Result<(), StoreError> {
        self.policies.add(policy)?;
        Ok(())
    }

    /// Makes the policy with this label the current one: new cases open
    /// under it, and `AdoptPolicy` commands move cases to it.
    ///
    /// # Errors
    /// [`DeskError::UnknownPolicy`].
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::store::{MemoryStore, StoredDesk};
    /// let mut desk = StoredDesk::new(MemoryStore::new(), Policy::default());
    /// assert!(desk.set_current_policy("2020-01").is_err());
    /// ```
    pub fn set_current_policy(&mut self, version: &str) -> Result<(), StoreError> {
        self.policies.set_current(version)?;
        Ok(())
    }

    /// The policy new cases open under.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::store::{MemoryStore, StoredDesk};
    /// let desk = StoredDesk::new(MemoryStore::new(), Policy::default());
    /// assert_eq!(desk.current_policy().version(), "default");
    /// ```
    #[must_use]
    pub fn current_policy(&self) -> &Policy {
        self.policies.current()
    }

    /// The store.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::store::{MemoryStore, StoredDesk};
    /// let desk = StoredDesk::new(MemoryStore::new(), Policy::default());
    /// let _store: &MemoryStore = desk.store();
    /// ```
    #[must_use]
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store, to read from (writing to it behind the desk's back is
    /// found out as a conflict on the desk's next append).
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::store::{EventStore, MemoryStore, StoredDesk};
    /// let mut desk = StoredDesk::new(MemoryStore::new(), Policy::default());
    /// assert!(desk.store_mut().cases()?.is_empty());
    /// # Ok::<(), escalate::store::StoreError>(())
    /// ```
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// The store, giving up the desk.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::store::{MemoryStore, StoredDesk};
    /// let store: MemoryStore = StoredDesk::new(MemoryStore::new(), Policy::default()).into_store();
    /// # let _ = store;
    /// ```
    #[must_use]
    pub fn into_store(self) -> S {
        self.store
    }

    /// A case as stored now (loaded afresh; `None` for an unknown case).
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::UnknownSchema`],
    /// [`StoreError::Replay`] for a case whose rows do not read or replay;
    /// [`StoreError::Backend`].
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::store::{MemoryStore, StoredDesk};
    /// let mut desk = StoredDesk::new(MemoryStore::new(), Policy::default());
    /// assert_eq!(desk.case(&"CAB-404".parse()?)?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn case(&mut self, id: &CaseId) -> Result<Option<Case>, StoreError> {
        self.cache.remove(id);
        Ok(self.take(id)?.map(|cached| {
            let case = cached.case.clone();
            self.cache.insert(id.clone(), cached);
            case
        }))
    }

    /// Loads every stored case into the desk's memory (a host restarting;
    /// optional: the desk loads a case when it first needs it). A case
    /// that does not load is reported, and the others still load.
    ///
    /// The stores read every row in a few queries, then decode the rows
    /// and apply each case's events after its snapshot on every core of
    /// the machine (at most 8 threads, none for fewer than 256 cases):
    /// 10,000 cases load in 0.13-0.18 s on 2 cores (BENCHMARKS.md, "Restart").
    ///
    /// # Errors
    /// [`StoreError::Backend`] when the store cannot list its cases.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::store::{MemoryStore, StoredDesk};
    /// let mut desk = StoredDesk::new(MemoryStore::new(), Policy::default());
    /// assert_eq!(desk.load_all()?.cases, 0);
    /// # Ok::<(), escalate::store::StoreError>(())
    /// ```
    pub fn load_all(&mut self) -> Result<LoadReport, StoreError> {
        let mut report = LoadReport::default();
        // Each case's events applied to its snapshot, on every core.
        let cases = crate::par::map(self.store.load_all()?, |(id, loaded)| {
            let loaded = loaded.and_then(|loaded| {
                let snapshot = loaded.snapshot.as_ref().map_or(0, crate::Snapshot::version);
                Ok(loaded.into_case(&id)?.map(|case| Cached { case, snapshot }))
            });
            (id, loaded)
        });
        for (id, loaded) in cases {
            self.cache.remove(&id);
            match loaded {
                Ok(Some(cached)) => {
                    self.cache.insert(id, cached);
                    report.cases += 1;
                }
                Ok(None) => {}
                Err(error) => report.failed.push(error),
            }
        }
        Ok(report)
    }

    /// Plans the adoption of the current policy by the stored open cases
    /// under another (see [`Desk::plan_rollout`](crate::desk::Desk::plan_rollout)):
    /// loads every case ([`load_all`](Self::load_all), whose report comes
    /// with the plan: a case that does not load is not in the plan), and
    /// returns the `AdoptPolicy` commands to send with [`handle`](Self::handle).
    ///
    /// # Errors
    /// [`StoreError::Backend`] when the store cannot list its cases.
    ///
    /// # Example
    /// ```
    /// use escalate::Command;
    /// use escalate::desk::Rollout;
    /// use escalate::policy::Policy;
    /// use escalate::store::{MemoryStore, StoredDesk};
    /// let mut desk = StoredDesk::new(MemoryStore::new(), Policy::default());
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// desk.handle(&"CAB-1".parse()?, open, now)?;
    /// desk.add_policy(Policy::recommended())?;
    /// desk.set_current_policy("recommended-1")?;
    /// let at = "2021-03-08T18:00:00Z".parse()?;
    /// let (plan, report) = desk.plan_rollout(&Rollout::at_once(at))?;
    /// assert!(report.failed.is_empty());
    /// for adoption in plan.adoptions {
    ///     desk.handle(&adoption.case, adoption.command, at)?;
    /// }
    /// let case = desk.case(&"CAB-1".parse()?)?.expect("stored");
    /// assert_eq!(case.policy_version(), Some("recommended-1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn plan_rollout(
        &mut self,
        rollout: &Rollout,
    ) -> Result<(RolloutPlan, LoadReport), StoreError> {
        let report = self.load_all()?;
        let plan = desk::rollout::plan(
            self.policies.current(),
            self.cache.values().map(|c| &c.case),
            rollout,
        );
        Ok((plan, report))
    }

    /// Handles a command to a case: loads it, decides under its policy (an
    /// `open` to a new id opens under the current policy; `AdoptPolicy`
    /// moves it to the current policy after recording what was due under
    /// its own), appends the events at the version loaded with the case's
    /// next wake-up, and returns them (stored). A command id the case has
    /// recorded already gives no events.
    ///
    /// # Errors
    /// [`DeskError::UnknownCase`] (in [`StoreError::Desk`]) for a command
    /// other than `open` to an unknown case; [`DeskError::Refused`] with the
    /// case's refusal; [`StoreError::Contended`] when other writers kept
    /// appending first; a case whose rows do not read
    /// ([`StoreError::Corrupt`], ...); [`StoreError::Backend`]. Nothing is
    /// stored on an error.
    ///
    /// # Example
    /// ```
    /// use escalate::{Command, Refusal};
    /// use escalate::desk::DeskError;
    /// use escalate::policy::Policy;
    /// use escalate::store::{MemoryStore, StoreError, StoredDesk};
    /// let mut desk = StoredDesk::new(MemoryStore::new(), Policy::recommended());
    /// let resolve: Command = serde_json::from_str(r#"{"id": "c-9", "actor": "system",
    ///     "at": "2021-03-08T14:00:00Z", "kind": {"type": "resolve", "summary": "done"}}"#)?;
    /// let now = resolve.at();
    /// let err = desk.handle(&"CAB-404".parse()?, resolve, now).unwrap_err();
    /// assert!(matches!(err, StoreError::Desk(DeskError::UnknownCase { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::needless_pass_by_value)] // the same signature as `Desk::handle`
    pub fn handle(
        &mut self,
        id: &CaseId,
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, StoreError> {
        for _ in 0..self.attempts {
            let from_cache = self.cache.contains_key(id);
            let cached = self.take(id)?;
            let before = cached.as_ref().map_or(0, |c| c.case.version());
            let decided = self.decide(id, cached.as_ref().map(|c| &c.case), &command, now);
            let (after, events) = match decided {
                Ok(Some(decided)) => decided,
                Ok(None) => {
                    self.keep(cached);
                    return Ok(Vec::new());
                }
                // A refusal of the case as this desk last saw it may be
                // stale (another desk may have appended since): decide
                // again on the case as stored.
                Err(StoreError::Desk(DeskError::Refused { .. })) if from_cache => continue,
                Err(error) => {
                    self.keep(cached);
                    return Err(error);
                }
            };
            let snapshot = cached.map_or(0, |c| c.snapshot);
            match self.write(id, before, after, &events, snapshot) {
                Ok(()) => return Ok(events),
                Err(StoreError::Conflict { .. }) => {}
                Err(StoreError::DuplicateCommand { .. }) => return Ok(Vec::new()),
                Err(error) => return Err(error),
            }
        }
        Err(StoreError::Contended {
            case: id.clone(),
            attempts: self.attempts,
        })
    }

    /// Works every case due by `now`: claims due cases a batch at a time,
    /// records what time made due in each ([`Case::tick`] under its
    /// policy), appends it with the case's next wake-up, until no case is
    /// due by `now` that this desk has not worked in this call. A case that
    /// cannot be worked is reported in [`Advanced::failed`]; the others go
    /// on.
    ///
    /// # Errors
    /// [`StoreError::Backend`] when claiming fails (what was appended
    /// before it stays stored).
    ///
    /// # Example
    /// ```
    /// use escalate::{Command, EventKind};
    /// use escalate::policy::Policy;
    /// use escalate::store::{MemoryStore, StoredDesk};
    /// let mut desk = StoredDesk::new(MemoryStore::new(), Policy::recommended());
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// desk.handle(&"CAB-1".parse()?, open, now)?;
    /// assert!(desk.advance("2021-03-08T14:59:59Z".parse()?)?.woken.is_empty());
    /// let advanced = desk.advance("2021-03-08T15:00:00Z".parse()?)?;
    /// assert!(matches!(advanced.woken[0].events[0].kind(), EventKind::SlaWarned { .. }));
    /// assert_eq!(desk.next_wakeup()?, Some("2021-03-09T10:00:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn advance(&mut self, now: DateTime<Utc>) -> Result<Advanced, StoreError> {
        let mut advanced = Advanced::default();
        let mut worked: HashSet<CaseId> = HashSet::new();
        loop {
            let due = self.store.claim_due(now, self.batch, self.lease)?;
            let claimed = due.len();
            let fresh: Vec<CaseId> = due
                .into_iter()
                .map(|Due { case, .. }| case)
                .filter(|case| worked.insert(case.clone()))
                .collect();
            let none_fresh = fresh.is_empty();
            self.tick_batch(fresh, now, &mut advanced)?;
            if claimed < self.batch || none_fresh {
                return Ok(advanced);
            }
        }
    }

    /// The earliest wake-up of any stored case: when to call
    /// [`advance`](Self::advance) next.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::store::{MemoryStore, StoredDesk};
    /// let mut desk = StoredDesk::new(MemoryStore::new(), Policy::recommended());
    /// assert_eq!(desk.next_wakeup()?, None);
    /// # Ok::<(), escalate::store::StoreError>(())
    /// ```
    pub fn next_wakeup(&mut self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.store.next_wakeup()
    }

    /// What a case owes now (see [`Desk::obligations`](crate::desk::Desk::obligations)),
    /// as stored now.
    ///
    /// # Errors
    /// [`DeskError::UnknownCase`] for a case not stored; as [`case`](Self::case).
    ///
    /// # Example
    /// ```
    /// use escalate::Command;
    /// use escalate::policy::Policy;
    /// use escalate::store::{MemoryStore, StoredDesk};
    /// let mut desk = StoredDesk::new(MemoryStore::new(), Policy::recommended());
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// let case = "CAB-1".parse()?;
    /// desk.handle(&case, open, now)?;
    /// assert!(!desk.obligations(&case)?.is_empty()); // an owner, a first response
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn obligations(&mut self, id: &CaseId) -> Result<Vec<Obligation>, StoreError> {
        let case = self
            .case(id)?
            .ok_or_else(|| DeskError::UnknownCase { case: id.clone() })?;
        let policy = self.policy_of(&case)?;
        Ok(desk::obligation::owed(&case, &self.policies[policy]))
    }

    /// Ticks claimed cases and appends what they recorded in one batch
    /// ([`EventStore::append_many`]); a case whose append conflicts is
    /// ticked again on its own.
    fn tick_batch(
        &mut self,
        cases: Vec<CaseId>,
        now: DateTime<Utc>,
        advanced: &mut Advanced,
    ) -> Result<(), StoreError> {
        let mut ticked: Vec<Ticked> = Vec::with_capacity(cases.len());
        for id in cases {
            match self.ticked(id, now) {
                Ok(case) => ticked.push(case),
                Err(error) => advanced.failed.push(error),
            }
        }
        let outcomes = {
            let batch: Vec<Append<'_>> = ticked
                .iter()
                .map(|t| Append {
                    case: &t.id,
                    expected: t.before,
                    events: &t.events,
                    wakeup: t.wakeup,
                })
                .collect();
            self.store.append_many(&batch)?
        };
        for (ticked, outcome) in ticked.into_iter().zip(outcomes) {
            let Ticked {
                id,
                after,
                events,
                snapshot,
                ..
            } = ticked;
            match outcome {
                Ok(()) => {
                    self.remember(&id, after, snapshot);
                    if !events.is_empty() {
                        advanced.woken.push(CaseEvents { case: id, events });
                    }
                }
                Err(StoreError::Conflict { .. }) => match self.tick(&id, now) {
                    Ok(events) if events.is_empty() => {}
                    Ok(events) => advanced.woken.push(CaseEvents { case: id, events }),
                    Err(error) => advanced.failed.push(error),
                },
                Err(error) => advanced.failed.push(error),
            }
        }
        Ok(())
    }

    /// Ticks one claimed case and appends what it recorded, retrying on
    /// conflict.
    fn tick(&mut self, id: &CaseId, now: DateTime<Utc>) -> Result<Vec<Event>, StoreError> {
        for _ in 0..self.attempts {
            let Ticked {
                id,
                before,
                after,
                events,
                snapshot,
                wakeup,
            } = self.ticked(id.clone(), now)?;
            match self.store.append(&id, before, &events, wakeup) {
                Ok(()) => {
                    self.remember(&id, after, snapshot);
                    return Ok(events);
                }
                // Taken out of the cache: the next attempt loads it as stored.
                Err(StoreError::Conflict { .. }) => {}
                Err(error) => return Err(error),
            }
        }
        Err(StoreError::Contended {
            case: id.clone(),
            attempts: self.attempts,
        })
    }

    /// Takes a case out of the cache (or loads it) and ticks it: the case
    /// after the events, not yet stored. A case under a policy the desk
    /// does not hold is put back; one with an event that does not apply is
    /// forgotten (the store still holds it as it was).
    fn ticked(&mut self, id: CaseId, now: DateTime<Utc>) -> Result<Ticked, StoreError> {
        let Some(cached) = self.take(&id)? else {
            return Err(DeskError::UnknownCase { case: id }.into());
        };
        let policy = match self.policy_of(&cached.case) {
            Ok(policy) => &self.policies[policy],
            Err(error) => {
                self.keep(Some(cached));
                return Err(error);
            }
        };
        let before = cached.case.version();
        let events = cached.case.tick(policy, now);
        let mut after = cached.case;
        if let Err((k, error)) = desk::apply_all(&mut after, &events) {
            return Err(desk::apply_error(&id, error, &events[..k]).into());
        }
        let wakeup = after.next_wakeup(policy);
        Ok(Ticked {
            id,
            before,
            after,
            events,
            snapshot: cached.snapshot,
            wakeup,
        })
    }

    /// What `command` does to `case` (`None`: a new id): the case after
    /// it and the events; `None` for a command id applied already.
    fn decide(
        &self,
        id: &CaseId,
        case: Option<&Case>,
        command: &Command,
        now: DateTime<Utc>,
    ) -> Result<Option<(Case, Vec<Event>)>, StoreError> {
        let refused = |refusal| DeskError::Refused {
            case: id.clone(),
            refusal,
        };
        let (mut after, policy) = match case {
            None => {
                if !matches!(command.kind(), CommandKind::Open { .. }) {
                    return Err(DeskError::UnknownCase { case: id.clone() }.into());
                }
                (Case::new(id.clone()), self.policies.current())
            }
            Some(case) => {
                let own = &self.policies[self.policy_of(case)?];
                if matches!(command.kind(), CommandKind::AdoptPolicy) {
                    return Ok(desk::adopt(
                        case,
                        own,
                        self.policies.current(),
                        command.clone(),
                        now,
                    )?);
                }
                (case.clone(), own)
            }
        };
        let events = after
            .handle(policy, command.clone(), now)
            .map_err(refused)?;
        if events.is_empty() {
            return Ok(None);
        }
        desk::apply_all(&mut after, &events)
            .map_err(|(k, error)| desk::apply_error(id, error, &events[..k]))?;
        Ok(Some((after, events)))
    }

    /// The position of the policy `case` runs under.
    fn policy_of(&self, case: &Case) -> Result<usize, StoreError> {
        self.policies.of_case(case).map_err(|error| match error {
            DeskError::UnknownPolicy { policy, known } => StoreError::UnknownPolicy {
                case: case.id().clone(),
                policy,
                known,
            },
            other => other.into(),
        })
    }

    /// Appends `events` (taking `id` from `before` to `after`) with the
    /// case's next wake-up; on success keeps `after` (and stores a snapshot
    /// when one is due), on any error forgets the case.
    fn write(
        &mut self,
        id: &CaseId,
        before: u64,
        after: Case,
        events: &[Event],
        snapshot: u64,
    ) -> Result<(), StoreError> {
        let wakeup = match self.policy_of(&after) {
            Ok(policy) => after.next_wakeup(&self.policies[policy]),
            Err(error) => return Err(error),
        };
        self.store.append(id, before, events, wakeup)?;
        self.remember(id, after, snapshot);
        Ok(())
    }

    /// Keeps a case just stored (and stores a snapshot of it when one is
    /// due: a snapshot that fails to store is tried again later).
    fn remember(&mut self, id: &CaseId, after: Case, snapshot: u64) {
        let mut snapshot = snapshot;
        if after.version().saturating_sub(snapshot) >= self.snapshot_every
            && self.store.save_snapshot(&after.snapshot()).is_ok()
        {
            snapshot = after.version();
        }
        self.cache.insert(
            id.clone(),
            Cached {
                case: after,
                snapshot,
            },
        );
    }

    /// Takes a case out of the cache, or loads it from the store.
    fn take(&mut self, id: &CaseId) -> Result<Option<Cached>, StoreError> {
        if let Some(cached) = self.cache.remove(id) {
            return Ok(Some(cached));
        }
        let loaded = self.store.load(id)?;
        let snapshot = loaded.snapshot.as_ref().map_or(0, crate::Snapshot::version);
        Ok(loaded.into_case(id)?.map(|case| Cached { case, snapshot }))
    }

    /// Puts a case taken by [`take`](Self::take) back.
    fn keep(&mut self, cached: Option<Cached>) {
        if let Some(cached) = cached {
            self.cache.insert(cached.case.id().clone(), cached);
        }
    }
}

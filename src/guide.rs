//! # Embedding guide: storing events, wake-ups, restarts, snapshots, rollouts, many workers
//!
//! The crate decides; your service stores and schedules. This guide walks
//! through what a service does around the crate, one compiled step at a
//! time. Each step works with any [`EventStore`](crate::store::EventStore):
//! the examples use [`MemoryStore`](crate::store::MemoryStore) so that
//! they run anywhere; in a service, use `SqliteStore` (feature `sqlite`:
//! one file, embedded, the default choice) or `PostgresStore` (feature
//! `postgres`: many worker processes on many machines). `examples/helpdesk.rs`
//! is all of it in one small service.
//!
//! ## 1. Store the events a command makes
//!
//! A [`Case`](crate::Case) keeps what it needs to decide; its events are
//! the record. [`StoredDesk::handle`](crate::store::StoredDesk::handle)
//! loads the case from the store, decides, and appends the events at the
//! version it loaded, in one step; the events it returns are stored
//! already. A command sent twice (same id) is recorded once.
//!
//! ```
//! use escalate::Command;
//! use escalate::policy::Policy;
//! use escalate::store::{EventStore, MemoryStore, StoredDesk};
//! let mut desk = StoredDesk::new(MemoryStore::new(), Policy::recommended());
//! let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
//!     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
//!              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
//! let now = open.at();
//! let case = "CAB-1".parse()?;
//! assert_eq!(desk.handle(&case, open.clone(), now)?.len(), 4);
//! assert!(desk.handle(&case, open, now)?.is_empty()); // sent twice, recorded once
//! assert_eq!(desk.store_mut().events(&case, 0)?.len(), 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Without a store, the same is [`Case::handle`](crate::Case::handle), then
//! [`Case::apply`](crate::Case::apply) for each event, then storing them:
//! see the crate docs.
//!
//! ## 2. Schedule the wake-ups
//!
//! Time makes things due: warnings, breaches, delayed rules. Each case
//! knows when it next needs time to pass; the store keeps that instant
//! beside the case, and [`StoredDesk::next_wakeup`](crate::store::StoredDesk::next_wakeup)
//! is the earliest. A service sleeps until then (or until a command
//! arrives) and calls [`advance`](crate::store::StoredDesk::advance) with
//! the time it is. Waking late, early or often never changes a log: every
//! event carries the instant it fell due.
//!
//! ```
//! use chrono::{DateTime, TimeDelta, Utc};
//! use escalate::{Command, EventKind};
//! use escalate::policy::Policy;
//! use escalate::store::{MemoryStore, StoredDesk};
//! let mut desk = StoredDesk::new(MemoryStore::new(), Policy::recommended());
//! let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
//!     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
//!              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
//! let mut clock: DateTime<Utc> = open.at();
//! desk.handle(&"CAB-1".parse()?, open, clock)?;
//! // The service's loop, here over a simulated day instead of sleeping.
//! let end = clock + TimeDelta::days(1);
//! let mut breaches = 0;
//! while let Some(next) = desk.next_wakeup()? {
//!     if next > end { break; }
//!     clock = next; // a real service sleeps until `next`, then reads its clock
//!     let advanced = desk.advance(clock)?;
//!     breaches += advanced.woken.iter().flat_map(|w| &w.events)
//!         .filter(|e| matches!(e.kind(), EventKind::SlaBreached { .. })).count();
//! }
//! assert_eq!(breaches, 1); // the first response, due Tuesday 10:00
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## 3. Restart
//!
//! Nothing lives only in memory: a new desk over the same store carries
//! on. It loads a case when it first needs it, or all at once with
//! [`load_all`](crate::store::StoredDesk::load_all), which reports any case
//! whose rows do not read (the others load).
//!
//! ```
//! use escalate::Command;
//! use escalate::policy::Policy;
//! use escalate::store::{MemoryStore, StoredDesk};
//! let mut desk = StoredDesk::new(MemoryStore::new(), Policy::recommended());
//! let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
//!     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
//!              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
//! let now = open.at();
//! desk.handle(&"CAB-1".parse()?, open, now)?;
//! let store = desk.into_store(); // the process ends; the store stays
//! let mut desk = StoredDesk::new(store, Policy::recommended());
//! let report = desk.load_all()?;
//! assert_eq!((report.cases, report.failed.len()), (1, 0));
//! assert_eq!(desk.next_wakeup()?, Some("2021-03-08T15:00:00Z".parse()?));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## 4. Snapshots
//!
//! Loading a case reads its latest [`Snapshot`](crate::Snapshot) and the
//! events after it. The desk stores a snapshot every 64 events past the
//! last one ([`snapshot_every`](crate::store::StoredDesk::snapshot_every));
//! a snapshot of an older format is refused when read (replay the events
//! and store a new one).
//!
//! ```
//! use std::num::NonZeroU64;
//! use escalate::Command;
//! use escalate::policy::Policy;
//! use escalate::store::{EventStore, MemoryStore, StoredDesk};
//! let mut desk = StoredDesk::new(MemoryStore::new(), Policy::recommended())
//!     .snapshot_every(NonZeroU64::new(4).unwrap());
//! let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
//!     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
//!              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
//! let now = open.at();
//! let case = "CAB-1".parse()?;
//! desk.handle(&case, open, now)?; // four events: a snapshot at version 4
//! let loaded = desk.store_mut().load(&case)?;
//! assert_eq!(loaded.snapshot.map(|s| s.version()), Some(4));
//! assert!(loaded.events.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## 5. Roll out a new policy
//!
//! Open cases keep the policy they opened under until they adopt another.
//! Add the new policy, make it current (new cases open under it), plan
//! which open cases adopt it and when, and send the plan's commands.
//!
//! ```
//! use escalate::Command;
//! use escalate::desk::Rollout;
//! use escalate::policy::Policy;
//! use escalate::store::{MemoryStore, StoredDesk};
//! let mut desk = StoredDesk::new(MemoryStore::new(), Policy::default());
//! let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
//!     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
//!              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
//! let now = open.at();
//! desk.handle(&"CAB-1".parse()?, open, now)?;
//! desk.add_policy(Policy::recommended())?;
//! desk.set_current_policy("recommended-1")?;
//! let at = "2021-03-09T09:00:00Z".parse()?;
//! let (plan, _) = desk.plan_rollout(&Rollout::at_once(at))?;
//! for adoption in plan.adoptions {
//!     desk.handle(&adoption.case, adoption.command, at)?;
//! }
//! assert_eq!(desk.case(&"CAB-1".parse()?)?.and_then(|c| c.policy_version().map(str::to_owned)),
//!     Some("recommended-1".to_owned()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## 6. Many workers
//!
//! Any number of desks, in one process or many, can share one store:
//!
//! - appends are optimistic: each names the version it loaded, and one
//!   that lost the race is refused ([`StoreError::Conflict`](crate::store::StoreError::Conflict));
//!   the desk loads the case again, decides again and retries;
//! - due cases are claimed with a lease: [`advance`](crate::store::StoredDesk::advance)
//!   claims a batch (with PostgreSQL, `FOR UPDATE SKIP LOCKED`), so a case
//!   is worked by one desk at a time, and a desk that dies holding claims
//!   delays those cases by the lease at most;
//! - which desk works a case, and when, never changes its log.
//!
//! Here two desks share one store in one thread, each loading what the
//! other wrote when its append conflicts:
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//! use escalate::Command;
//! use escalate::policy::Policy;
//! use escalate::store::{EventStore, MemoryStore, StoredDesk};
//! # use chrono::{DateTime, Utc};
//! # use escalate::store::{Due, Loaded, StoreError};
//! # use escalate::{CaseId, Event, Snapshot};
//! /// One store behind two handles (a database behind two connections).
//! #[derive(Clone, Default)]
//! struct Shared(Rc<RefCell<MemoryStore>>);
//! impl EventStore for Shared {
//!     // Every method forwards to the store behind the handle.
//! #   fn append(&mut self, c: &CaseId, v: u64, e: &[Event], w: Option<DateTime<Utc>>) -> Result<(), StoreError> { self.0.borrow_mut().append(c, v, e, w) }
//! #   fn load(&mut self, c: &CaseId) -> Result<Loaded, StoreError> { self.0.borrow_mut().load(c) }
//! #   fn events(&mut self, c: &CaseId, v: u64) -> Result<Vec<Event>, StoreError> { self.0.borrow_mut().events(c, v) }
//! #   fn save_snapshot(&mut self, s: &Snapshot) -> Result<(), StoreError> { self.0.borrow_mut().save_snapshot(s) }
//! #   fn claim_due(&mut self, n: DateTime<Utc>, l: usize, d: std::time::Duration) -> Result<Vec<Due>, StoreError> { self.0.borrow_mut().claim_due(n, l, d) }
//! #   fn next_wakeup(&mut self) -> Result<Option<DateTime<Utc>>, StoreError> { self.0.borrow_mut().next_wakeup() }
//! #   fn cases(&mut self) -> Result<Vec<CaseId>, StoreError> { self.0.borrow_mut().cases() }
//! }
//! let store = Shared::default();
//! let mut a = StoredDesk::new(store.clone(), Policy::recommended());
//! let mut b = StoredDesk::new(store.clone(), Policy::recommended());
//! let commands: Vec<Command> = serde_json::from_str(r#"[
//!   {"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z", "kind": {"type": "open",
//!    "customer": {"id": "cust-9", "value": "standard"},
//!    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
//!   {"id": "c-2", "actor": "system", "at": "2021-03-08T14:05:00Z",
//!    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
//!   {"id": "c-3", "actor": "customer", "at": "2021-03-08T14:30:00Z",
//!    "kind": {"type": "contact", "channel": "email", "note": "any news?"}}
//! ]"#)?;
//! let case = "CAB-1".parse()?;
//! // a opens (and caches) the case, b assigns it behind a's back, then a's
//! // append of the contact conflicts: a reloads, decides again, retries.
//! for (n, command) in commands.into_iter().enumerate() {
//!     let desk = if n == 1 { &mut b } else { &mut a };
//!     let now = command.at();
//!     desk.handle(&case, command, now)?;
//! }
//! let stored = store.clone().events(&case, 0)?;
//! let replayed = escalate::Case::replay(&stored)?;
//! assert_eq!(Some(&replayed), a.case(&case)?.as_ref());
//! assert_eq!(replayed.owner().map(|o| o.id().as_str()), Some("sam"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With PostgreSQL, each worker process runs the same loop as step 2 over
//! its own `PostgresStore` connection to the shared database.

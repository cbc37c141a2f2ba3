//! The desk: many cases under one or more policies, with one wake-up index.
//!
//! A [`Desk`] holds the cases a host is working on, routes each command to
//! its case by id (an `open` command to an id it does not know creates the
//! case), keeps an index of when each case next needs time to pass
//! ([`Case::next_wakeup`]) so that [`Desk::advance`] visits only the cases
//! that are due, lists what a case owes ([`Desk::obligations`]) and plans
//! the adoption of a new policy ([`Desk::plan_rollout`]).
//!
//! The desk keeps no history: every call that changes a case returns the
//! events it applied, and the host stores them (a host restarting rebuilds
//! the desk with [`Desk::replay`] from its store). It holds only the
//! [`Case`]s, the policies and the index.
//!
//! # Policies
//!
//! Policies are told apart by their version label
//! ([`Policy::version`]), and a label names one content
//! ([`Policy::fingerprint`]): the desk refuses a second policy with other
//! content under a label it already holds ([`DeskError::PolicyConflict`],
//! naming both fingerprints), and a case that recorded other content under
//! its label than the desk holds ([`DeskError::PolicyChanged`]). One of the policies is
//! the *current* one: new cases open under it, and an
//! [`AdoptPolicy`](CommandKind::AdoptPolicy) command moves a case to it.
//! Every other command runs under the policy its case runs under
//! ([`Case::policy_version`]).
//!
//! # Example
//! ```
//! use escalate::Command;
//! use escalate::desk::Desk;
//! use escalate::policy::Policy;
//! let mut desk = Desk::new(Policy::recommended());
//! // An email on Monday 2021-03-08 at 14:00 UTC opens case CAB-1.
//! let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
//!     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
//!              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
//! let now = open.at();
//! let events = desk.handle(&"CAB-1".parse()?, open, now)?; // store these
//! assert_eq!(events.len(), 4); // opened, contacted, two clocks started
//! // The first response is warned at 25% of its 4 business hours: 15:00.
//! assert_eq!(desk.next_wakeup(), Some("2021-03-08T15:00:00Z".parse()?));
//! // Nobody answers; the host wakes the desk on Tuesday at noon.
//! let woken = desk.advance("2021-03-09T12:00:00Z".parse()?)?;
//! assert_eq!(woken.len(), 1);
//! assert_eq!(woken[0].case.as_str(), "CAB-1");
//! // The warning, the breach at Tuesday 10:00, and what the rules made of it.
//! assert!(woken[0].events.iter().any(|e| matches!(e.kind(), escalate::EventKind::SlaBreached { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
pub(crate) mod obligation;
mod policies;
pub(crate) mod rollout;

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use error::DeskError;
pub use obligation::{Obligation, Owed};
pub use rollout::{Adoption, Held, Rollout, RolloutPlan};

pub(crate) use policies::Policies;

use crate::case::Due;
use crate::policy::Policy;
use crate::{ApplyError, Case, CaseId, Command, CommandKind, Event};

/// Many cases under one or more policies, with a wake-up index.
///
/// See the [module docs](crate::desk) for an overview.
///
/// # Cost
///
/// Routing a command is a hash lookup; keeping the wake-up index current is
/// `O(log n)` per case whose next wake-up changed (an ordered set of
/// `(instant, case)`); [`advance`](Self::advance) costs `O(log n)` per due
/// case on top of the case's own [`tick`](Case::tick) and
/// [`next_wakeup`](Case::next_wakeup), and nothing for cases not due.
///
/// # Example
/// ```
/// use escalate::{CaseId, Command};
/// use escalate::desk::{Desk, DeskError};
/// use escalate::policy::Policy;
/// let mut desk = Desk::new(Policy::default());
/// let resolve: Command = serde_json::from_str(r#"{"id": "c-9", "actor": "system",
///     "at": "2021-03-08T14:00:00Z", "kind": {"type": "resolve", "summary": "done"}}"#)?;
/// let now = resolve.at();
/// let case: CaseId = "CAB-404".parse()?;
/// let err = desk.handle(&case, resolve, now).unwrap_err();
/// assert_eq!(err, DeskError::UnknownCase { case });
/// assert!(desk.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Desk {
    /// Every policy on the desk, and the current one.
    policies: Policies,
    /// Where each case is in `slots`.
    ids: HashMap<CaseId, u32>,
    slots: Vec<Slot>,
    /// Every case's next wake-up, ordered: `(instant, slot)`.
    wakeups: BTreeSet<(DateTime<Utc>, u32)>,
}

/// One case on the desk. The case is boxed: slots stay small, and growing
/// the desk moves pointers, not cases.
#[derive(Clone, Debug)]
struct Slot {
    case: Box<Case>,
    /// The policy it runs under, in `Desk::policies`.
    policy: usize,
    /// Its entry in `Desk::wakeups`, if it has one.
    wakeup: Option<DateTime<Utc>>,
}

/// The events one case applied: what the host stores for it, in order.
///
/// # Example
/// ```
/// use escalate::desk::CaseEvents;
/// let woken: CaseEvents = serde_json::from_str(r#"{"case": "CAB-1", "events": []}"#)?;
/// assert_eq!(woken.case.as_str(), "CAB-1");
/// assert!(woken.events.is_empty());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEvents {
    /// The case.
    pub case: CaseId,
    /// Its events, applied to the desk's case, in order.
    pub events: Vec<Event>,
}

impl Desk {
    /// A desk with no cases, opening new cases under `policy`.
    ///
    /// # Example
    /// ```
    /// use escalate::desk::Desk;
    /// use escalate::policy::Policy;
    /// let desk = Desk::new(Policy::recommended());
    /// assert_eq!(desk.current_policy().version(), "recommended-1");
    /// assert_eq!((desk.len(), desk.next_wakeup()), (0, None));
    /// ```
    #[must_use]
    pub fn new(policy: Policy) -> Desk {
        Desk {
            policies: Policies::new(policy),
            ids: HashMap::new(),
            slots: Vec::new(),
            wakeups: BTreeSet::new(),
        }
    }

    /// Adds a policy that cases may run under (cases loaded from a store
    /// under an older policy, or one to roll out). Adding a policy the desk
    /// holds already changes nothing.
    ///
    /// # Errors
    /// [`DeskError::PolicyConflict`] when the desk holds another policy
    /// under the same version label.
    ///
    /// # Example
    /// ```
    /// use escalate::desk::{Desk, DeskError};
    /// use escalate::policy::Policy;
    /// let mut desk = Desk::new(Policy::default());
    /// desk.add_policy(Policy::recommended())?;
    /// desk.add_policy(Policy::recommended())?; // the same one again: nothing changes
    /// assert_eq!(desk.policies().len(), 2);
    /// let impostor = Policy::new("recommended-1", ["frontline"])?;
    /// let err = desk.add_policy(impostor).unwrap_err();
    /// assert_eq!(err.to_string(), format!("the desk holds another policy labelled \"recommended-1\" \
    ///     (fingerprint {}; the one given has fingerprint {}): give a changed policy its own version label",
    ///     Policy::recommended().fingerprint(), Policy::new("recommended-1", ["frontline"])?.fingerprint()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_policy(&mut self, policy: Policy) -> Result<(), DeskError> {
        self.add(policy).map(|_| ())
    }

    /// Adds `policy` unless the desk holds it; its position.
    fn add(&mut self, policy: Policy) -> Result<usize, DeskError> {
        self.policies.add(policy)
    }

    fn position(&self, version: &str) -> Option<usize> {
        self.policies.position(version)
    }

    /// The policy on the desk with this version label.
    ///
    /// # Example
    /// ```
    /// use escalate::desk::Desk;
    /// use escalate::policy::Policy;
    /// let desk = Desk::new(Policy::recommended());
    /// assert!(desk.policy("recommended-1").is_some());
    /// assert!(desk.policy("default").is_none());
    /// ```
    #[must_use]
    pub fn policy(&self, version: &str) -> Option<&Policy> {
        self.position(version).map(|i| &self.policies[i])
    }

    /// Every policy on the desk, in the order they were added.
    ///
    /// # Example
    /// ```
    /// use escalate::desk::Desk;
    /// use escalate::policy::Policy;
    /// let desk = Desk::new(Policy::default());
    /// assert_eq!(desk.policies()[0].version(), "default");
    /// ```
    #[must_use]
    pub fn policies(&self) -> &[Policy] {
        &self.policies.list
    }

    /// The policy new cases open under, and that an `AdoptPolicy` command
    /// moves a case to.
    ///
    /// # Example
    /// ```
    /// use escalate::desk::Desk;
    /// use escalate::policy::Policy;
    /// let desk = Desk::new(Policy::default());
    /// assert_eq!(desk.current_policy().version(), "default");
    /// ```
    #[must_use]
    pub fn current_policy(&self) -> &Policy {
        self.policies.current()
    }

    /// Makes the policy with this version label the current one: new cases
    /// open under it, and `AdoptPolicy` commands move cases to it. Cases
    /// already open stay under their policy until they adopt another.
    ///
    /// # Errors
    /// [`DeskError::UnknownPolicy`] when the desk holds no policy with
    /// that label.
    ///
    /// # Example
    /// ```
    /// use escalate::desk::Desk;
    /// use escalate::policy::Policy;
    /// let mut desk = Desk::new(Policy::default());
    /// desk.add_policy(Policy::recommended())?;
    /// desk.set_current_policy("recommended-1")?;
    /// assert_eq!(desk.current_policy().version(), "recommended-1");
    /// let err = desk.set_current_policy("2020-01").unwrap_err();
    /// assert_eq!(err.to_string(), "no policy labelled \"2020-01\" on the desk: \
    ///     add it first; the desk holds \"default\", \"recommended-1\"");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_current_policy(&mut self, version: &str) -> Result<(), DeskError> {
        self.policies.set_current(version)
    }

    /// The number of cases on the desk.
    ///
    /// # Example
    /// ```
    /// use escalate::desk::Desk;
    /// use escalate::policy::Policy;
    /// assert_eq!(Desk::new(Policy::default()).len(), 0);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the desk has no cases.
    ///
    /// # Example
    /// ```
    /// use escalate::desk::Desk;
    /// use escalate::policy::Policy;
    /// assert!(Desk::new(Policy::default()).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The case with this id, if it is on the desk.
    ///
    /// # Example
    /// ```
    /// use escalate::Command;
    /// use escalate::desk::Desk;
    /// use escalate::policy::Policy;
    /// let mut desk = Desk::new(Policy::default());
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// desk.handle(&"CAB-1".parse()?, open, now)?;
    /// assert_eq!(desk.case(&"CAB-1".parse()?).map(|c| c.version()), Some(2));
    /// assert!(desk.case(&"CAB-2".parse()?).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn case(&self, id: &CaseId) -> Option<&Case> {
        self.slot(id).map(|s| &*s.case)
    }

    fn slot(&self, id: &CaseId) -> Option<&Slot> {
        self.ids.get(id).and_then(|&i| self.slots.get(i as usize))
    }

    /// Every case on the desk, in no particular order.
    ///
    /// # Example
    /// ```
    /// use escalate::Command;
    /// use escalate::desk::Desk;
    /// use escalate::policy::Policy;
    /// let mut desk = Desk::new(Policy::default());
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// desk.handle(&"CAB-1".parse()?, open.clone(), now)?;
    /// desk.handle(&"CAB-2".parse()?, open, now)?;
    /// let mut ids: Vec<&str> = desk.cases().map(|c| c.id().as_str()).collect();
    /// ids.sort_unstable();
    /// assert_eq!(ids, ["CAB-1", "CAB-2"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cases(&self) -> impl Iterator<Item = &Case> {
        self.slots.iter().map(|s| &*s.case)
    }

    /// Routes a command to its case and applies the events it makes;
    /// returns them for the host to store. `now` is the host's clock, as
    /// for [`Case::handle`].
    ///
    /// - A command to an id the desk does not know creates the case if it is
    ///   an [`Open`](CommandKind::Open), under the
    ///   [current policy](Self::current_policy); a refused opening leaves
    ///   no case behind.
    /// - An [`AdoptPolicy`](CommandKind::AdoptPolicy) command moves the
    ///   case to the current policy. What time made due under the old
    ///   policy by the command's time is recorded first, under the old
    ///   policy (as `handle` does for any other command), then the
    ///   adoption: the events come back together, in that order.
    /// - Any other command runs under the case's own policy.
    ///
    /// A command whose id the case has applied already gives no events, as
    /// with [`Case::handle`].
    ///
    /// # Errors
    /// [`DeskError::UnknownCase`] for a command other than `Open` to an
    /// unknown id; [`DeskError::Refused`] with the case's [`Refusal`](crate::Refusal)
    /// (the case is left as it was); [`DeskError::Full`] when the desk
    /// holds `u32::MAX` cases; [`DeskError::Apply`] if the case refused an
    /// event it made itself (a bug in this crate: the events applied before
    /// it are in the error, to store).
    ///
    /// # Example
    /// ```
    /// use escalate::{Command, Refusal};
    /// use escalate::desk::{Desk, DeskError};
    /// use escalate::policy::Policy;
    /// let mut desk = Desk::new(Policy::recommended());
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-08T14:05:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": "customer", "at": "2021-03-08T14:06:00Z",
    ///    "kind": {"type": "confirm_resolution"}}
    /// ]"#)?;
    /// let case = "CAB-1".parse()?;
    /// let mut stored = Vec::new();
    /// for command in commands {
    ///     let now = command.at();
    ///     match desk.handle(&case, command, now) {
    ///         Ok(events) => stored.extend(events),
    ///         Err(DeskError::Refused { refusal, .. }) => {
    ///             assert!(matches!(refusal, Refusal::InvalidTransition { .. }));
    ///         }
    ///         Err(other) => return Err(other.into()),
    ///     }
    /// }
    /// assert_eq!(desk.case(&case).unwrap().owner().unwrap().id().as_str(), "sam");
    /// // What the host stored rebuilds the case.
    /// assert_eq!(&escalate::Case::replay(stored)?, desk.case(&case).unwrap());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn handle(
        &mut self,
        case: &CaseId,
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, DeskError> {
        let Some(&index) = self.ids.get(case) else {
            return self.open(case, command, now);
        };
        if matches!(command.kind(), CommandKind::AdoptPolicy) {
            return self.adopt(case, index, command, now);
        }
        let Some(slot) = self.slots.get_mut(index as usize) else {
            return Err(DeskError::UnknownCase { case: case.clone() });
        };
        let policy = &self.policies[slot.policy];
        // The index holds the case's next wake-up: before it, nothing is due.
        let due = if slot.wakeup.is_none_or(|w| command.at() < w) {
            Due::Nothing
        } else {
            Due::Unknown
        };
        let events = slot
            .case
            .handle_known(policy, command, now, due)
            .map_err(|refusal| DeskError::Refused {
                case: case.clone(),
                refusal,
            })?;
        if events.is_empty() {
            return Ok(events);
        }
        let applied = apply_all(&mut slot.case, &events);
        let next = slot.case.next_wakeup(policy);
        reschedule(&mut self.wakeups, slot, index, next);
        match applied {
            Ok(()) => Ok(events),
            Err((k, error)) => Err(apply_error(case, error, &events[..k])),
        }
    }

    /// Opens a case the desk does not hold yet.
    fn open(
        &mut self,
        case: &CaseId,
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, DeskError> {
        if !matches!(command.kind(), CommandKind::Open { .. }) {
            return Err(DeskError::UnknownCase { case: case.clone() });
        }
        let index = u32::try_from(self.slots.len()).map_err(|_| DeskError::Full)?;
        let policy = &self.policies[self.policies.current];
        let mut fresh = Case::new(case.clone());
        let events = fresh
            .handle(policy, command, now)
            .map_err(|refusal| DeskError::Refused {
                case: case.clone(),
                refusal,
            })?;
        let applied = apply_all(&mut fresh, &events);
        if fresh.version() > 0 {
            let next = fresh.next_wakeup(policy);
            let mut slot = Slot {
                case: Box::new(fresh),
                policy: self.policies.current,
                wakeup: None,
            };
            reschedule(&mut self.wakeups, &mut slot, index, next);
            self.slots.push(slot);
            self.ids.insert(case.clone(), index);
        }
        match applied {
            Ok(()) => Ok(events),
            Err((k, error)) => Err(apply_error(case, error, &events[..k])),
        }
    }

    /// Moves a case to the current policy: what was due under its own
    /// policy first, then the adoption. All or nothing.
    fn adopt(
        &mut self,
        case: &CaseId,
        index: u32,
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, DeskError> {
        let target = self.policies.current;
        let Some(slot) = self.slots.get_mut(index as usize) else {
            return Err(DeskError::UnknownCase { case: case.clone() });
        };
        let (old, new) = (&self.policies[slot.policy], &self.policies[target]);
        let Some((after, events)) = adopt(&slot.case, old, new, command, now)? else {
            return Ok(Vec::new()); // a command id applied already
        };
        *slot.case = after;
        slot.policy = target;
        let next = slot.case.next_wakeup(new);
        reschedule(&mut self.wakeups, slot, index, next);
        Ok(events)
    }

    /// Records what time made due by `now` in every case whose wake-up has
    /// come ([`Case::tick`] under the case's policy, each event applied),
    /// and moves each to its next wake-up. Returns, per case that recorded
    /// anything, the events to store, in the order the cases fell due.
    /// Cases not due are not visited. When 256 or more cases are due at
    /// once they are ticked on every core (at most 8 threads): each case
    /// alone, so the events are the same as on one thread.
    ///
    /// Each event carries the instant it fell due, so waking the desk
    /// late, often or seldom gives every case the same log (see
    /// [`Case::handle`]'s "Time first").
    ///
    /// # Errors
    /// [`DeskError::Apply`] if a case refused an event it made itself (a
    /// bug in this crate). Every other due case is still advanced, and the
    /// error holds every event applied, to store.
    ///
    /// # Example
    /// ```
    /// use escalate::{Command, EventKind};
    /// use escalate::desk::Desk;
    /// use escalate::policy::Policy;
    /// let mut desk = Desk::new(Policy::recommended());
    /// let open = |case: &str| -> Result<Command, serde_json::Error> { serde_json::from_str(r#"{"id": "c-1",
    ///     "actor": "customer", "at": "2021-03-08T14:00:00Z", "kind": {"type": "open",
    ///     "customer": {"id": "cust-9", "value": "standard"},
    ///     "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#) };
    /// for case in ["CAB-1", "CAB-2"] {
    ///     let command = open(case)?;
    ///     let now = command.at();
    ///     desk.handle(&case.parse()?, command, now)?;
    /// }
    /// // Nothing is due before the 25% warning at 15:00.
    /// assert!(desk.advance("2021-03-08T14:59:59Z".parse()?)?.is_empty());
    /// let woken = desk.advance("2021-03-08T15:00:00Z".parse()?)?;
    /// assert_eq!(woken.len(), 2);
    /// assert!(woken.iter().all(|w| matches!(w.events[0].kind(), EventKind::SlaWarned { .. })));
    /// // The first response is due on Tuesday at 10:00.
    /// assert_eq!(desk.next_wakeup(), Some("2021-03-09T10:00:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn advance(&mut self, now: DateTime<Utc>) -> Result<Vec<CaseEvents>, DeskError> {
        let mut due = Vec::new();
        while let Some(&(at, index)) = self.wakeups.first() {
            if at > now {
                break;
            }
            self.wakeups.pop_first();
            due.push(index);
        }
        // Each due case is ticked on its own (cases share nothing but the
        // policies), on every core when there are many; the results are
        // then taken in the order the cases fell due.
        let policies = &self.policies;
        let mut ticked = crate::par::map(due_slots(&mut self.slots, &due), |(j, slot)| {
            slot.wakeup = None;
            let policy = &policies[slot.policy];
            let (events, refused) = slot.case.tick_applied(policy, now);
            let next = slot.case.next_wakeup(policy);
            Ticked {
                j,
                events,
                refused,
                next,
            }
        });
        // `due_slots` borrows in slot order: back to the order of `due`.
        ticked.sort_unstable_by_key(|t| t.j);
        let mut woken = Vec::with_capacity(ticked.len());
        let mut failed: Option<(CaseId, ApplyError)> = None;
        for Ticked {
            j,
            events,
            refused,
            next,
        } in ticked
        {
            let index = due[j];
            let Some(slot) = self.slots.get_mut(index as usize) else {
                continue;
            };
            reschedule(&mut self.wakeups, slot, index, next);
            if let Some(error) = refused {
                failed.get_or_insert((slot.case.id().clone(), error));
            }
            if !events.is_empty() {
                woken.push(CaseEvents {
                    case: slot.case.id().clone(),
                    events,
                });
            }
        }
        match failed {
            None => Ok(woken),
            Some((case, error)) => Err(DeskError::Apply {
                case,
                error,
                applied: woken,
            }),
        }
    }

    /// The earliest wake-up of any case on the desk: when to call
    /// [`advance`](Self::advance) next; `None` when no case waits on time.
    ///
    /// # Example
    /// ```
    /// use escalate::Command;
    /// use escalate::desk::Desk;
    /// use escalate::policy::Policy;
    /// let mut desk = Desk::new(Policy::recommended());
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "social_public"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// desk.handle(&"CAB-1".parse()?, open, now)?;
    /// // A public post: warned after 15 of its 60 minutes.
    /// assert_eq!(desk.next_wakeup(), Some("2021-03-08T14:15:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn next_wakeup(&self) -> Option<DateTime<Utc>> {
        self.wakeups.first().map(|(at, _)| *at)
    }

    /// One case's next wake-up, as the index holds it
    /// ([`Case::next_wakeup`] under the case's policy).
    ///
    /// # Example
    /// ```
    /// use escalate::Command;
    /// use escalate::desk::Desk;
    /// use escalate::policy::Policy;
    /// let mut desk = Desk::new(Policy::recommended());
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// let case = "CAB-1".parse()?;
    /// desk.handle(&case, open, now)?;
    /// assert_eq!(desk.wakeup(&case), Some("2021-03-08T15:00:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn wakeup(&self, case: &CaseId) -> Option<DateTime<Utc>> {
        self.slot(case).and_then(|s| s.wakeup)
    }

    /// Puts a case on the desk: one rebuilt by the host (from its stored
    /// events, or however it keeps cases), under a policy the desk holds.
    ///
    /// # Errors
    /// [`DeskError::NotOpened`] for a case with no events;
    /// [`DeskError::UnknownPolicy`] when the desk holds no policy with the
    /// case's version label; [`DeskError::PolicyChanged`] when the case
    /// recorded a fingerprint other than that policy's (its content changed
    /// under the same label); [`DeskError::CaseExists`] when a case with
    /// the same id is on the desk; [`DeskError::Full`] when the desk holds
    /// `u32::MAX` cases.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::desk::{Desk, DeskError};
    /// use escalate::policy::Policy;
    /// let policy = Policy::recommended();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// let mut desk = Desk::new(Policy::default());
    /// let err = desk.insert(case.clone()).unwrap_err();
    /// assert!(matches!(err, DeskError::UnknownPolicy { .. }));
    /// desk.add_policy(policy)?;
    /// desk.insert(case.clone())?;
    /// assert_eq!(desk.next_wakeup(), Some("2021-03-08T15:00:00Z".parse()?));
    /// assert_eq!(desk.insert(case).unwrap_err().to_string(), "case CAB-1 is on the desk already");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert(&mut self, case: Case) -> Result<(), DeskError> {
        let policy = self.policies.of_case(&case)?;
        if self.ids.contains_key(case.id()) {
            return Err(DeskError::CaseExists {
                case: case.id().clone(),
            });
        }
        let index = u32::try_from(self.slots.len()).map_err(|_| DeskError::Full)?;
        let next = case.next_wakeup(&self.policies[policy]);
        let id = case.id().clone();
        let mut slot = Slot {
            case: Box::new(case),
            policy,
            wakeup: None,
        };
        reschedule(&mut self.wakeups, &mut slot, index, next);
        self.slots.push(slot);
        self.ids.insert(id, index);
        Ok(())
    }

    /// Rebuilds a case from the events the host stored for it
    /// ([`Case::replay`]) and puts it on the desk ([`insert`](Self::insert)).
    ///
    /// # Errors
    /// [`DeskError::Replay`] for a history that does not replay, and the
    /// errors of [`insert`](Self::insert).
    ///
    /// # Example
    /// ```
    /// use escalate::{Command, Event};
    /// use escalate::desk::Desk;
    /// use escalate::policy::Policy;
    /// let mut desk = Desk::new(Policy::recommended());
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// let stored = serde_json::to_string(&desk.handle(&"CAB-1".parse()?, open, now)?)?;
    /// // The host restarts: a new desk, the history read back from the store.
    /// let mut restarted = Desk::new(Policy::recommended());
    /// let case = restarted.replay(serde_json::from_str::<Vec<Event>>(&stored)?)?;
    /// assert_eq!(case.id().as_str(), "CAB-1");
    /// assert_eq!(restarted.next_wakeup(), desk.next_wakeup());
    /// assert!(restarted.replay(Vec::new()).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replay(&mut self, events: Vec<Event>) -> Result<&Case, DeskError> {
        let case = Case::replay(events).map_err(DeskError::Replay)?;
        let id = case.id().clone();
        self.insert(case)?;
        self.case(&id).ok_or(DeskError::UnknownCase { case: id })
    }

    /// Takes a case off the desk (closed and archived, or moved to another
    /// desk), with its wake-up.
    ///
    /// # Example
    /// ```
    /// use escalate::Command;
    /// use escalate::desk::Desk;
    /// use escalate::policy::Policy;
    /// let mut desk = Desk::new(Policy::recommended());
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// let case = "CAB-1".parse()?;
    /// desk.handle(&case, open, now)?;
    /// let taken = desk.remove(&case).unwrap();
    /// assert_eq!(taken.version(), 4);
    /// assert!(desk.is_empty());
    /// assert_eq!(desk.next_wakeup(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove(&mut self, case: &CaseId) -> Option<Case> {
        let index = self.ids.remove(case)?;
        let i = index as usize;
        if let Some(at) = self.slots.get(i)?.wakeup {
            self.wakeups.remove(&(at, index));
        }
        let last = u32::try_from(self.slots.len() - 1).ok()?;
        let removed = self.slots.swap_remove(i);
        // The last slot moved into the hole: its index entries follow it.
        if last != index
            && let Some(moved) = self.slots.get(i)
        {
            if let Some(at) = moved.wakeup {
                self.wakeups.remove(&(at, last));
                self.wakeups.insert((at, index));
            }
            self.ids.insert(moved.case.id().clone(), index);
        }
        Some(*removed.case)
    }

    /// What a case owes now, earliest deadline first: see [`Obligation`].
    ///
    /// # Errors
    /// [`DeskError::UnknownCase`] when the case is not on the desk.
    ///
    /// # Example
    /// ```
    /// use escalate::Command;
    /// use escalate::desk::{Desk, Owed};
    /// use escalate::policy::Policy;
    /// use escalate::sla::Metric;
    /// let mut desk = Desk::new(Policy::recommended());
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// let case = "CAB-1".parse()?;
    /// desk.handle(&case, open, now)?;
    /// let owed = desk.obligations(&case)?;
    /// // A first response by Tuesday 10:00, a resolution within 5 business days.
    /// assert!(matches!(owed[0].owed, Owed::Sla { metric: Metric::FirstResponse, .. }));
    /// assert_eq!(owed[0].late_at, Some("2021-03-09T10:00:00Z".parse()?));
    /// assert!(matches!(owed[1].owed, Owed::Sla { metric: Metric::Resolution, .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn obligations(&self, case: &CaseId) -> Result<Vec<Obligation>, DeskError> {
        let slot = self
            .slot(case)
            .ok_or_else(|| DeskError::UnknownCase { case: case.clone() })?;
        Ok(obligation::owed(&slot.case, &self.policies[slot.policy]))
    }
}

/// Moves a case from policy `old` to `new` by an `AdoptPolicy` command:
/// what was due under `old` by the command's time first, then the
/// adoption, all applied to a copy of the case. `None` for a command id
/// applied already. All or nothing: on an error the case is as it was.
pub(crate) fn adopt(
    case: &Case,
    old: &Policy,
    new: &Policy,
    command: Command,
    now: DateTime<Utc>,
) -> Result<Option<(Case, Vec<Event>)>, DeskError> {
    let id = case.id();
    let refused = |refusal| DeskError::Refused {
        case: id.clone(),
        refusal,
    };
    // Adoption reads the state, the owner and the policy, which time
    // alone never changes: deciding on the case as it is tells whether
    // it will be refused, before anything is recorded.
    if case
        .handle(new, command.clone(), now)
        .map_err(refused)?
        .is_empty()
    {
        return Ok(None);
    }
    let mut after = case.clone();
    let mut events = after.tick(old, command.at());
    if let Err((_, error)) = apply_all(&mut after, &events) {
        return Err(apply_error(id, error, &[]));
    }
    let own = after.handle(new, command, now).map_err(refused)?;
    if let Err((_, error)) = apply_all(&mut after, &own) {
        return Err(apply_error(id, error, &[]));
    }
    events.extend(own);
    Ok(Some((after, events)))
}

/// Applies events a case made; on a refusal, how many applied.
pub(crate) fn apply_all(case: &mut Case, events: &[Event]) -> Result<(), (usize, ApplyError)> {
    for (k, event) in events.iter().enumerate() {
        case.apply(event).map_err(|error| (k, error))?;
    }
    Ok(())
}

pub(crate) fn apply_error(case: &CaseId, error: ApplyError, applied: &[Event]) -> DeskError {
    DeskError::Apply {
        case: case.clone(),
        error,
        applied: if applied.is_empty() {
            Vec::new()
        } else {
            vec![CaseEvents {
                case: case.clone(),
                events: applied.to_vec(),
            }]
        },
    }
}

/// What ticking one due case gave: `j` is its place among the due cases.
struct Ticked {
    j: usize,
    events: Vec<Event>,
    refused: Option<ApplyError>,
    next: Option<DateTime<Utc>>,
}

/// The slots at `due` (distinct indices, in any order), each borrowed on
/// its own with its place in `due`, in the order of the slots. An index
/// past the slots is left out, and so is an index given again (its first
/// place is kept).
fn due_slots<'s>(slots: &'s mut [Slot], due: &[u32]) -> Vec<(usize, &'s mut Slot)> {
    let mut order: Vec<usize> = (0..due.len()).collect();
    order.sort_by_key(|&j| due[j]);
    let mut picked = Vec::with_capacity(due.len());
    let mut rest = slots;
    // The index of `rest[0]` in `slots`.
    let mut base = 0usize;
    for j in order {
        let i = due[j] as usize;
        let Some(k) = i.checked_sub(base).filter(|&k| k < rest.len()) else {
            continue;
        };
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(k + 1);
        if let Some(slot) = head.last_mut() {
            picked.push((j, slot));
        }
        rest = tail;
        base = i + 1;
    }
    picked
}

/// Moves a slot's entry in the wake-up index to `next`.
fn reschedule(
    wakeups: &mut BTreeSet<(DateTime<Utc>, u32)>,
    slot: &mut Slot,
    index: u32,
    next: Option<DateTime<Utc>>,
) {
    if slot.wakeup == next {
        return;
    }
    if let Some(old) = slot.wakeup {
        wakeups.remove(&(old, index));
    }
    if let Some(new) = next {
        wakeups.insert((new, index));
    }
    slot.wakeup = next;
}

#[cfg(test)]
mod tests {
    use super::{Slot, due_slots};
    use crate::Case;

    fn slots(n: usize) -> Vec<Slot> {
        (0..n)
            .map(|i| Slot {
                case: Box::new(Case::new(format!("C-{i}").parse().unwrap())),
                policy: 0,
                wakeup: None,
            })
            .collect()
    }

    #[test]
    fn due_slots_borrow_each_due_slot_once_with_its_place() {
        let mut all = slots(6);
        // Unsorted, one index twice, one past the slots.
        let due = [4, 1, 9, 4, 0];
        let picked: Vec<(usize, String)> = due_slots(&mut all, &due)
            .into_iter()
            .map(|(j, slot)| (j, slot.case.id().to_string()))
            .collect();
        let by_place: Vec<(usize, &str)> = picked.iter().map(|(j, c)| (*j, c.as_str())).collect();
        assert_eq!(by_place, [(4, "C-0"), (1, "C-1"), (0, "C-4")]);
        assert!(due_slots(&mut all, &[]).is_empty());
        assert!(due_slots(&mut [], &[0, 1]).is_empty());
    }
}

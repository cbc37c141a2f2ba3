//! The case aggregate: its states, and the decide/apply cycle.

mod clocks;
mod command;
mod event;
mod gestures;
mod refusal;
mod rules;
mod timeline;

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use command::{Command, CommandKind, CommandName};
pub use event::{Event, EventKind, Opened};
pub use refusal::{Refusal, ReplayError};

use crate::customer::{
    Contact, Customer, Failure, FailureId, FailureKind, Origin, Promise, PromiseId, PromiseState,
    ResponseKind, SurveyScore,
};
use crate::ids::{CaseId, CommandId, Tier};
use crate::owner::{Actor, Agent};
use crate::policy::{DeflectionPolicy, Policy};
use crate::recovery::Ledger;
use crate::sla::SlaClock;
use crate::text::Text;

/// One customer problem, from the first signal to closing.
///
/// A case is an event-sourced state machine:
/// [`handle`](Self::handle) decides (pure: it reads the case and the policy
/// and returns events or a [`Refusal`]), [`apply`](Self::apply) evolves
/// (total: it never fails), and [`replay`](Self::replay) rebuilds a case from
/// its events. Time is always an argument.
///
/// # Ordering of events
/// Events are applied in the order they arrive, and that order is the
/// case's truth. Each event keeps the time its command reported, even when
/// that is earlier than an event already applied (a late log entry, as in
/// real systems): such a command is accepted, not refused, and its events
/// carry its own time. The case's [`latest`](Self::latest) time never
/// decreases, and [`timeline`](Self::timeline) lists events in arrival order,
/// marking those that arrived late. The same events in the same order
/// always give the same case.
///
/// # Example
/// ```
/// use chrono::{DateTime, Utc};
/// use escalate::{Actor, Agent, Case, Channel, Command, CommandKind, Customer, CustomerValue, Origin};
/// use escalate::policy::Policy;
/// let policy = Policy::default();
/// let mut case = Case::new("CAB-1".parse()?);
/// let t: DateTime<Utc> = "2021-03-04T20:10:00Z".parse()?;
/// let open = Command::new("c-1".parse()?, Actor::Customer, t,
///     CommandKind::Open {
///         customer: Customer::new("cust-9".parse()?, CustomerValue::Standard),
///         origin: Origin::Contact { channel: Channel::Phone },
///         summary: "wrong cabinet delivered".into(),
///         priority: escalate::Priority::Normal,
///     });
/// for event in case.handle(&policy, open, t)? {
///     case.apply(&event);
/// }
/// let sam = Agent::new("sam".parse()?, "frontline".parse()?);
/// let t: DateTime<Utc> = "2021-03-04T20:11:00Z".parse()?;
/// let assign = Command::new("c-2".parse()?, Actor::System, t, CommandKind::Assign { to: sam.clone() });
/// for event in case.handle(&policy, assign, t)? {
///     case.apply(&event);
/// }
/// assert_eq!(case.owner(), Some(&sam));
/// assert_eq!(case.version(), 3); // opened, contacted, assigned
/// assert_eq!(Case::replay(case.events().to_vec())?, case);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    id: CaseId,
    status: Status,
    /// What the case was opened with, and when.
    opening: Option<(Arc<Opened>, DateTime<Utc>)>,
    contacts: Vec<Contact>,
    /// Contacts before this index have all been answered.
    unanswered_from: usize,
    promises: Vec<Promise>,
    surveys: Vec<(DateTime<Utc>, SurveyScore)>,
    clocks: Vec<SlaClock>,
    /// Customer contacts since opening or the last reopening.
    contacts_in_cycle: u32,
    public_contacts: u32,
    answers: u32,
    deflections: u32,
    /// Escalations by hand or required by rules.
    escalations: u32,
    /// The tier a rule required an escalation to, until someone of it owns the case.
    escalation_pending: Option<Tier>,
    /// The highest tier a rule has required.
    required_tier: Option<Tier>,
    /// The rule that requires a review before closing.
    review_required: Option<Text>,
    /// Delayed rules whose condition holds, since when.
    armed: Vec<(Text, DateTime<Utc>)>,
    /// Every rule firing: which rule, when.
    rule_log: Vec<(Text, DateTime<Utc>)>,
    /// The policy adopted after opening, if any.
    adopted_policy: Option<Text>,
    /// Offers made, in order.
    offers: Vec<crate::recovery::Offer>,
    /// What the recovery guards read: failures, grants, the churn signal.
    ledger: Ledger,
    latest: Option<DateTime<Utc>>,
    /// Hashes of the ids of applied commands (checked against `events` on a hit).
    command_ids: HashSet<CommandId>,
    events: Vec<Event>,
}

/// Where a case stands. Each state carries its own data: a case with an
/// owner is in a state that holds the owner.
///
/// # Example
/// ```
/// use escalate::{Case, Command, StateName, Status};
/// use escalate::policy::Policy;
/// let policy = Policy::default();
/// let mut case = Case::new("CAB-1".parse()?);
/// let commands: Vec<Command> = serde_json::from_str(r#"[
///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
///    "customer": {"id": "cust-9", "value": "standard"},
///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
/// ]"#)?;
/// for command in commands {
///     let now = command.at();
///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
/// }
/// // Opened, nobody owns it yet.
/// assert!(matches!(case.status(), Status::New));
/// assert_eq!(case.status().name(), StateName::New);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Nothing has happened yet; only an `Open` command is accepted.
    Unopened,
    /// Opened, with no owner yet.
    New,
    /// Owned and being worked on.
    Working {
        /// The owner.
        owner: Ownership,
    },
    /// Owned, and waiting on the customer.
    AwaitingCustomer {
        /// The owner.
        owner: Ownership,
        /// Since when.
        since: DateTime<Utc>,
    },
    /// The owner marked the problem solved. A new customer contact reopens it.
    Resolved {
        /// The owner.
        owner: Ownership,
        /// When.
        at: DateTime<Utc>,
        /// When the customer confirmed, if they did.
        confirmed_at: Option<DateTime<Utc>>,
    },
    /// Closed for good.
    Closed {
        /// The owner at closing; `None` if the case never had one.
        last_owner: Option<Agent>,
        /// How it ended.
        outcome: crate::Outcome,
        /// When.
        at: DateTime<Utc>,
        /// The lessons learned, if a review was given.
        review: Option<crate::recovery::Review>,
    },
}

/// The name of a state, for refusals and messages.
///
/// # Example
/// ```
/// use escalate::StateName;
/// assert_eq!(StateName::AwaitingCustomer.to_string(), "waiting on the customer");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)] // the variants mirror `Status`
pub enum StateName {
    Unopened,
    New,
    Working,
    AwaitingCustomer,
    Resolved,
    Closed,
}

impl fmt::Display for StateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StateName::Unopened => "not opened yet",
            StateName::New => "new (no owner)",
            StateName::Working => "being worked on",
            StateName::AwaitingCustomer => "waiting on the customer",
            StateName::Resolved => "resolved",
            StateName::Closed => "closed",
        })
    }
}

impl Status {
    /// The state's name.
    ///
    /// # Example
    /// ```
    /// use escalate::{Status, StateName};
    /// assert_eq!(Status::New.name(), StateName::New);
    /// ```
    #[must_use]
    pub fn name(&self) -> StateName {
        match self {
            Status::Unopened => StateName::Unopened,
            Status::New => StateName::New,
            Status::Working { .. } => StateName::Working,
            Status::AwaitingCustomer { .. } => StateName::AwaitingCustomer,
            Status::Resolved { .. } => StateName::Resolved,
            Status::Closed { .. } => StateName::Closed,
        }
    }

    /// The current ownership, in the states that have one.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command, Status};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.status().ownership().unwrap().agent().id().as_str(), "sam");
    /// assert!(Status::New.ownership().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn ownership(&self) -> Option<&Ownership> {
        match self {
            Status::Working { owner }
            | Status::AwaitingCustomer { owner, .. }
            | Status::Resolved { owner, .. } => Some(owner),
            Status::Unopened | Status::New | Status::Closed { .. } => None,
        }
    }

    fn ownership_mut(&mut self) -> Option<&mut Ownership> {
        match self {
            Status::Working { owner }
            | Status::AwaitingCustomer { owner, .. }
            | Status::Resolved { owner, .. } => Some(owner),
            Status::Unopened | Status::New | Status::Closed { .. } => None,
        }
    }
}

/// Who owns a case, since when, and any handoff waiting to be accepted.
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// let policy = Policy::default();
/// let mut case = Case::new("CAB-1".parse()?);
/// let commands: Vec<Command> = serde_json::from_str(r#"[
///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
///    "customer": {"id": "cust-9", "value": "standard"},
///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
/// ]"#)?;
/// for command in commands {
///     let now = command.at();
///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
/// }
/// let ownership = case.status().ownership().unwrap();
/// assert_eq!(ownership.agent().id().as_str(), "sam");
/// assert!(ownership.handoff().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ownership {
    agent: Agent,
    since: DateTime<Utc>,
    handoff: Option<Handoff>,
}

impl Ownership {
    /// The accountable owner.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.status().ownership().unwrap().agent().to_string(), "sam (frontline)");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    /// Since when they own it.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// let assigned_at: DateTime<Utc> = "2021-03-04T20:11:00Z".parse()?;
    /// assert_eq!(case.status().ownership().unwrap().since(), assigned_at);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn since(&self) -> DateTime<Utc> {
        self.since
    }

    /// The handoff offered and not yet accepted, if any.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert!(case.status().ownership().unwrap().handoff().is_none());
    /// // sam offers the case to kim; until kim accepts, sam stays the owner.
    /// let offer: Command = serde_json::from_str(r#"{"id": "c-3", "actor": "system", "at": "2021-03-05T14:00:00Z",
    ///     "kind": {"type": "hand_off", "to": {"id": "kim", "tier": "frontline"}}}"#)?;
    /// let now = offer.at();
    /// for event in case.handle(&policy, offer, now)? { case.apply(&event); }
    /// assert_eq!(case.status().ownership().unwrap().handoff().unwrap().to().id().as_str(), "kim");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn handoff(&self) -> Option<&Handoff> {
        self.handoff.as_ref()
    }
}

/// A handoff offered to an agent who has not accepted it yet. Until they do,
/// the current owner stays accountable.
///
/// # Example
/// ```
/// use chrono::{DateTime, Utc};
/// use escalate::{Actor, Agent, Case, Command, CommandKind};
/// use escalate::policy::Policy;
/// let policy = Policy::default();
/// let mut case = Case::new("CAB-1".parse()?);
/// let commands: Vec<Command> = serde_json::from_str(r#"[
///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
///    "customer": {"id": "cust-9", "value": "standard"},
///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
/// ]"#)?;
/// for command in commands {
///     let now = command.at();
///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
/// }
/// // The case is owned by sam; the system offers it to kim.
/// let kim = Agent::new("kim".parse()?, "frontline".parse()?);
/// let t: DateTime<Utc> = "2021-03-05T14:00:00Z".parse()?;
/// let offer = Command::new("c-9".parse()?, Actor::System, t, CommandKind::HandOff { to: kim.clone() });
/// for e in case.handle(&policy, offer, t)? { case.apply(&e); }
/// let handoff = case.status().ownership().unwrap().handoff().unwrap();
/// assert_eq!(handoff.to(), &kim);
/// assert_eq!(handoff.offered_at(), t);
/// assert_eq!(case.owner().unwrap().id().as_str(), "sam"); // still accountable
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handoff {
    to: Agent,
    offered_at: DateTime<Utc>,
}

impl Handoff {
    /// The agent offered the case.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use escalate::{Actor, Agent, Case, Command, CommandKind};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// // The case is owned by sam; the system offers it to kim.
    /// let kim = Agent::new("kim".parse()?, "frontline".parse()?);
    /// let t: DateTime<Utc> = "2021-03-05T14:00:00Z".parse()?;
    /// let offer = Command::new("c-9".parse()?, Actor::System, t, CommandKind::HandOff { to: kim.clone() });
    /// for e in case.handle(&policy, offer, t)? { case.apply(&e); }
    /// let handoff = case.status().ownership().unwrap().handoff().unwrap();
    /// assert_eq!(handoff.to(), &kim);
    /// // Once kim accepts, kim owns the case and no handoff is pending.
    /// let accept = Command::new("c-10".parse()?, Actor::Agent(kim.clone()), t, CommandKind::AcceptHandoff);
    /// for e in case.handle(&policy, accept, t)? { case.apply(&e); }
    /// assert_eq!(case.owner(), Some(&kim));
    /// assert!(case.status().ownership().unwrap().handoff().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to(&self) -> &Agent {
        &self.to
    }

    /// When it was offered.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use escalate::{Actor, Agent, Case, Command, CommandKind};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// // The case is owned by sam; the system offers it to kim.
    /// let kim = Agent::new("kim".parse()?, "frontline".parse()?);
    /// let t: DateTime<Utc> = "2021-03-05T14:00:00Z".parse()?;
    /// let offer = Command::new("c-9".parse()?, Actor::System, t, CommandKind::HandOff { to: kim.clone() });
    /// for e in case.handle(&policy, offer, t)? { case.apply(&e); }
    /// let handoff = case.status().ownership().unwrap().handoff().unwrap();
    /// assert_eq!(handoff.offered_at(), t);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn offered_at(&self) -> DateTime<Utc> {
        self.offered_at
    }
}

impl Case {
    /// A case with nothing in it yet; the first command it accepts is `Open`.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, StateName};
    /// let case = Case::new("CAB-1".parse()?);
    /// assert_eq!(case.status().name(), StateName::Unopened);
    /// assert_eq!(case.version(), 0);
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn new(id: CaseId) -> Self {
        Case {
            id,
            status: Status::Unopened,
            opening: None,
            contacts: Vec::new(),
            unanswered_from: 0,
            promises: Vec::new(),
            surveys: Vec::new(),
            clocks: Vec::new(),
            contacts_in_cycle: 0,
            public_contacts: 0,
            answers: 0,
            deflections: 0,
            escalations: 0,
            escalation_pending: None,
            required_tier: None,
            review_required: None,
            armed: Vec::new(),
            rule_log: Vec::new(),
            adopted_policy: None,
            offers: Vec::new(),
            ledger: Ledger::default(),
            latest: None,
            command_ids: HashSet::new(),
            events: Vec::new(),
        }
    }

    /// Rebuilds a case from its events, in order. The first event must be
    /// `opened` (it names the case) and versions must run 1, 2, 3, ...
    ///
    /// # Errors
    /// [`ReplayError`] for an empty history, one that does not start with
    /// `opened`, or a version out of sequence.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// // Store the events (here as JSON), read them back, rebuild the case.
    /// let stored = serde_json::to_string(case.events())?;
    /// let replayed = Case::replay(serde_json::from_str::<Vec<escalate::Event>>(&stored)?)?;
    /// assert_eq!(replayed, case);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replay(events: impl Into<Vec<Event>>) -> Result<Case, ReplayError> {
        // The history becomes the case's own: no copy of the events.
        let events: Vec<Event> = events.into();
        let first = events.first().ok_or(ReplayError::Empty)?;
        let EventKind::Opened(opened) = &first.kind else {
            return Err(ReplayError::NotOpened);
        };
        let mut case = Case::new(opened.case.clone());
        case.command_ids.reserve(events.len());
        let mut previous: Option<&CommandId> = None;
        for (position, event) in events.iter().enumerate() {
            let expected = position as u64 + 1;
            if event.version != expected {
                return Err(ReplayError::VersionGap {
                    position,
                    expected,
                    found: event.version,
                });
            }
            if let Some(id) = &event.command
                && previous != Some(id)
            {
                case.command_ids.insert(id.clone());
            }
            previous = event.command.as_ref();
            case.evolve(event);
        }
        case.events = events;
        Ok(case)
    }

    /// The case's id.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.id().as_str(), "CAB-1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> &CaseId {
        &self.id
    }

    /// The number of events applied so far.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.version(), 2); // opened, contacted
    /// assert_eq!(case.version(), case.events().len() as u64);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn version(&self) -> u64 {
        self.events.len() as u64
    }

    /// Where the case stands.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.status().name(), escalate::StateName::Working);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// The accountable owner, if the case has one.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     if command.id().as_str() == "c-2" {
    ///         assert!(case.owner().is_none()); // before the assignment
    ///     }
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.owner().unwrap().id().as_str(), "sam");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn owner(&self) -> Option<&Agent> {
        self.status.ownership().map(|o| &o.agent)
    }

    /// Who the case is for; `None` before it is opened.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.customer().unwrap().id().as_str(), "cust-9");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn customer(&self) -> Option<&Customer> {
        self.opening.as_ref().map(|(o, _)| &o.customer)
    }

    /// How the case was opened; `None` before it is.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Channel, Command, Origin};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.origin(), Some(&Origin::Contact { channel: Channel::Phone }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn origin(&self) -> Option<&Origin> {
        self.opening.as_ref().map(|(o, _)| &o.origin)
    }

    /// The version label of the policy the case runs under: the one it was
    /// opened under, or the last one adopted with
    /// [`CommandKind::AdoptPolicy`].
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.policy_version(), Some("default")); // `Policy::default()`'s version
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn policy_version(&self) -> Option<&str> {
        match &self.adopted_policy {
            Some(adopted) => Some(adopted.as_str()),
            None => self.opening.as_ref().map(|(o, _)| o.policy.as_str()),
        }
    }

    /// The time zone the case's timeline is written in (UTC before opening).
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default().with_time_zone("America/New_York".parse()?);
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.time_zone().name(), "America/New_York");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn time_zone(&self) -> Tz {
        self.opening.as_ref().map_or(Tz::UTC, |(o, _)| o.time_zone)
    }

    /// When the case was opened.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.opened_at(), Some("2021-03-04T15:10:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn opened_at(&self) -> Option<DateTime<Utc>> {
        self.opening.as_ref().map(|(_, at)| *at)
    }

    /// The latest event time seen; it never decreases, even when an event
    /// arrives late with an earlier time.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.latest(), Some("2021-03-04T20:11:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn latest(&self) -> Option<DateTime<Utc>> {
        self.latest
    }

    /// Every customer contact, in arrival order.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.contacts().len(), 1); // the opening call
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn contacts(&self) -> &[Contact] {
        &self.contacts
    }

    /// The contacts not yet answered, oldest first.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.unanswered().len(), 1); // nobody has called back yet
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn unanswered(&self) -> &[Contact] {
        self.contacts.get(self.unanswered_from..).unwrap_or(&[])
    }

    /// Every failure recorded, in arrival order.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.failures().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn failures(&self) -> &[Failure] {
        self.ledger.failures()
    }

    /// Every promise made, in order.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "promise", "what": "deliver the right cabinet", "due": "2021-03-06T17:00:00Z"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.promises().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn promises(&self) -> &[Promise] {
        &self.promises
    }

    /// Survey answers: when, and the score.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert!(case.surveys().is_empty());
    /// let survey: Command = serde_json::from_str(r#"{"id": "c-2", "actor": "customer",
    ///     "at": "2021-03-05T09:00:00Z", "kind": {"type": "answer_survey", "score": 1, "comment": "still waiting"}}"#)?;
    /// let now = survey.at();
    /// for event in case.handle(&policy, survey, now)? { case.apply(&event); }
    /// assert_eq!(case.surveys(), &[(now, escalate::SurveyScore::new(1)?)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn surveys(&self) -> &[(DateTime<Utc>, SurveyScore)] {
        &self.surveys
    }

    /// When the customer first signalled they had left, if they did.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.churned_at(), None);
    /// let left: Command = serde_json::from_str(r#"{"id": "c-2", "actor": "customer",
    ///     "at": "2021-03-05T09:00:00Z", "kind": {"type": "signal_churn", "note": "bought elsewhere"}}"#)?;
    /// let now = left.at();
    /// for event in case.handle(&policy, left, now)? { case.apply(&event); }
    /// assert_eq!(case.churned_at(), Some(now));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn churned_at(&self) -> Option<DateTime<Utc>> {
        self.ledger.churned_at()
    }

    /// How the case ended, once closed.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.outcome(), None);
    /// let close: Command = serde_json::from_str(r#"{"id": "c-2", "actor": "system",
    ///     "at": "2021-03-26T16:00:00Z", "kind": {"type": "close", "outcome": "lost"}}"#)?;
    /// let now = close.at();
    /// for event in case.handle(&policy, close, now)? { case.apply(&event); }
    /// assert_eq!(case.outcome(), Some(escalate::Outcome::Lost));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn outcome(&self) -> Option<crate::Outcome> {
        match self.status {
            Status::Closed { outcome, .. } => Some(outcome),
            _ => None,
        }
    }

    /// Every event applied, in order.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// assert_eq!(case.events().len(), 2); // opened, contacted
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Evolves the case by one event. Total: it never fails and never reads
    /// a clock. Events that do not fit the state (which `handle` never
    /// produces, but an imported history might hold) are recorded and change
    /// what they can; the version always advances by one.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use escalate::{Actor, Case, Command, Event, EventKind};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// // An event imported from another system: apply takes it as it is.
    /// let v = case.version();
    /// let t: DateTime<Utc> = "2021-03-05T09:00:00Z".parse()?;
    /// case.apply(&Event::new(v + 1, t, Actor::Customer, None,
    ///     EventKind::ChurnSignalled { note: "bought elsewhere".into() }));
    /// assert_eq!(case.version(), v + 1);
    /// assert_eq!(case.churned_at(), Some(t));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply(&mut self, event: &Event) {
        if let Some(id) = &event.command
            && self.events.last().and_then(|e| e.command.as_ref()) != Some(id)
        {
            self.command_ids.insert(id.clone());
        }
        self.evolve(event);
        self.events.push(event.clone());
    }

    /// Every state change an event makes, except recording the event itself.
    #[allow(clippy::too_many_lines)] // one arm per event kind reads best as one match
    fn evolve(&mut self, event: &Event) {
        let at = event.at;
        self.latest = Some(self.latest.map_or(at, |l| l.max(at)));
        match &event.kind {
            EventKind::Opened(opened) => {
                if self.opening.is_none() {
                    self.opening = Some((Arc::clone(opened), at));
                    self.ledger = Ledger::new(opened.time_zone);
                }
                if self.status == Status::Unopened {
                    self.status = Status::New;
                }
            }
            EventKind::Contacted { channel, .. } => {
                self.contacts_in_cycle += 1;
                self.public_contacts += u32::from(channel.is_public());
                self.contacts.push(Contact {
                    channel: *channel,
                    at,
                    answered_at: None,
                });
                if let Status::AwaitingCustomer { owner, .. } = &self.status {
                    self.status = Status::Working {
                        owner: owner.clone(),
                    };
                }
            }
            EventKind::Responded { kind, .. } => {
                match kind {
                    ResponseKind::Answer => self.answers += 1,
                    ResponseKind::Deflection => self.deflections += 1,
                }
                for contact in self
                    .contacts
                    .get_mut(self.unanswered_from..)
                    .unwrap_or(&mut [])
                {
                    contact.answered_at = Some(at);
                }
                self.unanswered_from = self.contacts.len();
            }
            EventKind::Assigned { to } | EventKind::Escalated { to, .. } => {
                // Carrying out a required escalation is the same escalation.
                if self.escalation_pending.as_ref() == Some(to.tier()) {
                    self.escalation_pending = None;
                } else if matches!(event.kind, EventKind::Escalated { .. }) {
                    self.escalations += 1;
                }
                self.take_ownership(to, at);
            }
            EventKind::HandoffAccepted { by } => {
                if self.escalation_pending.as_ref() == Some(by.tier()) {
                    self.escalation_pending = None;
                }
                self.take_ownership(by, at);
            }
            EventKind::HandoffOffered { to } => {
                if let Some(owner) = self.status.ownership_mut() {
                    owner.handoff = Some(Handoff {
                        to: to.clone(),
                        offered_at: at,
                    });
                }
            }
            EventKind::HandoffDeclined { .. } => {
                if let Some(owner) = self.status.ownership_mut() {
                    owner.handoff = None;
                }
            }
            EventKind::FailureRecorded {
                failure,
                kind,
                description,
                loss,
            } => self.ledger.record_failure(Failure::new(
                *failure,
                *kind,
                description.clone(),
                *loss,
                at,
            )),
            EventKind::PromiseMade { promise, what, due } => self.promises.push(Promise {
                id: *promise,
                what: what.clone(),
                due: *due,
                made_at: at,
                state: PromiseState::Open,
            }),
            EventKind::PromiseKept { promise } => {
                self.settle(*promise, PromiseState::Kept { at });
            }
            EventKind::PromiseBroken { promise } => {
                self.settle(*promise, PromiseState::Broken { at });
            }
            EventKind::AwaitingCustomer { .. } => {
                if let Status::Working { owner } = &self.status {
                    self.status = Status::AwaitingCustomer {
                        owner: owner.clone(),
                        since: at,
                    };
                }
            }
            EventKind::SurveyAnswered { score, .. } => self.surveys.push((at, *score)),
            EventKind::ChurnSignalled { .. } => {
                self.ledger.record_churn(at);
            }
            EventKind::Resolved { .. } => {
                if let Some(owner) = self.status.ownership() {
                    let mut owner = owner.clone();
                    owner.handoff = None;
                    self.status = Status::Resolved {
                        owner,
                        at,
                        confirmed_at: None,
                    };
                }
            }
            EventKind::Reopened => {
                self.contacts_in_cycle = 0;
                if let Status::Resolved { owner, .. } = &self.status {
                    self.status = Status::Working {
                        owner: owner.clone(),
                    };
                }
            }
            EventKind::ResolutionConfirmed => {
                if let Status::Resolved { confirmed_at, .. } = &mut self.status {
                    confirmed_at.get_or_insert(at);
                }
            }
            EventKind::ClockStarted { .. }
            | EventKind::ClockPaused { .. }
            | EventKind::ClockResumed { .. }
            | EventKind::ClockStopped { .. }
            | EventKind::SlaWarned { .. }
            | EventKind::SlaBreached { .. } => self.evolve_clock(at, &event.kind),
            EventKind::RuleFired { .. }
            | EventKind::OwnerRequired { .. }
            | EventKind::EscalationRequired { .. }
            | EventKind::ApologyRequired { .. }
            | EventKind::GestureRecommended { .. }
            | EventKind::ReviewRequired { .. }
            | EventKind::Notified { .. }
            | EventKind::RuleArmed { .. }
            | EventKind::RuleDisarmed { .. } => self.evolve_rules(at, &event.kind),
            EventKind::PolicyAdopted { policy } => self.adopted_policy = Some(policy.clone()),
            EventKind::Closed { outcome, review } => {
                if !matches!(self.status, Status::Closed { .. }) {
                    self.status = Status::Closed {
                        last_owner: self.owner().cloned(),
                        outcome: *outcome,
                        at,
                        review: review.clone(),
                    };
                }
            }
            EventKind::GestureOffered { .. }
            | EventKind::OfferAccepted { .. }
            | EventKind::OfferDeclined { .. }
            | EventKind::GestureGranted { .. } => self.evolve_gesture(event),
        }
    }

    fn take_ownership(&mut self, agent: &Agent, at: DateTime<Utc>) {
        let ownership = Ownership {
            agent: agent.clone(),
            since: at,
            handoff: None,
        };
        match &mut self.status {
            Status::Working { owner }
            | Status::AwaitingCustomer { owner, .. }
            | Status::Resolved { owner, .. } => *owner = ownership,
            Status::New | Status::Unopened => self.status = Status::Working { owner: ownership },
            Status::Closed { .. } => {}
        }
    }

    fn settle(&mut self, id: PromiseId, state: PromiseState) {
        if let Some(p) = self
            .promises
            .iter_mut()
            .find(|p| p.id == id && p.state == PromiseState::Open)
        {
            p.state = state;
        }
    }

    /// Decides what a command does to the case: the events to apply, or why
    /// not. Pure: it never changes the case; apply the events it returns.
    ///
    /// In order, it checks: a command id already applied yields no events
    /// (idempotency); an expected version other than the case's is
    /// [`Refusal::StaleVersion`]; a command time after `now` is
    /// [`Refusal::InTheFuture`]; an agent whose tier the policy does not name
    /// is [`Refusal::UnknownTier`]; then who may do what in which state.
    ///
    /// Only the owner, an agent of a higher tier than the owner, or the
    /// system may act for the company; on a case with no owner yet any agent
    /// may. Customers may only open a case by contacting or answering a
    /// survey, contact, answer surveys, confirm a resolution, accept or
    /// decline an offered gesture, or say they are leaving.
    ///
    /// Offers and grants of gestures also pass the recovery guards (too
    /// late, double remedy, apology first, the caps, tier authority), in the
    /// order [`check_grant`](crate::recovery::check_grant) documents; the
    /// first one broken is the refusal.
    ///
    /// # Errors
    /// A [`Refusal`] naming the state and the command, or the rule broken.
    ///
    /// # Example
    /// ```
    /// use escalate::{Actor, Agent, Case, Command, CommandKind, EventKind};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// // The case is owned by sam (frontline): another frontline agent may not resolve it.
    /// let t = "2021-03-05T10:00:00Z".parse()?;
    /// let kim = Agent::new("kim".parse()?, "frontline".parse()?);
    /// let cmd = Command::new("c-7".parse()?, Actor::Agent(kim), t,
    ///     CommandKind::Resolve { summary: "done".into() });
    /// let refusal = case.handle(&policy, cmd, t).unwrap_err();
    /// assert_eq!(refusal.to_string(), "kim (frontline) may not resolve a case owned by \
    ///     sam (frontline): only the owner, an agent of a higher tier or the system may");
    /// // The owner may; `handle` returns the events and leaves the case as it was.
    /// let sam = Agent::new("sam".parse()?, "frontline".parse()?);
    /// let cmd = Command::new("c-8".parse()?, Actor::Agent(sam), t,
    ///     CommandKind::Resolve { summary: "right cabinet delivered".into() });
    /// let events = case.handle(&policy, cmd, t)?;
    /// assert!(matches!(events[0].kind(), EventKind::Resolved { .. }));
    /// assert_eq!(case.version(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn handle(
        &self,
        policy: &Policy,
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, Refusal> {
        if self.has_applied(&command.id) {
            return Ok(Vec::new());
        }
        if let Some(expected) = command.expected_version
            && expected != self.version()
        {
            return Err(Refusal::StaleVersion {
                expected,
                actual: self.version(),
            });
        }
        if command.at > now {
            return Err(Refusal::InTheFuture {
                at: command.at,
                now,
            });
        }
        if let Actor::Agent(agent) = &command.actor {
            known_tier(policy, agent)?;
        }
        if let Some(current) = self.policy_version()
            && current != policy.version()
            && command.kind != CommandKind::AdoptPolicy
        {
            return Err(Refusal::PolicyMismatch {
                case: current.into(),
                given: policy.version().into(),
            });
        }
        let Command {
            id,
            actor,
            at,
            kind,
            ..
        } = command;
        let version = self.version();
        let event = |version, actor, command, kind| Event {
            version,
            at,
            actor,
            command: Some(command),
            kind,
        };
        let mut events = Vec::with_capacity(2);
        let mut push = |kind| {
            let version = version + events.len() as u64 + 1;
            events.push(event(version, actor.clone(), id.clone(), kind));
        };
        match self.decide(policy, &actor, kind, at)? {
            Decision::One(kind) => push(kind),
            Decision::Two(first, second) => {
                push(first);
                push(second);
            }
            Decision::Many(kinds) => kinds.into_iter().for_each(push),
        }
        for (when, kind) in self.clock_effects(policy, at, &events) {
            let version = version + events.len() as u64 + 1;
            events.push(Event {
                at: when,
                ..event(version, Actor::System, id.clone(), kind)
            });
        }
        for (_, kind) in self.rule_effects(policy, &events) {
            let version = version + events.len() as u64 + 1;
            events.push(event(version, Actor::System, id.clone(), kind));
        }
        Ok(events)
    }

    /// Whether a command with this id has already been applied.
    fn has_applied(&self, id: &CommandId) -> bool {
        self.command_ids.contains(id)
    }

    /// The event kinds a command produces, or the refusal.
    #[allow(clippy::too_many_lines)] // one arm per command kind reads best as one match
    fn decide(
        &self,
        policy: &Policy,
        actor: &Actor,
        kind: CommandKind,
        at: DateTime<Utc>,
    ) -> Result<Decision, Refusal> {
        use Decision::{One, Two};
        let name = kind.name();
        let state = self.status.name();
        let invalid = || Refusal::InvalidTransition {
            state,
            command: name,
        };
        let open_states = matches!(
            state,
            StateName::New | StateName::Working | StateName::AwaitingCustomer | StateName::Resolved
        );
        match kind {
            CommandKind::Open {
                customer,
                origin,
                summary,
                priority,
            } => {
                if state != StateName::Unopened {
                    return Err(invalid());
                }
                let from_customer =
                    matches!(origin, Origin::Contact { .. } | Origin::Survey { .. });
                if *actor == Actor::Customer && !from_customer {
                    return Err(Refusal::CustomerNotAllowed { command: name });
                }
                let follow_up = match (&origin, actor) {
                    (Origin::Contact { channel }, _) => Some(EventKind::Contacted {
                        channel: *channel,
                        note: summary.clone(),
                    }),
                    (Origin::Survey { score }, _) => Some(EventKind::SurveyAnswered {
                        score: *score,
                        comment: summary.clone(),
                    }),
                    (Origin::InternalDetection, Actor::Agent(agent)) => {
                        Some(EventKind::Assigned { to: agent.clone() })
                    }
                    _ => None,
                };
                let opened = EventKind::Opened(Arc::new(Opened {
                    case: self.id.clone(),
                    customer,
                    origin,
                    summary,
                    priority,
                    policy: policy.version().into(),
                    time_zone: policy.time_zone(),
                }));
                Ok(match follow_up {
                    Some(second) => Two(opened, second),
                    None => One(opened),
                })
            }
            CommandKind::Contact { channel, note } => {
                if !open_states {
                    return Err(invalid());
                }
                customer_or_system(actor, name)?;
                let contacted = EventKind::Contacted { channel, note };
                if state == StateName::Resolved {
                    Ok(Two(EventKind::Reopened, contacted))
                } else {
                    Ok(One(contacted))
                }
            }
            CommandKind::AnswerSurvey { score, comment } => {
                if !open_states {
                    return Err(invalid());
                }
                customer_or_system(actor, name)?;
                Ok(One(EventKind::SurveyAnswered { score, comment }))
            }
            CommandKind::SignalChurn { note } => {
                if !open_states {
                    return Err(invalid());
                }
                if *actor != Actor::Customer {
                    self.for_company(policy, actor, name)?;
                }
                Ok(One(EventKind::ChurnSignalled { note }))
            }
            CommandKind::ConfirmResolution => {
                if state != StateName::Resolved {
                    return Err(invalid());
                }
                if *actor != Actor::Customer {
                    return Err(Refusal::CustomerOnly {
                        actor: actor.clone(),
                        command: name,
                    });
                }
                Ok(One(EventKind::ResolutionConfirmed))
            }
            CommandKind::Respond {
                channel,
                note,
                kind,
            } => {
                if !open_states {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                Ok(One(EventKind::Responded {
                    channel,
                    note,
                    kind,
                }))
            }
            CommandKind::Assign { to } => {
                if state != StateName::New {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                known_tier(policy, &to)?;
                Ok(One(EventKind::Assigned { to }))
            }
            CommandKind::HandOff { to } => {
                let Some(owner) = self.active_owner() else {
                    return Err(invalid());
                };
                self.for_company(policy, actor, name)?;
                known_tier(policy, &to)?;
                if to.id() == owner.agent.id() {
                    return Err(Refusal::AlreadyOwner {
                        agent: owner.agent.clone(),
                    });
                }
                Ok(One(EventKind::HandoffOffered { to }))
            }
            CommandKind::AcceptHandoff | CommandKind::DeclineHandoff => {
                let Some(owner) = self.active_owner() else {
                    return Err(invalid());
                };
                let Some(handoff) = &owner.handoff else {
                    return Err(Refusal::NoHandoffPending);
                };
                match actor {
                    Actor::Agent(agent) if agent.id() == handoff.to.id() => {
                        let by = agent.clone();
                        if name == CommandName::AcceptHandoff {
                            Ok(One(EventKind::HandoffAccepted { by }))
                        } else {
                            Ok(One(EventKind::HandoffDeclined { by }))
                        }
                    }
                    Actor::Customer => Err(Refusal::CustomerNotAllowed { command: name }),
                    _ => Err(Refusal::NotOfferedTo {
                        actor: actor.clone(),
                        offered_to: handoff.to.clone(),
                    }),
                }
            }
            CommandKind::Escalate { to, reason } => {
                let Some(owner) = self.active_owner() else {
                    return Err(invalid());
                };
                self.for_company(policy, actor, name)?;
                let to_rank = known_tier(policy, &to)?;
                let from_rank = policy.rank(owner.agent.tier());
                if from_rank.is_some_and(|from| to_rank <= from) {
                    return Err(Refusal::NotHigherTier {
                        from: owner.agent.clone(),
                        to,
                    });
                }
                Ok(One(EventKind::Escalated { to, reason }))
            }
            CommandKind::RecordFailure {
                kind,
                description,
                loss,
            } => {
                if !open_states {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                if let Some(loss) = loss.filter(|l| l.minor() < 0) {
                    return Err(Refusal::NegativeLoss { loss });
                }
                Ok(One(EventKind::FailureRecorded {
                    failure: FailureId::next_after(self.ledger.failures().len()),
                    kind,
                    description,
                    loss,
                }))
            }
            CommandKind::Promise { what, due } => {
                if !open_states {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                Ok(One(EventKind::PromiseMade {
                    promise: PromiseId::next_after(self.promises.len()),
                    what,
                    due: Some(due),
                }))
            }
            CommandKind::KeepPromise { promise } | CommandKind::BreakPromise { promise } => {
                if !open_states {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                let found = self
                    .promises
                    .iter()
                    .find(|p| p.id == promise)
                    .ok_or(Refusal::UnknownPromise { promise })?;
                if found.state != PromiseState::Open {
                    return Err(Refusal::PromiseSettled {
                        promise,
                        state: found.state,
                    });
                }
                if name == CommandName::KeepPromise {
                    Ok(One(EventKind::PromiseKept { promise }))
                } else {
                    Ok(One(EventKind::PromiseBroken { promise }))
                }
            }
            CommandKind::WaitOnCustomer { reason } => {
                if state != StateName::Working {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                Ok(One(EventKind::AwaitingCustomer { reason }))
            }
            CommandKind::Resolve { summary } => {
                if self.active_owner().is_none() {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                let deflected_only = self.deflections > 0 && self.answers == 0;
                match policy.deflection() {
                    DeflectionPolicy::Refuse if deflected_only => Err(Refusal::DeflectionOnly {
                        deflections: self.deflections,
                    }),
                    DeflectionPolicy::RecordFailure if deflected_only => Ok(Two(
                        EventKind::FailureRecorded {
                            failure: FailureId::next_after(self.ledger.failures().len()),
                            kind: FailureKind::Attention,
                            description: "resolved with only a deflection: the customer was pointed elsewhere, not helped".into(),
                            loss: None,
                        },
                        EventKind::Resolved { summary },
                    )),
                    _ => Ok(One(EventKind::Resolved { summary })),
                }
            }
            CommandKind::Close { outcome, review } => {
                if !open_states {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                self.check_review(policy, outcome, review.as_ref())?;
                Ok(One(EventKind::Closed { outcome, review }))
            }
            CommandKind::AdoptPolicy => {
                if !open_states {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                if self.policy_version() == Some(policy.version()) {
                    return Err(Refusal::PolicyUnchanged {
                        policy: policy.version().into(),
                    });
                }
                Ok(One(EventKind::PolicyAdopted {
                    policy: policy.version().into(),
                }))
            }
            CommandKind::Offer { .. }
            | CommandKind::Grant { .. }
            | CommandKind::GrantOffer { .. }
            | CommandKind::AcceptOffer { .. }
            | CommandKind::DeclineOffer { .. } => {
                if !open_states {
                    return Err(invalid());
                }
                self.decide_gesture(policy, actor, kind, at)
                    .map(Decision::Many)
            }
        }
    }

    /// The ownership of a case that is being worked on or waiting on the customer.
    fn active_owner(&self) -> Option<&Ownership> {
        match &self.status {
            Status::Working { owner } | Status::AwaitingCustomer { owner, .. } => Some(owner),
            _ => None,
        }
    }

    /// Checks that `actor` may act for the company on this case.
    fn for_company(
        &self,
        policy: &Policy,
        actor: &Actor,
        command: CommandName,
    ) -> Result<(), Refusal> {
        match actor {
            Actor::Customer => Err(Refusal::CustomerNotAllowed { command }),
            Actor::System => Ok(()),
            Actor::Agent(agent) => {
                let Some(owner) = self.owner() else {
                    return Ok(());
                };
                if agent.id() == owner.id() {
                    return Ok(());
                }
                let rank = known_tier(policy, agent)?;
                match policy.rank(owner.tier()) {
                    Some(owner_rank) if rank <= owner_rank => Err(Refusal::NotOwner {
                        actor: agent.clone(),
                        owner: owner.clone(),
                        command,
                    }),
                    _ => Ok(()),
                }
            }
        }
    }
}

/// Checks that `actor` is the customer or the system (customer-side commands).
fn customer_or_system(actor: &Actor, command: CommandName) -> Result<(), Refusal> {
    match actor {
        Actor::Customer | Actor::System => Ok(()),
        Actor::Agent(_) => Err(Refusal::CustomerOnly {
            actor: actor.clone(),
            command,
        }),
    }
}

/// What a command produces: one event, two, or any number.
enum Decision {
    One(EventKind),
    Two(EventKind, EventKind),
    Many(Vec<EventKind>),
}

/// The agent's tier rank, or the refusal naming the policy's tiers.
fn known_tier(policy: &Policy, agent: &Agent) -> Result<usize, Refusal> {
    policy
        .rank(agent.tier())
        .ok_or_else(|| Refusal::UnknownTier {
            tier: agent.tier().clone(),
            known: policy.tier_list(),
        })
}

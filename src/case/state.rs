//! Where a case stands: its states, each with its own data, and who owns it.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::owner::Agent;

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
///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
/// }
/// // Opened, nobody owns it yet.
/// assert!(matches!(case.status(), Status::New));
/// assert_eq!(case.status().name(), StateName::New);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// Owned, and paused: waiting on the customer, or for another of the
    /// policy's pause reasons ([`Case::pause`](crate::Case::pause) says
    /// which).
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
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

    pub(super) fn ownership_mut(&mut self) -> Option<&mut Ownership> {
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
///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
/// }
/// let ownership = case.status().ownership().unwrap();
/// assert_eq!(ownership.agent().id().as_str(), "sam");
/// assert!(ownership.handoff().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ownership {
    pub(super) agent: Agent,
    pub(super) since: DateTime<Utc>,
    pub(super) handoff: Option<Handoff>,
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert!(case.status().ownership().unwrap().handoff().is_none());
    /// // sam offers the case to kim; until kim accepts, sam stays the owner.
    /// let offer: Command = serde_json::from_str(r#"{"id": "c-3", "actor": "system", "at": "2021-03-05T14:00:00Z",
    ///     "kind": {"type": "hand_off", "to": {"id": "kim", "tier": "frontline"}}}"#)?;
    /// let now = offer.at();
    /// for event in case.handle(&policy, offer, now)? { case.apply(&event)?; }
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
///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
/// }
/// // The case is owned by sam; the system offers it to kim.
/// let kim = Agent::new("kim".parse()?, "frontline".parse()?);
/// let t: DateTime<Utc> = "2021-03-05T14:00:00Z".parse()?;
/// let offer = Command::new("c-9".parse()?, Actor::System, t, CommandKind::HandOff { to: kim.clone() });
/// for e in case.handle(&policy, offer, t)? { case.apply(&e)?; }
/// let handoff = case.status().ownership().unwrap().handoff().unwrap();
/// assert_eq!(handoff.to(), &kim);
/// assert_eq!(handoff.offered_at(), t);
/// assert_eq!(case.owner().unwrap().id().as_str(), "sam"); // still accountable
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Handoff {
    pub(super) to: Agent,
    pub(super) offered_at: DateTime<Utc>,
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // The case is owned by sam; the system offers it to kim.
    /// let kim = Agent::new("kim".parse()?, "frontline".parse()?);
    /// let t: DateTime<Utc> = "2021-03-05T14:00:00Z".parse()?;
    /// let offer = Command::new("c-9".parse()?, Actor::System, t, CommandKind::HandOff { to: kim.clone() });
    /// for e in case.handle(&policy, offer, t)? { case.apply(&e)?; }
    /// let handoff = case.status().ownership().unwrap().handoff().unwrap();
    /// assert_eq!(handoff.to(), &kim);
    /// // Once kim accepts, kim owns the case and no handoff is pending.
    /// let accept = Command::new("c-10".parse()?, Actor::Agent(kim.clone()), t, CommandKind::AcceptHandoff);
    /// for e in case.handle(&policy, accept, t)? { case.apply(&e)?; }
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // The case is owned by sam; the system offers it to kim.
    /// let kim = Agent::new("kim".parse()?, "frontline".parse()?);
    /// let t: DateTime<Utc> = "2021-03-05T14:00:00Z".parse()?;
    /// let offer = Command::new("c-9".parse()?, Actor::System, t, CommandKind::HandOff { to: kim.clone() });
    /// for e in case.handle(&policy, offer, t)? { case.apply(&e)?; }
    /// let handoff = case.status().ownership().unwrap().handoff().unwrap();
    /// assert_eq!(handoff.offered_at(), t);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn offered_at(&self) -> DateTime<Utc> {
        self.offered_at
    }
}

/// A pause in force: why, since when, until when, and whether a customer
/// contact ends it (see [`CommandKind::Pause`](crate::CommandKind::Pause)).
///
/// # Example
/// ```
/// use escalate::{Actor, Case, Command, CommandKind};
/// use escalate::policy::{PauseName, Policy};
/// let policy = Policy::default();
/// let mut case = Case::new("CAB-1".parse()?);
/// let commands: Vec<Command> = serde_json::from_str(r#"[
///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
///    "customer": {"id": "cust-9", "value": "standard"},
///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
///   {"id": "c-2", "actor": "system", "at": "2021-03-04T15:20:00Z",
///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
///   {"id": "c-3", "actor": "system", "at": "2021-03-04T15:30:00Z",
///    "kind": {"type": "respond", "channel": "phone", "note": "we will swap it", "kind": "answer"}},
///   {"id": "c-4", "actor": "system", "at": "2021-03-04T15:40:00Z",
///    "kind": {"type": "wait_on_customer", "reason": "a photo of the label"}}
/// ]"#)?;
/// for command in commands {
///     let now = command.at();
///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
/// }
/// let pause = case.pause().unwrap();
/// assert_eq!(pause.reason, PauseName::awaiting_customer());
/// assert_eq!(pause.since, "2021-03-04T15:40:00Z".parse::<chrono::DateTime<chrono::Utc>>()?);
/// assert_eq!(pause.until, None);
/// assert!(pause.ends_on_contact);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pause {
    /// The policy's reason.
    pub reason: crate::policy::PauseName,
    /// When it began.
    pub since: DateTime<Utc>,
    /// When it ends by itself, if it was scheduled.
    pub until: Option<DateTime<Utc>>,
    /// Whether a customer contact ends it.
    pub ends_on_contact: bool,
}

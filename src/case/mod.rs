//! The case aggregate: its states, and the decide/apply cycle.

mod clocks;
mod command;
mod decide;
mod event;
mod evolve;
mod gestures;
mod obligations;
mod refusal;
mod rules;
mod state;
mod timeline;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use command::{Command, CommandKind, CommandName};
pub use event::{Event, EventKind, Opened};
pub use refusal::{ApplyError, Refusal, ReplayError};
pub use state::{Handoff, Ownership, StateName, Status};

use crate::customer::{Contact, Customer, Failure, Origin, Promise, SurveyScore};
use crate::ids::{CaseId, CommandId, Tier};
use crate::owner::Agent;
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
///     case.apply(&event)?;
/// }
/// let sam = Agent::new("sam".parse()?, "frontline".parse()?);
/// let t: DateTime<Utc> = "2021-03-04T20:11:00Z".parse()?;
/// let assign = Command::new("c-2".parse()?, Actor::System, t, CommandKind::Assign { to: sam.clone() });
/// for event in case.handle(&policy, assign, t)? {
///     case.apply(&event)?;
/// }
/// assert_eq!(case.owner(), Some(&sam));
/// assert_eq!(case.version(), 3); // opened, contacted, assigned
/// assert_eq!(Case::replay(case.events().to_vec())?, case);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    id: CaseId,
    /// Unopened, or opened with what only an opened case has.
    stage: Stage,
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
    /// Offers made, in order.
    offers: Vec<crate::recovery::Offer>,
    /// What the recovery guards read: failures, grants, the churn signal.
    ledger: Ledger,
    /// Hashes of the ids of applied commands (checked against `events` on a hit).
    command_ids: HashSet<CommandId>,
    events: Vec<Event>,
}

/// Whether a case is opened. What an opened case has lives in the opened
/// stage only: a case is never opened without its opening, nor unopened
/// with a state other than [`Status::Unopened`].
#[derive(Clone, Debug, PartialEq, Eq)]
enum Stage {
    /// Nothing applied yet.
    Unopened,
    /// Opened (and perhaps closed since).
    Opened(Life),
}

/// What only an opened case has.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Life {
    /// What the case was opened with.
    opened: Arc<Opened>,
    /// When.
    opened_at: DateTime<Utc>,
    /// Where it stands; never [`Status::Unopened`].
    status: Status,
    /// The version label of the policy it runs under: the opening one, or
    /// the last one adopted.
    policy: Text,
    /// The latest event time seen.
    latest: DateTime<Utc>,
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
            stage: Stage::Unopened,
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
            offers: Vec::new(),
            ledger: Ledger::default(),
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
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
            // `apply`'s checks, without copying the event: the log is kept whole.
            case.check(event, position as u64)
                .map_err(|error| match error {
                    ApplyError::Version {
                        expected, found, ..
                    } => ReplayError::VersionGap {
                        position,
                        expected,
                        found,
                    },
                    error => ReplayError::Invalid { position, error },
                })?;
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.status().name(), escalate::StateName::Working);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn status(&self) -> &Status {
        match &self.stage {
            Stage::Unopened => &Status::Unopened,
            Stage::Opened(life) => &life.status,
        }
    }

    /// What only an opened case has; `None` before the case is opened.
    fn life(&self) -> Option<&Life> {
        match &self.stage {
            Stage::Unopened => None,
            Stage::Opened(life) => Some(life),
        }
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.owner().unwrap().id().as_str(), "sam");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn owner(&self) -> Option<&Agent> {
        self.status().ownership().map(|o| &o.agent)
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.customer().unwrap().id().as_str(), "cust-9");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn customer(&self) -> Option<&Customer> {
        self.life().map(|l| &l.opened.customer)
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.origin(), Some(&Origin::Contact { channel: Channel::Phone }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn origin(&self) -> Option<&Origin> {
        self.life().map(|l| &l.opened.origin)
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.policy_version(), Some("default")); // `Policy::default()`'s version
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn policy_version(&self) -> Option<&str> {
        self.life().map(|l| l.policy.as_str())
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.time_zone().name(), "America/New_York");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn time_zone(&self) -> Tz {
        self.life().map_or(Tz::UTC, |l| l.opened.time_zone)
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.opened_at(), Some("2021-03-04T15:10:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn opened_at(&self) -> Option<DateTime<Utc>> {
        self.life().map(|l| l.opened_at)
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.latest(), Some("2021-03-04T20:11:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn latest(&self) -> Option<DateTime<Utc>> {
        self.life().map(|l| l.latest)
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert!(case.surveys().is_empty());
    /// let survey: Command = serde_json::from_str(r#"{"id": "c-2", "actor": "customer",
    ///     "at": "2021-03-05T09:00:00Z", "kind": {"type": "answer_survey", "score": 1, "comment": "still waiting"}}"#)?;
    /// let now = survey.at();
    /// for event in case.handle(&policy, survey, now)? { case.apply(&event)?; }
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.churned_at(), None);
    /// let left: Command = serde_json::from_str(r#"{"id": "c-2", "actor": "customer",
    ///     "at": "2021-03-05T09:00:00Z", "kind": {"type": "signal_churn", "note": "bought elsewhere"}}"#)?;
    /// let now = left.at();
    /// for event in case.handle(&policy, left, now)? { case.apply(&event)?; }
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.outcome(), None);
    /// let close: Command = serde_json::from_str(r#"{"id": "c-2", "actor": "system",
    ///     "at": "2021-03-26T16:00:00Z", "kind": {"type": "close", "outcome": "lost"}}"#)?;
    /// let now = close.at();
    /// for event in case.handle(&policy, close, now)? { case.apply(&event)?; }
    /// assert_eq!(case.outcome(), Some(escalate::Outcome::Lost));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn outcome(&self) -> Option<crate::Outcome> {
        match self.status() {
            Status::Closed { outcome, .. } => Some(*outcome),
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.events().len(), 2); // opened, contacted
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn events(&self) -> &[Event] {
        &self.events
    }
}

//! The case aggregate: its states, and the decide/apply cycle.

mod clocks;
mod command;
mod decide;
pub(crate) use decide::Due;
mod event;
mod event_json;
mod evolve;
mod gestures;
mod obligations;
mod refusal;
mod report;
mod rules;
mod snapshot;
mod state;
mod timeline;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use command::{Command, CommandKind, CommandName};
pub use event::{Event, EventKind, Opened};
pub use obligations::ApologyOwed;
pub use refusal::{ApplyError, Refusal, ReplayError};
pub use report::{ReportError, SlaReport, SlaRow, SlaTally};
pub use snapshot::Snapshot;
pub use state::{Handoff, Ownership, Pause, StateName, Status};
pub use timeline::Timeline;

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
/// decreases, and [`Timeline`] lists events in arrival order,
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
/// let mut log = Vec::new(); // the host keeps the events
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
///     log.push(event);
/// }
/// let sam = Agent::new("sam".parse()?, "frontline".parse()?);
/// let t: DateTime<Utc> = "2021-03-04T20:11:00Z".parse()?;
/// let assign = Command::new("c-2".parse()?, Actor::System, t, CommandKind::Assign { to: sam.clone() });
/// for event in case.handle(&policy, assign, t)? {
///     case.apply(&event)?;
///     log.push(event);
/// }
/// assert_eq!(case.owner(), Some(&sam));
/// assert_eq!(case.version(), 3); // opened, contacted, assigned
/// assert_eq!(Case::replay(&log)?, case);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Case {
    id: CaseId,
    /// Unopened, or opened with what only an opened case has.
    stage: Stage,
    /// The number of events applied.
    version: u64,
    /// Whether answered contacts, stopped clocks and settled promises are
    /// folded away (a case) or kept (the case a [`Timeline`] reads).
    retention: Retention,
    /// The contacts kept: the unanswered ones (and, when everything is
    /// kept, the answered ones before them).
    contacts: Vec<Contact>,
    /// Contacts before this index have all been answered.
    unanswered_from: usize,
    /// Every customer contact, answered or not.
    contact_count: u32,
    /// Open promises (and, when everything is kept, settled ones).
    promises: Vec<Promise>,
    /// How settled promises ended, for the refusal that names it.
    settled: Vec<(crate::customer::PromiseId, crate::customer::PromiseState)>,
    /// Every promise made, kept or not.
    promise_count: u32,
    /// Surveys answered (all of them only when everything is kept).
    surveys: Vec<(DateTime<Utc>, SurveyScore)>,
    /// The latest survey answer.
    last_survey: Option<(DateTime<Utc>, SurveyScore)>,
    /// Survey answers scoring at most 1, 2, 3, 4 and 5.
    surveys_at_most: [u32; 5],
    /// Clocks that are not stopped, and the latest clock of each metric
    /// (a reopening may resume it); every clock when everything is kept.
    /// In the order they started, so ids ascend.
    clocks: Vec<SlaClock>,
    /// Every clock started.
    clock_count: u32,
    /// Warnings and breaches recorded, per metric (in the order of
    /// `rules::metric_index`). Snapshots written before tier-ownership
    /// clocks hold five counts: the sixth reads as zero.
    #[serde(with = "per_metric")]
    warnings: [u32; METRICS],
    #[serde(with = "per_metric")]
    breaches: [u32; METRICS],
    /// Customer contacts since opening or the last reopening.
    contacts_in_cycle: u32,
    public_contacts: u32,
    answers: u32,
    deflections: u32,
    /// Escalations by hand or required by rules.
    escalations: u32,
    /// Whether anyone escalated the case by hand.
    escalated: bool,
    /// The tier a rule required an escalation to, until someone of it owns the case.
    escalation_pending: Option<Tier>,
    /// The highest tier a rule has required.
    required_tier: Option<Tier>,
    /// Since when the requirement stands: the first rule that required an
    /// owner since an owner of the required tier last took the case.
    required_since: Option<DateTime<Utc>>,
    /// The rule that requires a review before closing.
    review_required: Option<Text>,
    /// When it did.
    review_since: Option<DateTime<Utc>>,
    /// Apologies rules require and no agent of the tier has granted since:
    /// the tier, the rule, since when (one per tier, the oldest).
    apologies_owed: Vec<(Tier, Text, DateTime<Utc>)>,
    /// The policy's tiers, most junior first, as the latest apology
    /// requirement carried them: an apology from a tier at or after the
    /// owed one settles it. Empty for logs whose requirements carry none
    /// (then only the owed tier itself settles it); left out of snapshots
    /// when empty, so their layout is unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    apology_tiers: Vec<Tier>,
    /// Delayed rules whose condition holds: since when, and their firings since.
    armed: Vec<Armed>,
    /// The latest firing of each rule that has fired.
    last_fired: Vec<(Text, DateTime<Utc>)>,
    /// Offers made, in order.
    offers: Vec<crate::recovery::Offer>,
    /// What the recovery guards read: failures, grants, the churn signal.
    ledger: Ledger,
    /// The command of the latest event, if it had one.
    last_command: Option<CommandId>,
    /// The ids of the latest commands applied.
    recent_commands: RecentCommands,
}

/// Whether a case folds its past away.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Retention {
    /// Only what deciding needs (every case).
    Compact,
    /// Everything, for the [`Timeline`].
    Everything,
}

/// A delayed rule whose condition holds.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Armed {
    rule: Text,
    /// When its condition started to hold.
    since: DateTime<Utc>,
    /// Its firings since then.
    fired: u32,
    /// The latest of them.
    last: Option<DateTime<Utc>>,
    /// When it next fires, counted from the instant given (the later of
    /// its latest firing and the start of its delay), worked out under the
    /// policy of the fingerprint given; emptied when it fires.
    #[serde(skip)]
    next: crate::memo::Memo<(u64, DateTime<Utc>, Option<DateTime<Utc>>)>,
}

/// The ids of the latest [`Case::COMMAND_WINDOW`] commands applied, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct RecentCommands(std::collections::VecDeque<CommandId>);

impl RecentCommands {
    fn contains(&self, id: &CommandId) -> bool {
        // Newest first: a retry is most often of the latest command.
        self.0.iter().rev().any(|known| known == id)
    }

    fn push(&mut self, id: CommandId) {
        if self.0.len() >= Case::COMMAND_WINDOW {
            self.0.pop_front();
        }
        self.0.reserve_exact(1);
        self.0.push_back(id);
    }
}

/// Whether a case is opened. What an opened case has lives in the opened
/// stage only: a case is never opened without its opening, nor unopened
/// with a state other than [`Status::Unopened`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Stage {
    /// Nothing applied yet.
    Unopened,
    /// Opened (and perhaps closed since).
    Opened(Life),
}

/// What only an opened case has.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// That policy's content fingerprint, when the log records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    policy_fingerprint: Option<crate::policy::PolicyFingerprint>,
    /// The latest event time seen.
    latest: DateTime<Utc>,
    /// The priority since the last `priority_changed`; `None` while it is
    /// the opening one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    priority: Option<crate::Priority>,
    /// The pause in force; kept only while the status is `AwaitingCustomer`
    /// (`evolve` clears it when the wait ends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pause: Option<Box<Pause>>,
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
            version: 0,
            retention: Retention::Compact,
            contacts: Vec::new(),
            unanswered_from: 0,
            contact_count: 0,
            promises: Vec::new(),
            settled: Vec::new(),
            promise_count: 0,
            surveys: Vec::new(),
            last_survey: None,
            surveys_at_most: [0; 5],
            clocks: Vec::new(),
            clock_count: 0,
            warnings: [0; METRICS],
            breaches: [0; METRICS],
            contacts_in_cycle: 0,
            public_contacts: 0,
            answers: 0,
            deflections: 0,
            escalations: 0,
            escalated: false,
            escalation_pending: None,
            required_tier: None,
            required_since: None,
            review_required: None,
            review_since: None,
            apologies_owed: Vec::new(),
            apology_tiers: Vec::new(),
            armed: Vec::new(),
            last_fired: Vec::new(),
            offers: Vec::new(),
            ledger: Ledger::default(),
            last_command: None,
            recent_commands: RecentCommands::default(),
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
    /// let mut log = Vec::new(); // the host keeps the events
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// // Store the events (here as JSON), read them back, rebuild the case.
    /// let stored = serde_json::to_string(&log)?;
    /// let replayed = Case::replay(serde_json::from_str::<Vec<escalate::Event>>(&stored)?)?;
    /// assert_eq!(replayed, case);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replay<E: std::borrow::Borrow<Event>>(
        events: impl IntoIterator<Item = E>,
    ) -> Result<Case, ReplayError> {
        Case::replay_keeping(events, Retention::Compact)
    }

    /// [`replay`](Self::replay), keeping what `retention` says.
    fn replay_keeping<E: std::borrow::Borrow<Event>>(
        events: impl IntoIterator<Item = E>,
        retention: Retention,
    ) -> Result<Case, ReplayError> {
        let mut events = events.into_iter();
        let first = events.next().ok_or(ReplayError::Empty)?;
        let EventKind::Opened(opened) = &first.borrow().kind else {
            return Err(ReplayError::NotOpened);
        };
        let mut case = Case::new(opened.case.clone());
        case.retention = retention;
        for (position, event) in std::iter::once(first).chain(events).enumerate() {
            case.apply(event.borrow())
                .map_err(|error| ReplayError::at(position, error))?;
        }
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
    /// let mut log = Vec::new(); // the host keeps the events
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// assert_eq!(case.version(), 2); // opened, contacted
    /// assert_eq!(case.version(), log.len() as u64);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
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

    /// The pause in force, while the case waits
    /// ([`Status::AwaitingCustomer`]); `None` otherwise. An
    /// `awaiting_customer` event of a log written before pause reasons
    /// reads as that pause, ended by a customer contact; a case restored
    /// from a snapshot taken before them waits with no record here, and a
    /// contact ends its wait. See [`Pause`] for an example.
    #[must_use]
    pub fn pause(&self) -> Option<&Pause> {
        self.life().and_then(|l| l.pause.as_deref())
    }

    /// The content fingerprint of the policy the case runs under (the
    /// opening one, or the last one adopted); `None` before opening, and
    /// for a case whose log was written before fingerprints were recorded
    /// (such a case accepts any content under its label).
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// assert_eq!(case.policy_fingerprint(), None);
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z",
    ///   "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
    ///            "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// assert_eq!(case.policy_fingerprint(), Some(policy.fingerprint()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn policy_fingerprint(&self) -> Option<crate::policy::PolicyFingerprint> {
        self.life().and_then(|l| l.policy_fingerprint)
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

    /// The open promises, in the order they were made. Kept and broken
    /// ones are counted ([`promise_count`](Self::promise_count));
    /// [`Timeline::promises`] lists them all.
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

    /// How many times the customer has contacted the company about the
    /// case, answered or not. The case keeps only the unanswered contacts
    /// ([`unanswered`](Self::unanswered)); [`Timeline::contacts`] lists them all.
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
    ///   {"id": "c-2", "actor": "customer", "at": "2021-03-04T16:10:00Z",
    ///    "kind": {"type": "contact", "channel": "email", "note": "any news?"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.contact_count(), 2);
    /// assert_eq!(case.unanswered().len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn contact_count(&self) -> u32 {
        self.contact_count
    }

    /// How many promises the company has made on the case, kept, broken or
    /// open. The case keeps only the open ones ([`promises`](Self::promises));
    /// [`Timeline::promises`] lists them all.
    ///
    /// # Example
    /// ```
    /// use escalate::Case;
    /// assert_eq!(Case::new("CAB-1".parse()?).promise_count(), 0);
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn promise_count(&self) -> u32 {
        self.promise_count
    }

    /// How many SLA clocks the case has started. The case keeps the clocks
    /// that still matter ([`clocks`](Self::clocks)); [`Timeline::clocks`]
    /// lists them all.
    ///
    /// # Example
    /// ```
    /// use escalate::Case;
    /// assert_eq!(Case::new("CAB-1".parse()?).clock_count(), 0);
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn clock_count(&self) -> u32 {
        self.clock_count
    }

    /// The customer's latest survey answer, and when. The case counts the
    /// others; [`Timeline::surveys`] lists them all.
    ///
    /// # Example
    /// ```
    /// use escalate::Case;
    /// assert_eq!(Case::new("CAB-1".parse()?).last_survey(), None);
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn last_survey(&self) -> Option<(DateTime<Utc>, SurveyScore)> {
        self.last_survey
    }

    /// How many recent command ids a case remembers to make a repeated
    /// command harmless.
    ///
    /// A command whose id is among the ids of the latest 32 commands the case
    /// applied gives no events ([`handle`](Self::handle) returns an empty
    /// list): a host that retries after a timeout does not act twice. The
    /// case does not keep every id it ever saw (that would grow with its
    /// history): a command repeated after 32 others is decided again, so a
    /// store that may resend older commands enforces uniqueness itself, with
    /// a key on (case, command id).
    ///
    /// # Example
    /// ```
    /// use escalate::{Actor, Case, Command, CommandKind, Customer, CustomerValue, Origin, Channel, Priority};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let t = "2021-03-04T15:10:00Z".parse()?;
    /// let open = Command::new("c-1".parse()?, Actor::Customer, t, CommandKind::Open {
    ///     customer: Customer::new("cust-9".parse()?, CustomerValue::Standard),
    ///     origin: Origin::Contact { channel: Channel::Phone },
    ///     summary: "wrong cabinet delivered".into(),
    ///     priority: Priority::Normal,
    /// });
    /// let mut case = Case::new("CAB-1".parse()?);
    /// for event in case.handle(&policy, open.clone(), t)? { case.apply(&event)?; }
    /// // The same command again (a retry): nothing more happens.
    /// assert!(case.handle(&policy, open, t)?.is_empty());
    /// assert_eq!(Case::COMMAND_WINDOW, 32);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const COMMAND_WINDOW: usize = 32;
}

/// How many metrics a case counts warnings and breaches for (the length of
/// its per-metric counters, indexed by `rules::metric_index`).
pub(crate) const METRICS: usize = 6;

/// Serde for the per-metric counters: written as a list of [`METRICS`]
/// counts; read from a list of five or six, a missing sixth zero
/// (snapshots written before
/// [`Metric::TierOwnership`](crate::sla::Metric::TierOwnership) hold five).
mod per_metric {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::METRICS;

    pub(super) fn serialize<S: Serializer>(
        counts: &[u32; METRICS],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        counts.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u32; METRICS], D::Error> {
        let read = Vec::<u32>::deserialize(d)?;
        if !(METRICS - 1..=METRICS).contains(&read.len()) {
            return Err(serde::de::Error::invalid_length(
                read.len(),
                &"5 or 6 per-metric counts",
            ));
        }
        let mut counts = [0; METRICS];
        for (slot, count) in counts.iter_mut().zip(read) {
            *slot = count;
        }
        Ok(counts)
    }
}

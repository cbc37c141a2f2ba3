//! Commands: what an actor asks the case to do.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::policy::PauseName;
use crate::recovery::{Gesture, Money, OfferId, Review};
use crate::{Actor, Agent, Channel, CommandId, Customer, FailureKind, Origin, Outcome};
use crate::{Priority, PromiseId, ResponseKind, SurveyScore, Text};

/// A request from an actor, at a time, to change a case.
///
/// Commands are imperative ([`CommandKind::Assign`], [`CommandKind::Escalate`]);
/// the case answers with past-tense [`Event`](crate::Event)s or a
/// [`Refusal`](crate::Refusal). The id makes a command idempotent: sending
/// the same id twice produces events once. The optional expected version
/// refuses a command decided on a stale copy of the case.
///
/// # Example
/// ```
/// use escalate::{Actor, Channel, Command, CommandKind};
/// use chrono::{DateTime, Utc};
/// let t: DateTime<Utc> = "2021-03-08T16:00:00Z".parse()?;
/// let cmd = Command::new(
///     "c-2".parse()?,
///     Actor::Customer,
///     t,
///     CommandKind::Contact { channel: Channel::Phone, note: "second call".into() },
/// )
/// .expecting(2);
/// assert_eq!(cmd.expected_version(), Some(2));
/// // The same command in its JSON form, as a host logs it:
/// let json = r#"{"id": "c-2", "actor": "customer", "at": "2021-03-08T16:00:00Z", "expected_version": 2,
///     "kind": {"type": "contact", "channel": "phone", "note": "second call"}}"#;
/// assert_eq!(serde_json::from_str::<Command>(json)?, cmd);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    pub(crate) id: CommandId,
    pub(crate) actor: Actor,
    pub(crate) at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) expected_version: Option<u64>,
    pub(crate) kind: CommandKind,
}

impl Command {
    /// Creates a command with no expected version.
    ///
    /// # Example
    /// ```
    /// use escalate::{Actor, Command, CommandKind};
    /// use chrono::{DateTime, Utc};
    /// let t: DateTime<Utc> = "2021-03-08T16:00:00Z".parse()?;
    /// let cmd = Command::new("c-9".parse()?, Actor::System, t,
    ///     CommandKind::Resolve { summary: "fixed".into() });
    /// assert_eq!(cmd.id().as_str(), "c-9");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(id: CommandId, actor: Actor, at: DateTime<Utc>, kind: CommandKind) -> Self {
        Command {
            id,
            actor,
            at,
            expected_version: None,
            kind,
        }
    }

    /// Refuse the command unless the case is at exactly this version
    /// (optimistic concurrency).
    ///
    /// # Example
    /// ```
    /// use escalate::{Actor, Command, CommandKind};
    /// use chrono::{DateTime, Utc};
    /// let t: DateTime<Utc> = "2021-03-08T16:00:00Z".parse()?;
    /// let cmd = Command::new("c-9".parse()?, Actor::System, t,
    ///     CommandKind::Resolve { summary: "fixed".into() }).expecting(7);
    /// assert_eq!(cmd.expected_version(), Some(7));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn expecting(mut self, version: u64) -> Self {
        self.expected_version = Some(version);
        self
    }

    /// The command's id.
    ///
    /// # Example
    /// ```
    /// use escalate::{Actor, Command, CommandKind};
    /// use chrono::{DateTime, Utc};
    /// let t: DateTime<Utc> = "2021-03-08T16:00:00Z".parse()?;
    /// let cmd = Command::new("c-1".parse()?, Actor::System, t,
    ///     CommandKind::Resolve { summary: "fixed".into() });
    /// assert_eq!(cmd.id().as_str(), "c-1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> &CommandId {
        &self.id
    }

    /// Who sent it.
    ///
    /// # Example
    /// ```
    /// use escalate::{Actor, Command, CommandKind};
    /// use chrono::{DateTime, Utc};
    /// let t: DateTime<Utc> = "2021-03-08T16:00:00Z".parse()?;
    /// let cmd = Command::new("c-1".parse()?, Actor::System, t,
    ///     CommandKind::Resolve { summary: "fixed".into() });
    /// assert_eq!(cmd.actor(), &Actor::System);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// When the actor did it (the time its events will carry).
    ///
    /// # Example
    /// ```
    /// use escalate::{Actor, Command, CommandKind};
    /// use chrono::{DateTime, Utc};
    /// let t: DateTime<Utc> = "2021-03-08T16:00:00Z".parse()?;
    /// let cmd = Command::new("c-1".parse()?, Actor::System, t,
    ///     CommandKind::Resolve { summary: "fixed".into() });
    /// assert_eq!(cmd.at(), t);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// The version the sender expects the case to be at, if it said.
    ///
    /// # Example
    /// ```
    /// use escalate::{Actor, Command, CommandKind};
    /// use chrono::{DateTime, Utc};
    /// let t: DateTime<Utc> = "2021-03-08T16:00:00Z".parse()?;
    /// let cmd = Command::new("c-1".parse()?, Actor::System, t,
    ///     CommandKind::Resolve { summary: "fixed".into() });
    /// assert_eq!(cmd.expected_version(), None);
    /// assert_eq!(cmd.expecting(3).expected_version(), Some(3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn expected_version(&self) -> Option<u64> {
        self.expected_version
    }

    /// What is asked.
    ///
    /// # Example
    /// ```
    /// use escalate::{Actor, Command, CommandKind, CommandName};
    /// use chrono::{DateTime, Utc};
    /// let t: DateTime<Utc> = "2021-03-08T16:00:00Z".parse()?;
    /// let cmd = Command::new("c-1".parse()?, Actor::System, t,
    ///     CommandKind::Resolve { summary: "fixed".into() });
    /// assert_eq!(cmd.kind().name(), CommandName::Resolve);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn kind(&self) -> &CommandKind {
        &self.kind
    }
}

/// What a command asks for.
///
/// Customer commands: [`Open`](Self::Open) (from a contact or survey),
/// [`Contact`](Self::Contact), [`AnswerSurvey`](Self::AnswerSurvey),
/// [`ConfirmResolution`](Self::ConfirmResolution), [`SignalChurn`](Self::SignalChurn),
/// [`AcceptOffer`](Self::AcceptOffer), [`DeclineOffer`](Self::DeclineOffer).
/// All others act for the company and need the owner, an agent of a higher
/// tier, or the system.
///
/// # Example
/// ```
/// use escalate::{CommandKind, CommandName};
/// let kind = CommandKind::Resolve { summary: "right cabinet delivered".into() };
/// assert_eq!(kind.name(), CommandName::Resolve);
/// assert_eq!(kind.name().to_string(), "resolve");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
#[non_exhaustive]
pub enum CommandKind {
    /// Open the case. From a contact or a survey the customer may open it;
    /// otherwise it is a company action. An agent who opens a case from an
    /// internal detection owns it from the start.
    Open {
        /// Who the case is for.
        customer: Customer,
        /// How the case came to be.
        origin: Origin,
        /// A one-line summary of the problem.
        summary: Text,
        /// How urgent it is (normal when left out of JSON).
        #[serde(default)]
        priority: Priority,
    },
    /// The customer reaches out. Reopens a resolved case.
    Contact {
        /// Where.
        channel: Channel,
        /// What was said, briefly.
        note: Text,
    },
    /// The company replies to the customer; answers every open contact.
    Respond {
        /// Where.
        channel: Channel,
        /// What was said, briefly.
        note: Text,
        /// A real answer or only a redirect.
        kind: ResponseKind,
    },
    /// Give an unowned case its first owner.
    Assign {
        /// The new owner.
        to: Agent,
    },
    /// Offer the case to another agent; the current owner stays accountable
    /// until that agent accepts (a warm handoff).
    HandOff {
        /// The agent offered the case.
        to: Agent,
    },
    /// The agent offered the case accepts it and becomes the owner.
    AcceptHandoff,
    /// The agent offered the case declines it; the owner keeps it.
    DeclineHandoff,
    /// Move the case to an owner of a higher tier, at once.
    Escalate {
        /// The new, more senior owner.
        to: Agent,
        /// Why.
        reason: Text,
    },
    /// Record a failure: something that went wrong for the customer.
    RecordFailure {
        /// The kind of failure.
        kind: FailureKind,
        /// What happened.
        description: Text,
        /// The customer's loss, when it is money.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        loss: Option<Money>,
    },
    /// Promise the customer something by a time.
    Promise {
        /// What was promised.
        what: Text,
        /// By when.
        due: DateTime<Utc>,
    },
    /// Mark a promise kept.
    KeepPromise {
        /// Which promise.
        promise: PromiseId,
    },
    /// Mark a promise broken.
    BreakPromise {
        /// Which promise.
        promise: PromiseId,
    },
    /// Change the case's priority. Live clocks take the new priority's
    /// targets, keeping the business time already used and their pauses; a
    /// clock the new target leaves overdue breaches at the change, and a
    /// clock whose metric has no target at the new priority stops (as
    /// Zendesk re-targets a ticket's SLA when its priority changes, keeping
    /// the time elapsed). A clock breached already stays breached, late from
    /// its due instant. A metric with no live clock gets none: the change
    /// re-targets, it does not start clocks. Refused when the priority is
    /// already that one.
    ChangePriority {
        /// The new priority.
        priority: Priority,
    },
    /// Wait for the customer: a [`Pause`](Self::Pause) for the policy's
    /// `awaiting_customer` reason, with no scheduled end.
    WaitOnCustomer {
        /// What the company is waiting for.
        reason: Text,
    },
    /// Pause the case for one of the policy's pause reasons
    /// ([`PauseReason`](crate::policy::PauseReason)): the clocks of the
    /// metrics it names stop counting. Refused while a customer contact is
    /// unanswered, unless the reason allows it; ended by a customer contact
    /// (when the reason says so), by [`Resume`](Self::Resume), or at
    /// `until`.
    Pause {
        /// The policy's reason.
        reason: PauseName,
        /// What the company is waiting for.
        note: Text,
        /// When the pause ends by itself (after the command's time).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<DateTime<Utc>>,
    },
    /// End the pause: paused clocks run again.
    Resume,
    /// The customer answers a satisfaction survey.
    AnswerSurvey {
        /// The score.
        score: SurveyScore,
        /// What they wrote.
        comment: Text,
    },
    /// The customer says or shows they have left (switched provider, closed
    /// the account). The customer, or the company recording it, may send it.
    SignalChurn {
        /// What was said or seen.
        note: Text,
    },
    /// The owner marks the problem solved.
    Resolve {
        /// How it was solved.
        summary: Text,
    },
    /// The customer confirms the resolution.
    ConfirmResolution,
    /// Close the case for good with its outcome and, where the policy asks
    /// for one, a review.
    Close {
        /// How it ended.
        outcome: Outcome,
        /// The lessons learned: root cause and what will change.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        review: Option<Review>,
    },
    /// Offer the customer a gesture; the guards of a grant apply already.
    Offer {
        /// What is offered.
        gesture: Gesture,
    },
    /// Grant gestures at once, together (an apology with the money it
    /// opens the way to). Every gesture passes the guards or none is granted.
    Grant {
        /// What is granted, in order.
        gestures: Vec<Gesture>,
    },
    /// Grant an offer the customer accepted; the guards apply again.
    GrantOffer {
        /// Which offer.
        offer: OfferId,
    },
    /// The customer accepts an offer.
    AcceptOffer {
        /// Which offer.
        offer: OfferId,
    },
    /// The customer declines an offer.
    DeclineOffer {
        /// Which offer.
        offer: OfferId,
    },
    /// Move a running case to the policy given with this command (its
    /// version must differ from the case's): from then on, `handle` and
    /// `tick` accept that policy. Clocks already running keep their due
    /// instants.
    AdoptPolicy,
}

/// The name of a command kind, for refusals and messages.
///
/// # Example
/// ```
/// use escalate::CommandName;
/// assert_eq!(CommandName::HandOff.to_string(), "hand off");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)] // the variants mirror `CommandKind`
pub enum CommandName {
    Open,
    Contact,
    Respond,
    Assign,
    HandOff,
    AcceptHandoff,
    DeclineHandoff,
    Escalate,
    RecordFailure,
    Promise,
    KeepPromise,
    BreakPromise,
    ChangePriority,
    WaitOnCustomer,
    Pause,
    Resume,
    AnswerSurvey,
    SignalChurn,
    Resolve,
    ConfirmResolution,
    Close,
    Offer,
    Grant,
    GrantOffer,
    AcceptOffer,
    DeclineOffer,
    AdoptPolicy,
}

impl fmt::Display for CommandName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CommandName::Open => "open",
            CommandName::Contact => "contact",
            CommandName::Respond => "respond to",
            CommandName::Assign => "assign",
            CommandName::HandOff => "hand off",
            CommandName::AcceptHandoff => "accept a handoff of",
            CommandName::DeclineHandoff => "decline a handoff of",
            CommandName::Escalate => "escalate",
            CommandName::RecordFailure => "record a failure on",
            CommandName::Promise => "make a promise on",
            CommandName::KeepPromise => "keep a promise on",
            CommandName::BreakPromise => "break a promise on",
            CommandName::ChangePriority => "change the priority of",
            CommandName::WaitOnCustomer => "wait on the customer for",
            CommandName::Pause => "pause",
            CommandName::Resume => "resume",
            CommandName::AnswerSurvey => "answer a survey on",
            CommandName::SignalChurn => "signal churn on",
            CommandName::Resolve => "resolve",
            CommandName::ConfirmResolution => "confirm the resolution of",
            CommandName::Close => "close",
            CommandName::Offer => "offer a gesture on",
            CommandName::Grant => "grant a gesture on",
            CommandName::GrantOffer => "grant an offer on",
            CommandName::AcceptOffer => "accept an offer on",
            CommandName::DeclineOffer => "decline an offer on",
            CommandName::AdoptPolicy => "adopt a new policy for",
        })
    }
}

impl CommandKind {
    /// The command's name.
    ///
    /// # Example
    /// ```
    /// use escalate::{CommandKind, CommandName};
    /// assert_eq!(CommandKind::AcceptHandoff.name(), CommandName::AcceptHandoff);
    /// ```
    #[must_use]
    pub fn name(&self) -> CommandName {
        match self {
            CommandKind::Open { .. } => CommandName::Open,
            CommandKind::Contact { .. } => CommandName::Contact,
            CommandKind::Respond { .. } => CommandName::Respond,
            CommandKind::Assign { .. } => CommandName::Assign,
            CommandKind::HandOff { .. } => CommandName::HandOff,
            CommandKind::AcceptHandoff => CommandName::AcceptHandoff,
            CommandKind::DeclineHandoff => CommandName::DeclineHandoff,
            CommandKind::Escalate { .. } => CommandName::Escalate,
            CommandKind::RecordFailure { .. } => CommandName::RecordFailure,
            CommandKind::Promise { .. } => CommandName::Promise,
            CommandKind::KeepPromise { .. } => CommandName::KeepPromise,
            CommandKind::BreakPromise { .. } => CommandName::BreakPromise,
            CommandKind::ChangePriority { .. } => CommandName::ChangePriority,
            CommandKind::WaitOnCustomer { .. } => CommandName::WaitOnCustomer,
            CommandKind::Pause { .. } => CommandName::Pause,
            CommandKind::Resume => CommandName::Resume,
            CommandKind::AnswerSurvey { .. } => CommandName::AnswerSurvey,
            CommandKind::SignalChurn { .. } => CommandName::SignalChurn,
            CommandKind::Resolve { .. } => CommandName::Resolve,
            CommandKind::ConfirmResolution => CommandName::ConfirmResolution,
            CommandKind::Close { .. } => CommandName::Close,
            CommandKind::Offer { .. } => CommandName::Offer,
            CommandKind::Grant { .. } => CommandName::Grant,
            CommandKind::GrantOffer { .. } => CommandName::GrantOffer,
            CommandKind::AcceptOffer { .. } => CommandName::AcceptOffer,
            CommandKind::DeclineOffer { .. } => CommandName::DeclineOffer,
            CommandKind::AdoptPolicy => CommandName::AdoptPolicy,
        }
    }
}

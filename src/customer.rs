//! The customer vocabulary: customers, channels, priorities, contacts,
//! failures, promises, outcomes. Every layer above speaks it.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::InvalidScore;
use crate::ids::CustomerId;
use crate::money::Money;
use crate::text::Text;

/// The customer a case is for.
///
/// # Example
/// ```
/// use escalate::{Customer, CustomerValue};
/// let c = Customer::new("cust-1".parse()?, CustomerValue::HighValue);
/// assert_eq!(c.value(), CustomerValue::HighValue);
/// # Ok::<(), escalate::InvalidId>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Customer {
    id: CustomerId,
    value: CustomerValue,
}

impl Customer {
    /// Creates a customer.
    ///
    /// # Example
    /// ```
    /// use escalate::{Customer, CustomerValue};
    /// let c = Customer::new("cust-1".parse()?, CustomerValue::Standard);
    /// assert_eq!(c.id().as_str(), "cust-1");
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn new(id: CustomerId, value: CustomerValue) -> Self {
        Customer { id, value }
    }

    /// The customer's id.
    ///
    /// # Example
    /// ```
    /// use escalate::{Customer, CustomerValue};
    /// let c = Customer::new("cust-1".parse()?, CustomerValue::Standard);
    /// assert_eq!(c.id().to_string(), "cust-1");
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> &CustomerId {
        &self.id
    }

    /// The customer's value tier.
    ///
    /// # Example
    /// ```
    /// use escalate::{Customer, CustomerValue};
    /// let c = Customer::new("cust-1".parse()?, CustomerValue::Standard);
    /// assert_eq!(c.value(), CustomerValue::Standard);
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn value(&self) -> CustomerValue {
        self.value
    }
}

/// The customer's value tier.
///
/// # Example
/// ```
/// use escalate::CustomerValue;
/// assert_eq!(CustomerValue::HighValue.to_string(), "high-value");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerValue {
    /// An ordinary customer.
    Standard,
    /// A customer the policy treats as high-value.
    HighValue,
}

impl CustomerValue {
    /// Every customer value, ordinary first.
    ///
    /// # Example
    /// ```
    /// use escalate::CustomerValue;
    /// assert_eq!(CustomerValue::ALL, [CustomerValue::Standard, CustomerValue::HighValue]);
    /// ```
    pub const ALL: [CustomerValue; 2] = [CustomerValue::Standard, CustomerValue::HighValue];

    /// The value as policy files and the event JSON spell it.
    ///
    /// # Example
    /// ```
    /// use escalate::CustomerValue;
    /// assert_eq!(CustomerValue::HighValue.key(), "high_value");
    /// assert_eq!(serde_json::to_string(&CustomerValue::Standard)?, "\"standard\"");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            CustomerValue::Standard => "standard",
            CustomerValue::HighValue => "high_value",
        }
    }
}

impl fmt::Display for CustomerValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CustomerValue::Standard => "standard",
            CustomerValue::HighValue => "high-value",
        })
    }
}

/// The channel of a contact or a response.
///
/// # Example
/// ```
/// use escalate::Channel;
/// assert_eq!(Channel::SocialPublic.to_string(), "public social post");
/// assert!(Channel::SocialPublic.is_public());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A phone call that reached someone.
    Phone,
    /// A voicemail: a call that reached no one and owes a callback.
    Voicemail,
    /// An email.
    Email,
    /// A chat message.
    Chat,
    /// A public post on social media.
    SocialPublic,
    /// A private (direct) message on social media.
    SocialPrivate,
    /// In person, at a store or desk.
    InPerson,
    /// A satisfaction-survey answer.
    Survey,
}

impl Channel {
    /// The channels a customer opens a case on (in person and survey
    /// answers aside): what [`Policy::lint`](crate::policy::Policy::lint)
    /// checks SLA coverage for and the guarantees table is computed for.
    ///
    /// # Example
    /// ```
    /// use escalate::Channel;
    /// assert_eq!(Channel::CONTACTS.len(), 6);
    /// assert!(!Channel::CONTACTS.contains(&Channel::Survey));
    /// ```
    pub const CONTACTS: [Channel; 6] = [
        Channel::Phone,
        Channel::Voicemail,
        Channel::Email,
        Channel::Chat,
        Channel::SocialPublic,
        Channel::SocialPrivate,
    ];

    /// Whether other people can see what is said on this channel.
    ///
    /// # Example
    /// ```
    /// use escalate::Channel;
    /// assert!(!Channel::SocialPrivate.is_public());
    /// ```
    #[must_use]
    pub fn is_public(self) -> bool {
        matches!(self, Channel::SocialPublic)
    }

    /// The channel as policy files and the event JSON spell it.
    ///
    /// # Example
    /// ```
    /// use escalate::Channel;
    /// assert_eq!(Channel::SocialPublic.key(), "social_public");
    /// assert_eq!(serde_json::to_string(&Channel::InPerson)?, format!("\"{}\"", Channel::InPerson.key()));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::Voicemail => "voicemail",
            Channel::Email => "email",
            Channel::Chat => "chat",
            Channel::SocialPublic => "social_public",
            Channel::SocialPrivate => "social_private",
            Channel::InPerson => "in_person",
            Channel::Survey => "survey",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Channel::Phone => "phone",
            Channel::Voicemail => "voicemail",
            Channel::Email => "email",
            Channel::Chat => "chat",
            Channel::SocialPublic => "public social post",
            Channel::SocialPrivate => "private social message",
            Channel::InPerson => "in person",
            Channel::Survey => "survey",
        })
    }
}

/// A satisfaction-survey score from 1 (worst) to 5 (best).
///
/// # Example
/// ```
/// use escalate::SurveyScore;
/// let score = SurveyScore::new(1)?;
/// assert_eq!(score.get(), 1);
/// assert_eq!(SurveyScore::new(6).unwrap_err().to_string(), "invalid survey score 6: expected 1 to 5");
/// # Ok::<(), escalate::InvalidScore>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct SurveyScore(u8);

impl SurveyScore {
    /// Creates a score.
    ///
    /// # Errors
    /// [`InvalidScore`](InvalidScore) outside 1 to 5.
    ///
    /// # Example
    /// ```
    /// use escalate::SurveyScore;
    /// assert!(SurveyScore::new(0).is_err());
    /// ```
    pub fn new(score: u8) -> Result<Self, InvalidScore> {
        if (1..=5).contains(&score) {
            Ok(SurveyScore(score))
        } else {
            Err(InvalidScore(score))
        }
    }

    /// The score, 1 to 5.
    ///
    /// # Example
    /// ```
    /// use escalate::SurveyScore;
    /// assert_eq!(SurveyScore::new(5)?.get(), 5);
    /// # Ok::<(), escalate::InvalidScore>(())
    /// ```
    #[must_use]
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for SurveyScore {
    type Error = InvalidScore;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        SurveyScore::new(v)
    }
}

impl From<SurveyScore> for u8 {
    fn from(s: SurveyScore) -> u8 {
        s.0
    }
}

/// How a case came to be opened.
///
/// # Example
/// ```
/// use escalate::{Channel, Origin};
/// let origin = Origin::Contact { channel: Channel::Email };
/// assert_eq!(origin.to_string(), "an email contact");
/// assert_eq!(Origin::InternalDetection.to_string(), "an internal detection");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Origin {
    /// The customer reached out; the opening also records the contact.
    Contact {
        /// Where the customer reached out.
        channel: Channel,
    },
    /// Someone else sent the case (a doctor's office, another department).
    Referral {
        /// Who referred it.
        from: Text,
    },
    /// A survey answer; the opening also records the answer.
    Survey {
        /// The score given.
        score: SurveyScore,
    },
    /// Staff noticed the failure before the customer complained; an agent who
    /// opens such a case owns it from the start.
    InternalDetection,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Contact { channel } => {
                let article = if matches!(channel, Channel::Email | Channel::InPerson) {
                    "an"
                } else {
                    "a"
                };
                write!(f, "{article} {channel} contact")
            }
            Origin::Referral { from } => write!(f, "a referral from {from}"),
            Origin::Survey { score } => write!(f, "a survey answer scoring {} of 5", score.get()),
            Origin::InternalDetection => f.write_str("an internal detection"),
        }
    }
}

/// The kind of a failure, which decides the kind of remedy that fits it.
///
/// # Example
/// ```
/// use escalate::FailureKind;
/// assert_eq!(FailureKind::Attention.to_string(), "attention");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The customer lost money (overcharged, wrong price).
    Monetary,
    /// The product was wrong, broken or late.
    Product,
    /// The service was done badly (rude, wrong advice, a threat).
    Service,
    /// The customer was neglected (unanswered calls, no owner).
    Attention,
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FailureKind::Monetary => "monetary",
            FailureKind::Product => "product",
            FailureKind::Service => "service",
            FailureKind::Attention => "attention",
        })
    }
}

/// What a company response did for the customer.
///
/// An answer and a deflection are a person's reply the customer sees: they
/// answer the customer's waiting contacts ([`is_reply`](Self::is_reply)).
/// An automatic acknowledgement and an internal note do not; they are
/// recorded and shown in the timeline. Which kinds stop a response clock is
/// policy ([`MetricPolicy::stopped_by`](crate::sla::MetricPolicy::stopped_by);
/// by default a reply, as in Zendesk, where only a public agent comment
/// counts).
///
/// # Example
/// ```
/// use escalate::ResponseKind;
/// assert_eq!(ResponseKind::Deflection.to_string(), "deflection");
/// let kind: ResponseKind = serde_json::from_str(r#""internal_note""#)?;
/// assert_eq!(kind, ResponseKind::InternalNote);
/// assert!(!kind.is_reply());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseKind {
    /// A real answer: it deals with what the customer asked.
    Answer,
    /// A reply that only points the customer somewhere else ("call during
    /// office hours", "ask the marketplace for a return"). It answers the
    /// contact for the clock, but it is not help.
    Deflection,
    /// An automatic acknowledgement ("we got your message, ticket #123"):
    /// no person read the contact, which stays unanswered.
    Automated,
    /// A note the customer does not see: the contact stays unanswered.
    InternalNote,
}

impl ResponseKind {
    /// Every kind, in the order they are declared.
    pub const ALL: [ResponseKind; 4] = [
        ResponseKind::Answer,
        ResponseKind::Deflection,
        ResponseKind::Automated,
        ResponseKind::InternalNote,
    ];

    /// The kinds that stop a response clock unless the policy says
    /// otherwise: a person's reply the customer sees.
    ///
    /// # Example
    /// ```
    /// use escalate::ResponseKind;
    /// assert_eq!(ResponseKind::REPLIES, [ResponseKind::Answer, ResponseKind::Deflection]);
    /// ```
    pub const REPLIES: [ResponseKind; 2] = [ResponseKind::Answer, ResponseKind::Deflection];

    /// Whether this is a person's reply the customer sees (an answer or a
    /// deflection): it answers every contact waiting for one.
    ///
    /// # Example
    /// ```
    /// use escalate::ResponseKind;
    /// assert!(ResponseKind::Deflection.is_reply());
    /// assert!(!ResponseKind::Automated.is_reply());
    /// ```
    #[must_use]
    pub fn is_reply(self) -> bool {
        matches!(self, ResponseKind::Answer | ResponseKind::Deflection)
    }
}

impl fmt::Display for ResponseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResponseKind::Answer => "answer",
            ResponseKind::Deflection => "deflection",
            ResponseKind::Automated => "automated acknowledgement",
            ResponseKind::InternalNote => "internal note",
        })
    }
}

/// How a case ended.
///
/// # Example
/// ```
/// use escalate::Outcome;
/// assert_eq!(Outcome::WonBack.to_string(), "won back");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The customer stayed.
    Retained,
    /// The customer had left, or was leaving, and came back.
    WonBack,
    /// The customer left.
    Lost,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Retained => "retained",
            Outcome::WonBack => "won back",
            Outcome::Lost => "lost",
        })
    }
}

crate::ids::numbered!(
    /// Numbers a promise within its case, from 1 in the order promises were made.
    ///
    /// # Example
    /// ```
    /// use escalate::PromiseId;
    /// assert_eq!(PromiseId::new(1).to_string(), "promise #1");
    /// ```
    PromiseId,
    "escalate::PromiseId",
    "promise"
);

crate::ids::numbered!(
    /// Numbers a failure within its case, from 1 in the order failures were recorded.
    ///
    /// # Example
    /// ```
    /// use escalate::FailureId;
    /// assert_eq!(FailureId::new(2).to_string(), "failure #2");
    /// ```
    FailureId,
    "escalate::FailureId",
    "failure"
);

/// How urgent a case is; SLA targets can depend on it.
///
/// # Example
/// ```
/// use escalate::Priority;
/// assert_eq!(Priority::default(), Priority::Normal);
/// assert_eq!(Priority::Urgent.to_string(), "urgent");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Can wait.
    Low,
    /// The usual.
    #[default]
    Normal,
    /// Sooner than usual.
    High,
    /// Now.
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    ///
    /// # Example
    /// ```
    /// use escalate::Priority;
    /// assert_eq!(Priority::ALL.first(), Some(&Priority::Low));
    /// assert_eq!(Priority::ALL.last(), Some(&Priority::Urgent));
    /// ```
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        })
    }
}

/// A customer contact as the case records it.
///
/// # Example
/// ```
/// use escalate::{Case, Channel, Command, Contact};
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
/// // opened by a phone call
/// let first: &Contact = &case.unanswered()[0];
/// assert_eq!(first.channel(), Channel::Phone);
/// assert!(first.answered_at().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Contact {
    pub(crate) channel: Channel,
    pub(crate) at: DateTime<Utc>,
    pub(crate) answered_at: Option<DateTime<Utc>>,
}

impl Contact {
    /// The channel the customer used.
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
    /// assert_eq!(case.unanswered()[0].channel(), escalate::Channel::Phone);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// When the customer reached out.
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
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// let t: DateTime<Utc> = "2021-03-04T15:10:00Z".parse()?;
    /// assert_eq!(case.unanswered()[0].at(), t);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// When the company first responded to it, if it has.
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
    /// assert_eq!(case.unanswered()[0].answered_at(), None);
    /// let reply: Command = serde_json::from_str(r#"{"id": "c-3", "actor": "system", "at": "2021-03-04T20:30:00Z",
    ///     "kind": {"type": "respond", "channel": "phone", "note": "called back", "kind": "answer"}}"#)?;
    /// let now = reply.at();
    /// for event in case.handle(&policy, reply, now)? { case.apply(&event)?; log.push(event); }
    /// // The case keeps unanswered contacts only; the timeline has them all.
    /// assert!(case.unanswered().is_empty());
    /// let timeline = escalate::Timeline::from_events(&log)?;
    /// assert_eq!(timeline.contacts()[0].answered_at(), Some(now));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn answered_at(&self) -> Option<DateTime<Utc>> {
        self.answered_at
    }
}

/// A failure recorded on a case.
///
/// # Example
/// ```
/// use escalate::{Case, Command, Failure, FailureKind};
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
/// // sam recorded the wrong cabinet (USD 249.99) as a product failure.
/// let failure: &Failure = &case.failures()[0];
/// assert_eq!(failure.kind(), FailureKind::Product);
/// assert_eq!(failure.loss().map(|m| m.minor()), Some(24_999));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Failure {
    pub(crate) id: FailureId,
    pub(crate) kind: FailureKind,
    pub(crate) description: Text,
    pub(crate) loss: Option<Money>,
    pub(crate) at: DateTime<Utc>,
}

impl Failure {
    /// A failure: its number on the case, its kind, what happened, the
    /// customer's loss in money (if any) and when it was recorded.
    ///
    /// # Example
    /// ```
    /// use escalate::{Failure, FailureId, FailureKind};
    /// use escalate::recovery::{Currency, Money};
    /// let f = Failure::new(FailureId::new(1), FailureKind::Product, "wrong cabinet",
    ///     Some(Money::new(24_999, Currency::USD)), "2021-03-04T20:00:00Z".parse()?);
    /// assert_eq!(f.description(), "wrong cabinet");
    /// # Ok::<(), chrono::ParseError>(())
    /// ```
    #[must_use]
    pub fn new(
        id: FailureId,
        kind: FailureKind,
        description: impl Into<Text>,
        loss: Option<Money>,
        at: DateTime<Utc>,
    ) -> Self {
        Failure {
            id,
            kind,
            description: description.into(),
            loss,
            at,
        }
    }

    /// The failure's number within the case.
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
    /// assert_eq!(case.failures()[0].id(), escalate::FailureId::new(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> FailureId {
        self.id
    }

    /// The kind of failure.
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
    /// assert_eq!(case.failures()[0].kind(), escalate::FailureKind::Product);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn kind(&self) -> FailureKind {
        self.kind
    }

    /// What happened.
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
    /// assert_eq!(case.failures()[0].description(), "wrong cabinet delivered");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The customer's loss, when it is money.
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
    /// assert_eq!(case.failures()[0].loss().unwrap().to_string(), "USD 249.99");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn loss(&self) -> Option<Money> {
        self.loss
    }

    /// When it happened.
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
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// let t: DateTime<Utc> = "2021-03-04T20:15:00Z".parse()?;
    /// assert_eq!(case.failures()[0].at(), t);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }
}

/// A promise made to the customer, tracked until kept or broken.
///
/// # Example
/// ```
/// use escalate::{Case, Command, PromiseState};
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
/// let promise = &case.promises()[0];
/// assert_eq!(promise.what(), "deliver the right cabinet");
/// assert_eq!(promise.state(), PromiseState::Open);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Promise {
    pub(crate) id: PromiseId,
    pub(crate) what: Text,
    pub(crate) due: Option<DateTime<Utc>>,
    pub(crate) made_at: DateTime<Utc>,
    pub(crate) state: PromiseState,
}

impl Promise {
    /// The promise's number within the case.
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
    /// assert_eq!(case.promises()[0].id(), escalate::PromiseId::new(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> PromiseId {
        self.id
    }

    /// What was promised.
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
    /// assert_eq!(case.promises()[0].what(), "deliver the right cabinet");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn what(&self) -> &str {
        &self.what
    }

    /// When it is due: always for a promise a command made; `None` for a
    /// call a rule requires on a calendar that never opens again.
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
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "promise", "what": "deliver the right cabinet", "due": "2021-03-06T17:00:00Z"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// let t: DateTime<Utc> = "2021-03-06T17:00:00Z".parse()?;
    /// assert_eq!(case.promises()[0].due(), Some(t));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn due(&self) -> Option<DateTime<Utc>> {
        self.due
    }

    /// When it was made.
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
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "promise", "what": "deliver the right cabinet", "due": "2021-03-06T17:00:00Z"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// let t: DateTime<Utc> = "2021-03-04T20:15:00Z".parse()?;
    /// assert_eq!(case.promises()[0].made_at(), t);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn made_at(&self) -> DateTime<Utc> {
        self.made_at
    }

    /// Whether it is open, kept or broken.
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
    /// assert_eq!(case.promises()[0].state(), escalate::PromiseState::Open);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn state(&self) -> PromiseState {
        self.state
    }
}

/// Where a promise stands.
///
/// # Example
/// ```
/// use escalate::PromiseState;
/// assert_eq!(PromiseState::Open.to_string(), "open");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PromiseState {
    /// Not yet kept.
    Open,
    /// Kept at the given time (on time or late: compare with the due time).
    Kept {
        /// When it was kept.
        at: DateTime<Utc>,
    },
    /// Marked broken at the given time.
    Broken {
        /// When it was marked broken.
        at: DateTime<Utc>,
    },
}

impl fmt::Display for PromiseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PromiseState::Open => f.write_str("open"),
            PromiseState::Kept { .. } => f.write_str("kept"),
            PromiseState::Broken { .. } => f.write_str("broken"),
        }
    }
}

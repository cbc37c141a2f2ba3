//! Events: what happened to a case, in the past tense.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::policy::PauseName;
use crate::recovery::{Gesture, Money, OfferId, Review};
use crate::sla::{CalendarName, ClockId, Metric, Threshold};
use crate::{
    Actor, Agent, CaseId, Channel, CommandId, Customer, FailureKind, Origin, Outcome, Tier,
};
use crate::{FailureId, Priority, PromiseId, ResponseKind, SurveyScore, Text};

/// Something that happened to a case.
///
/// Events are the case's truth: [`Case::apply`](crate::Case::apply) evolves
/// a case by one event and [`Case::replay`](crate::Case::replay) rebuilds it
/// from all of them. Their JSON form is a stable wire format (pinned by
/// golden tests; any change is called out as breaking in the changelog).
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer",
///     "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
///     "customer": {"id": "cust-9", "value": "standard"},
///     "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}"#)?;
/// let now = open.at();
/// let events = Case::new("CAB-1".parse()?).handle(&Policy::default(), open, now)?;
/// // The customer's call opens the case and is its first contact.
/// assert_eq!(events.len(), 2);
/// let first = &events[0];
/// assert_eq!(first.version(), 1);
/// assert_eq!(first.command().map(|c| c.as_str()), Some("c-1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub(crate) version: u64,
    #[serde(deserialize_with = "super::event_json::utc")]
    pub(crate) at: DateTime<Utc>,
    pub(crate) actor: Actor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) command: Option<CommandId>,
    pub(crate) kind: EventKind,
}

impl Event {
    /// Creates an event. Hosts normally get events from
    /// [`Case::handle`](crate::Case::handle) or deserialize them from their
    /// store; this constructor is for importing histories and for tests.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use escalate::{Actor, Event, EventKind, Outcome};
    /// let t: DateTime<Utc> = "2021-03-26T16:00:00Z".parse()?;
    /// let e = Event::new(9, t, Actor::System, None,
    ///     EventKind::Closed { outcome: Outcome::Lost, review: None });
    /// assert_eq!(e.version(), 9);
    /// assert_eq!(e.at(), t);
    /// assert_eq!(e.command(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(
        version: u64,
        at: DateTime<Utc>,
        actor: Actor,
        command: Option<CommandId>,
        kind: EventKind,
    ) -> Self {
        Event {
            version,
            at,
            actor,
            command,
            kind,
        }
    }

    /// The case's version after this event: 1 for the first event.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer",
    ///     "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///     "customer": {"id": "cust-9", "value": "standard"},
    ///     "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// let events = Case::new("CAB-1".parse()?).handle(&Policy::default(), open, now)?;
    /// assert_eq!(events[0].version(), 1);
    /// assert_eq!(events[1].version(), 2); // the contact
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// When it happened, as reported by the command that caused it.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer",
    ///     "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///     "customer": {"id": "cust-9", "value": "standard"},
    ///     "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// let events = Case::new("CAB-1".parse()?).handle(&Policy::default(), open, now)?;
    /// let t: DateTime<Utc> = "2021-03-04T15:10:00Z".parse()?;
    /// assert_eq!(events[0].at(), t);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// Who caused it.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer",
    ///     "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///     "customer": {"id": "cust-9", "value": "standard"},
    ///     "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// let events = Case::new("CAB-1".parse()?).handle(&Policy::default(), open, now)?;
    /// assert_eq!(events[0].actor(), &escalate::Actor::Customer);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The command that caused it; `None` for events the case raised itself
    /// (from [`Case::tick`](crate::Case)) or imported without one.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer",
    ///     "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///     "customer": {"id": "cust-9", "value": "standard"},
    ///     "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// let events = Case::new("CAB-1".parse()?).handle(&Policy::default(), open, now)?;
    /// assert_eq!(events[0].command().unwrap().as_str(), "c-1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn command(&self) -> Option<&CommandId> {
        self.command.as_ref()
    }

    /// What happened.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command, EventKind};
    /// use escalate::policy::Policy;
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer",
    ///     "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///     "customer": {"id": "cust-9", "value": "standard"},
    ///     "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// let events = Case::new("CAB-1".parse()?).handle(&Policy::default(), open, now)?;
    /// assert!(matches!(events[0].kind(), EventKind::Opened(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn kind(&self) -> &EventKind {
        &self.kind
    }
}

// The macro adds `#[serde(rename_all = "snake_case", tag = "type")]` and
// defines the readers `Deserialize` uses (see `event_json`): the JSON is
// `{"type": "contacted", "channel": ..., "note": ...}`.
super::event_json::event_kind! {
/// What happened, with its data.
///
/// # Example
/// ```
/// use escalate::{Channel, EventKind};
/// let kind = EventKind::Contacted { channel: Channel::Voicemail, note: "please call back".into() };
/// let json = serde_json::to_string(&kind)?;
/// assert_eq!(json, r#"{"type":"contacted","channel":"voicemail","note":"please call back"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum EventKind {
    /// The case was opened (the data is shared: cloning the event is cheap).
    Opened(#[serde(deserialize_with = "super::event_json::opened")] Arc<Opened>),
    /// The customer reached out.
    Contacted {
        /// Where.
        channel: Channel,
        /// What was said.
        note: Text,
    },
    /// The company replied; every open contact is now answered.
    Responded {
        /// Where.
        channel: Channel,
        /// What was said.
        note: Text,
        /// An answer or only a redirect.
        kind: ResponseKind,
    },
    /// The case got its first owner.
    Assigned {
        /// The owner.
        to: Agent,
    },
    /// The owner offered the case to another agent.
    HandoffOffered {
        /// The agent offered the case.
        to: Agent,
    },
    /// The agent offered the case accepted it and now owns it.
    HandoffAccepted {
        /// The new owner.
        by: Agent,
    },
    /// The agent offered the case declined it.
    HandoffDeclined {
        /// Who declined.
        by: Agent,
    },
    /// The case moved to a more senior owner.
    Escalated {
        /// The new owner.
        to: Agent,
        /// Why.
        reason: Text,
    },
    /// A failure was recorded.
    FailureRecorded {
        /// Its number.
        failure: FailureId,
        /// The kind.
        kind: FailureKind,
        /// What happened.
        description: Text,
        /// The customer's loss, when it is money.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        loss: Option<Money>,
    },
    /// A promise was made to the customer.
    PromiseMade {
        /// Its number.
        promise: PromiseId,
        /// What.
        what: Text,
        /// By when; `None` for a call a rule requires on a calendar that
        /// cannot supply the time (it never opens again). Left out of the
        /// JSON when absent.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "super::event_json::utc_option"
        )]
        due: Option<DateTime<Utc>>,
    },
    /// A promise was kept.
    PromiseKept {
        /// Which.
        promise: PromiseId,
    },
    /// A promise was broken: by a `break_promise` command, or, recorded by
    /// `tick`, when its clock breached (at the breach, followed by the
    /// clock's stop).
    PromiseBroken {
        /// Which.
        promise: PromiseId,
    },
    /// The case's priority changed: live clocks take the targets of the new
    /// priority (each with a `clock_retargeted`), keeping the business time
    /// they have used.
    PriorityChanged {
        /// The new priority.
        priority: Priority,
    },
    /// The company started waiting for the customer (as logs before pause
    /// reasons recorded it; a case now records a [`Paused`](Self::Paused)
    /// with reason `awaiting_customer` instead). Read as that pause, ended
    /// by a customer contact.
    AwaitingCustomer {
        /// For what.
        reason: Text,
    },
    /// The case paused for one of the policy's pause reasons: the clocks of
    /// the metrics the reason names stop counting (each with a
    /// `clock_paused`) until a customer contact (when the reason says so),
    /// a `resume` command, or the scheduled end.
    Paused {
        /// The policy's reason.
        reason: PauseName,
        /// What the company is waiting for.
        note: Text,
        /// When the pause ends by itself, if it was scheduled. Left out of
        /// the JSON when absent.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "super::event_json::utc_option"
        )]
        until: Option<DateTime<Utc>>,
        /// Whether a customer contact ends it (the reason's setting when
        /// the pause began).
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        ends_on_contact: bool,
    },
    /// The pause ended: by the company (with a command) or at its scheduled
    /// end (recorded by `tick`, with no command). A pause ended by a
    /// customer contact needs no event of its own: the contact ends it.
    Resumed,
    /// The customer answered a survey.
    SurveyAnswered {
        /// The score.
        score: SurveyScore,
        /// What they wrote.
        comment: Text,
    },
    /// The customer said or showed they have left.
    ChurnSignalled {
        /// What was said or seen.
        note: Text,
    },
    /// The owner marked the problem solved.
    Resolved {
        /// How.
        summary: Text,
    },
    /// A resolved case was reopened by a new contact.
    Reopened,
    /// The customer confirmed the resolution.
    ResolutionConfirmed,
    /// The case was closed for good.
    Closed {
        /// How it ended.
        outcome: Outcome,
        /// The lessons learned, if a review was given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        review: Option<Review>,
    },
    /// A gesture was offered to the customer.
    GestureOffered {
        /// The offer's number.
        offer: OfferId,
        /// What was offered.
        #[serde(deserialize_with = "super::event_json::tag_as_any")]
        gesture: Gesture,
    },
    /// The customer accepted an offer.
    OfferAccepted {
        /// Which.
        offer: OfferId,
    },
    /// The customer declined an offer.
    OfferDeclined {
        /// Which.
        offer: OfferId,
    },
    /// A gesture was granted (one event per gesture of a grant).
    GestureGranted {
        /// What was granted.
        #[serde(deserialize_with = "super::event_json::tag_as_any")]
        gesture: Gesture,
        /// The offer it granted, if it came from one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offer: Option<OfferId>,
    },
    /// An SLA clock started.
    ClockStarted {
        /// Its number.
        clock: ClockId,
        /// What it measures.
        metric: Metric,
        /// The promise it tracks, for promise clocks.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        promise: Option<PromiseId>,
        /// The channel the target was chosen for, read again when the
        /// case's priority changes; `None` for a promise or a case without
        /// one. Left out of the JSON when absent (as in logs written before
        /// it was recorded).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<Channel>,
        /// The owner's tier a [`Metric::TierOwnership`] clock measures
        /// (read again when the case's priority changes, and what the
        /// clock counts for in an [`SlaReport`](crate::SlaReport)); `None`
        /// for the other metrics, and left out of the JSON.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tier: Option<Tier>,
        /// The target, in whole seconds of business time.
        #[serde(rename = "target_seconds", with = "crate::sla::seconds")]
        target: TimeDelta,
        /// The policy calendar it runs on.
        calendar: CalendarName,
        /// When it is due; `None` when its calendar cannot supply the target
        /// (it never opens again): it never breaches. Left out of the JSON
        /// when absent.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "super::event_json::utc_option"
        )]
        due: Option<DateTime<Utc>>,
    },
    /// A live SLA clock took a new target because the case's priority
    /// changed: the business time already used is kept, and a running clock
    /// runs on from the change towards its new due instant. A change that
    /// leaves the clock past its new target is followed by its breach at the
    /// change.
    ClockRetargeted {
        /// Which.
        clock: ClockId,
        /// The new target, in whole seconds of business time.
        #[serde(rename = "target_seconds", with = "crate::sla::seconds")]
        target: TimeDelta,
        /// The calendar of the new target.
        calendar: CalendarName,
        /// Business time used so far, in whole seconds.
        #[serde(rename = "consumed_seconds", with = "crate::sla::seconds")]
        consumed: TimeDelta,
        /// When it is now due (the change itself when the new target is used
        /// up already); `None` as for [`EventKind::ClockStarted`], or while
        /// paused with target left. Left out of the JSON when absent.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "super::event_json::utc_option"
        )]
        due: Option<DateTime<Utc>>,
    },
    /// An SLA clock paused (the company is waiting on the customer).
    ClockPaused {
        /// Which.
        clock: ClockId,
        /// Business time used so far, in whole seconds.
        #[serde(rename = "consumed_seconds", with = "crate::sla::seconds")]
        consumed: TimeDelta,
    },
    /// A paused or stopped SLA clock runs again.
    ClockResumed {
        /// Which.
        clock: ClockId,
        /// When it is now due; `None` as for [`EventKind::ClockStarted`].
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "super::event_json::utc_option"
        )]
        due: Option<DateTime<Utc>>,
    },
    /// An SLA clock stopped: met, or ended by resolving or closing.
    ClockStopped {
        /// Which.
        clock: ClockId,
        /// Business time used in all, in whole seconds.
        #[serde(rename = "consumed_seconds", with = "crate::sla::seconds")]
        consumed: TimeDelta,
        /// Business time past the due instant, in whole seconds, when met late.
        #[serde(
            rename = "late_by_seconds",
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::sla::seconds::option"
        )]
        late_by: Option<TimeDelta>,
    },
    /// A warning threshold of an SLA clock was reached.
    SlaWarned {
        /// Which clock.
        clock: ClockId,
        /// Which warning.
        threshold: Threshold,
    },
    /// An SLA clock passed its due instant (the event's time).
    SlaBreached {
        /// Which clock.
        clock: ClockId,
    },
    /// An escalation rule fired (its actions follow as their own events).
    RuleFired {
        /// The rule's name.
        rule: Text,
        /// Its condition, in words.
        when: Text,
    },
    /// A rule requires an owner of at least this tier for an unowned case.
    OwnerRequired {
        /// The rule.
        rule: Text,
        /// The tier.
        tier: Tier,
    },
    /// A rule requires escalating the case to this tier.
    EscalationRequired {
        /// The rule.
        rule: Text,
        /// The tier.
        tier: Tier,
    },
    /// A rule requires an apology from at least this tier: an apology
    /// granted by an agent of `tier`, or of a tier after it in `tiers`,
    /// settles it (see [`Case::apologies_owed`](crate::Case::apologies_owed)).
    ApologyRequired {
        /// The rule.
        rule: Text,
        /// The tier.
        tier: Tier,
        /// The policy's tiers, most junior first, when the rule required
        /// the apology: how the case ranks the tier of an apology against
        /// `tier`, replaying the same way under any policy. Optional in the
        /// JSON (left out when empty): an event without it, as logs written
        /// before it existed are, is settled only by an agent of exactly
        /// `tier`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tiers: Vec<Tier>,
    },
    /// A rule recommends a rung of the recovery ladder.
    GestureRecommended {
        /// The rule.
        rule: Text,
        /// The rung.
        gesture: crate::recovery::GestureKind,
    },
    /// A rule requires a root-cause review before closing.
    ReviewRequired {
        /// The rule.
        rule: Text,
    },
    /// A rule asks the host to tell someone to act.
    Notified {
        /// The rule.
        rule: Text,
        /// Who must act.
        who: Text,
        /// Why.
        why: Text,
        /// By when.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "super::event_json::utc_option"
        )]
        by: Option<DateTime<Utc>>,
    },
    /// A delayed rule's condition started to hold: its delay runs.
    RuleArmed {
        /// The rule.
        rule: Text,
    },
    /// A delayed rule's condition stopped holding before it acted again.
    RuleDisarmed {
        /// The rule.
        rule: Text,
    },
    /// The case moved to another policy (until then it ran under the one
    /// named in `opened` or in the last `policy_adopted`).
    PolicyAdopted {
        /// The new policy's version label.
        policy: Text,
        /// The new policy's content fingerprint; `None` in logs written
        /// before fingerprints (JSON field `fingerprint`, left out then).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fingerprint: Option<crate::policy::PolicyFingerprint>,
    },
}
}

impl EventKind {
    /// Whether an escalation rule made the event: a firing, what it
    /// required or recommended, a notice, a delayed rule armed or disarmed.
    /// (A call a rule requires is a promise and a clock, which are not.)
    ///
    /// # Example
    /// ```
    /// use escalate::EventKind;
    /// assert!(EventKind::ReviewRequired { rule: "breach".into() }.by_rule());
    /// assert!(!EventKind::Reopened.by_rule());
    /// ```
    #[must_use]
    pub fn by_rule(&self) -> bool {
        matches!(
            self,
            EventKind::RuleFired { .. }
                | EventKind::OwnerRequired { .. }
                | EventKind::EscalationRequired { .. }
                | EventKind::ApologyRequired { .. }
                | EventKind::GestureRecommended { .. }
                | EventKind::ReviewRequired { .. }
                | EventKind::Notified { .. }
                | EventKind::RuleArmed { .. }
                | EventKind::RuleDisarmed { .. }
        )
    }
}

/// What a case was opened with: the data of [`EventKind::Opened`].
///
/// # Example
/// ```
/// use escalate::{Channel, Customer, CustomerValue, EventKind, Opened, Origin};
/// let opened = Opened {
///     case: "CAB-1".parse()?,
///     customer: Customer::new("cust-9".parse()?, CustomerValue::Standard),
///     origin: Origin::Contact { channel: Channel::Phone },
///     summary: "wrong cabinet".into(),
///     priority: escalate::Priority::High,
///     policy: "2021-03".into(),
///     policy_fingerprint: None,
///     time_zone: "America/New_York".parse()?,
/// };
/// let kind = EventKind::Opened(opened.into());
/// assert!(serde_json::to_string(&kind)?.starts_with(r#"{"type":"opened","case":"CAB-1","#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opened {
    /// The case's id.
    pub case: CaseId,
    /// Who it is for.
    pub customer: Customer,
    /// How it came to be.
    pub origin: Origin,
    /// A one-line summary.
    pub summary: Text,
    /// How urgent it is.
    #[serde(default)]
    pub priority: Priority,
    /// The version label of the policy the case runs under.
    pub policy: Text,
    /// The content fingerprint of that policy
    /// ([`Policy::fingerprint`](crate::policy::Policy::fingerprint));
    /// `None` in logs written before fingerprints (the JSON field
    /// `policy_fingerprint` is left out then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_fingerprint: Option<crate::policy::PolicyFingerprint>,
    /// The time zone its timeline is written in.
    pub time_zone: Tz,
}

fn yes() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference
fn is_true(b: &bool) -> bool {
    *b
}

//! Why a case refused a command, and why a history does not replay.

use chrono::{DateTime, Utc};

use crate::customer::{Outcome, PromiseId, PromiseState};
use crate::ids::{CaseId, Tier};
use crate::owner::{Actor, Agent};
use crate::recovery::{GrantRefusal, Money, OfferId, OfferState, ReviewRule};
use crate::sla::ClockId;
use crate::text::Text;

use super::{CommandName, StateName};

/// Why a case refused a command. Hosts match on it to react (ask for
/// approval, show a message); its `Display` is a sentence for people.
///
/// # Example
/// ```
/// use escalate::{Actor, Case, Command, CommandKind, Refusal};
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
/// // The case is owned by sam (frontline); the customer tries to resolve it.
/// let t = "2021-03-05T10:00:00Z".parse()?;
/// let cmd = Command::new("c-8".parse()?, Actor::Customer, t,
///     CommandKind::Resolve { summary: "done".into() });
/// let refusal = case.handle(&policy, cmd, t).unwrap_err();
/// assert!(matches!(refusal, Refusal::CustomerNotAllowed { .. }));
/// assert_eq!(refusal.to_string(), "the customer may not resolve a case: customers may only \
///     contact, answer surveys, confirm a resolution, accept or decline an offer, or say they \
///     are leaving");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The command makes no sense in the case's current state.
    #[error("cannot {command} a case that is {state}")]
    InvalidTransition {
        /// The case's state.
        state: StateName,
        /// The command refused.
        command: CommandName,
    },
    /// An agent tried to act for the company on a case owned by someone of
    /// the same or a higher tier.
    #[error(
        "{actor} may not {command} a case owned by {owner}: only the owner, an agent of a higher tier or the system may"
    )]
    NotOwner {
        /// Who tried.
        actor: Agent,
        /// Who owns the case.
        owner: Agent,
        /// What they tried.
        command: CommandName,
    },
    /// A customer sent a command only the company may send.
    #[error(
        "the customer may not {command} a case: customers may only contact, answer surveys, confirm a resolution, accept or decline an offer, or say they are leaving"
    )]
    CustomerNotAllowed {
        /// What they tried.
        command: CommandName,
    },
    /// A company actor sent a command only the customer may send.
    #[error("{actor} may not {command} a case: only the customer may")]
    CustomerOnly {
        /// Who tried.
        actor: Actor,
        /// What they tried.
        command: CommandName,
    },
    /// An agent's tier is not one the policy names.
    #[error("no tier named \"{tier}\"; tiers are {known}")]
    UnknownTier {
        /// The unknown tier.
        tier: Tier,
        /// The policy's tiers, joined.
        known: String,
    },
    /// The command expected another version of the case (someone else changed it).
    #[error("stale command: it expects version {expected} but the case is at version {actual}")]
    StaleVersion {
        /// The version the command expected.
        expected: u64,
        /// The case's version.
        actual: u64,
    },
    /// The command says it happened after `now`.
    #[error("the command's time {at} is after now ({now})")]
    InTheFuture {
        /// The command's time.
        at: DateTime<Utc>,
        /// The time the host passed as now.
        now: DateTime<Utc>,
    },
    /// A command time, or a promise's due time, outside the times a case
    /// works with: commands from 1900-01-01 to 9989-12-31 (UTC), so that
    /// every deadline they start (at most 10 years) stays within 9999.
    #[error(
        "the command's {field} {value} is out of range: commands run from 1900-01-01 to 9989-12-31 (UTC)"
    )]
    TimeOutOfRange {
        /// Which time (`at`, `due`).
        field: &'static str,
        /// The time given.
        value: DateTime<Utc>,
    },
    /// Escalation to an agent who is not more senior than the owner.
    #[error("cannot escalate from {from} to {to}: tier {} is not above tier {}", to.tier(), from.tier())]
    NotHigherTier {
        /// The current owner.
        from: Agent,
        /// The proposed owner.
        to: Agent,
    },
    /// An agent other than the owner acting for the company on a case whose
    /// owner has a tier the policy does not name (an imported log, a policy
    /// adopted since): an unknown tier grants no authority, and nobody can
    /// be shown to outrank it.
    #[error(
        "the owner {owner} has a tier the policy does not name (tiers are {known}): only the owner or the system may act until the case is handed to an agent of a known tier"
    )]
    OwnerTierUnknown {
        /// The owner.
        owner: Agent,
        /// The policy's tiers, joined.
        known: String,
    },
    /// Adopting a policy that lacks the owner's tier.
    #[error(
        "cannot adopt policy \"{policy}\": it has no tier \"{}\" for the owner {}; hand the case to an agent of one of its tiers ({known}) first", owner.tier(), owner.id()
    )]
    AdoptionDropsOwnerTier {
        /// The policy's version label.
        policy: Text,
        /// The owner.
        owner: Agent,
        /// The new policy's tiers, joined.
        known: String,
    },
    /// A handoff or an escalation to the agent who already owns the case.
    #[error("{agent} already owns the case")]
    AlreadyOwner {
        /// The owner.
        agent: Agent,
    },
    /// Accept or decline without a pending handoff.
    #[error("no handoff is pending on the case")]
    NoHandoffPending,
    /// Someone other than the agent offered the case tried to accept or decline it.
    #[error("the case was offered to {offered_to}, not to {actor}")]
    NotOfferedTo {
        /// Who tried.
        actor: Actor,
        /// Who the case was offered to.
        offered_to: Agent,
    },
    /// A promise number the case does not have.
    #[error("there is no {promise} on this case")]
    UnknownPromise {
        /// The number given.
        promise: PromiseId,
    },
    /// A promise already kept or broken.
    #[error("{promise} is already {state}")]
    PromiseSettled {
        /// The promise.
        promise: PromiseId,
        /// Its state.
        state: PromiseState,
    },
    /// The policy refuses to resolve a case whose only replies pointed the
    /// customer elsewhere.
    #[error(
        "cannot resolve a case answered only with deflections ({deflections} so far): the customer was pointed elsewhere, not helped"
    )]
    DeflectionOnly {
        /// How many deflections the case has.
        deflections: u32,
    },
    /// A negative loss.
    #[error("a customer's loss cannot be negative: {loss}")]
    NegativeLoss {
        /// The amount given.
        loss: Money,
    },
    /// A grant with no gesture in it.
    #[error("a grant needs at least one gesture")]
    NoGesture,
    /// An offer number the case does not have.
    #[error("there is no {offer} on this case")]
    UnknownOffer {
        /// The number given.
        offer: OfferId,
    },
    /// Accepting or declining an offer that is no longer open.
    #[error("{offer} is already {state}")]
    OfferNotOpen {
        /// The offer.
        offer: OfferId,
        /// Its state.
        state: OfferState,
    },
    /// Granting an offer the customer has not accepted.
    #[error("cannot grant {offer}: it is {state}, not accepted")]
    OfferNotAccepted {
        /// The offer.
        offer: OfferId,
        /// Its state.
        state: OfferState,
    },
    /// Closing without a review where the policy requires one.
    #[error(
        "cannot close a case as {outcome} without a review: the policy requires one {rule}; record its root cause and what will change"
    )]
    ReviewRequired {
        /// The outcome given.
        outcome: Outcome,
        /// The policy's rule.
        rule: ReviewRule,
    },
    /// The command came with a policy other than the one the case runs
    /// under: a changed policy
    /// applies to a running case only through [`CommandKind::AdoptPolicy`](crate::CommandKind::AdoptPolicy).
    #[error(
        "the case runs under policy \"{case}\", not \"{given}\": adopt the new policy with an explicit command first"
    )]
    PolicyMismatch {
        /// The case's policy version.
        case: Text,
        /// The version given.
        given: Text,
    },
    /// The command (or [`Case::try_tick`](crate::Case::try_tick)) came
    /// with a policy under the case's label but with other content: a
    /// label names one content, so a changed policy needs a new label (and
    /// [`CommandKind::AdoptPolicy`](crate::CommandKind::AdoptPolicy)). A
    /// case whose log records no fingerprint (written before fingerprints)
    /// accepts any content under its label.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::Refusal;
    /// let a = Policy::new("shop-1", ["frontline"])?;
    /// let b = Policy::new("shop-1", ["frontline", "supervisor"])?;
    /// let refusal = Refusal::PolicyContentMismatch {
    ///     policy: "shop-1".into(),
    ///     case: a.fingerprint(),
    ///     given: b.fingerprint(),
    /// };
    /// assert_eq!(refusal.to_string(), format!(
    ///     "the case runs under policy \"shop-1\" with fingerprint {}, but the policy given under \
    ///      that label has fingerprint {}: its content changed; give the changed policy a new label \
    ///      and adopt it", a.fingerprint(), b.fingerprint()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[error(
        "the case runs under policy \"{policy}\" with fingerprint {case}, but the policy given under that label has fingerprint {given}: its content changed; give the changed policy a new label and adopt it"
    )]
    PolicyContentMismatch {
        /// The label both policies carry.
        policy: Text,
        /// The fingerprint the case recorded.
        case: crate::policy::PolicyFingerprint,
        /// The fingerprint of the policy given.
        given: crate::policy::PolicyFingerprint,
    },
    /// Adopting the policy the case already runs under.
    #[error("the case already runs under policy \"{policy}\"")]
    PolicyUnchanged {
        /// The version.
        policy: Text,
    },
    /// Pausing for a reason the policy does not name.
    #[error("the policy has no pause reason \"{reason}\": it has {known}")]
    UnknownPauseReason {
        /// The reason given.
        reason: crate::policy::PauseName,
        /// The policy's reasons, comma-separated.
        known: Text,
    },
    /// Pausing while a customer contact is unanswered, for a reason that
    /// does not allow it: a pause would hide a late reply.
    #[error(
        "cannot pause for \"{reason}\" while contact #{contact} ({channel}, at {at}) is unanswered: reply to the customer first"
    )]
    UnansweredContact {
        /// The reason given.
        reason: crate::policy::PauseName,
        /// The oldest unanswered contact, numbered from 1 in the case.
        contact: u32,
        /// Its channel.
        channel: crate::Channel,
        /// When it came.
        at: DateTime<Utc>,
    },
    /// A scheduled pause that would end at or before it begins.
    #[error("a pause from {at} cannot end at {until}: schedule its end after it begins")]
    PauseEndsBeforeItBegins {
        /// The end given.
        until: DateTime<Utc>,
        /// The command's time.
        at: DateTime<Utc>,
    },
    /// Changing the priority to the one the case already has.
    #[error("the case's priority is {priority} already")]
    PriorityUnchanged {
        /// The priority.
        priority: crate::Priority,
    },
    /// Closing without a review where an escalation rule required one.
    #[error(
        "cannot close the case without a review: rule \"{rule}\" requires one; record its root cause and what will change"
    )]
    ReviewRequiredByRule {
        /// The rule that required it.
        rule: Text,
    },
    /// A grant, or an offer, that breaks a recovery guard (see
    /// [`check_grant`](crate::recovery::check_grant)).
    #[error(transparent)]
    Grant(#[from] GrantRefusal),
}

/// A history that cannot be replayed.
///
/// # Example
/// ```
/// use escalate::{Case, Event, ReplayError};
/// assert_eq!(Case::replay(Vec::<Event>::new()).unwrap_err(), ReplayError::Empty);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// No events at all.
    #[error("cannot replay an empty history: the first event must be `opened`")]
    Empty,
    /// The first event does not open the case.
    #[error("cannot replay a history whose first event is not `opened`")]
    NotOpened,
    /// An event's version is not the next one.
    #[error("event {position} has version {found}; expected {expected}")]
    VersionGap {
        /// Position in the history, from 0.
        position: usize,
        /// The version it should have.
        expected: u64,
        /// The version it has.
        found: u64,
    },
    /// An event that does not fit the case (see [`Case::apply`](crate::Case::apply)).
    #[error("event {position}: {error}")]
    Invalid {
        /// Position in the history, from 0.
        position: usize,
        /// What does not fit.
        error: ApplyError,
    },
}

impl ReplayError {
    /// The error for the event at `position` that `apply` refused.
    pub(crate) fn at(position: usize, error: ApplyError) -> ReplayError {
        match error {
            ApplyError::Version {
                expected, found, ..
            } => ReplayError::VersionGap {
                position,
                expected,
                found,
            },
            error => ReplayError::Invalid { position, error },
        }
    }
}

/// An event that [`Case::apply`](crate::Case::apply) refused: it would not
/// fit the case's log, or it carries a time or an amount out of range. The
/// case is left as it was.
///
/// # Example
/// ```
/// use chrono::{DateTime, Utc};
/// use escalate::{Actor, ApplyError, Case, Event, EventKind, Outcome};
/// let mut case = Case::new("CAB-1".parse()?);
/// let t: DateTime<Utc> = "2021-03-26T16:00:00Z".parse()?;
/// let closed = Event::new(1, t, Actor::System, None,
///     EventKind::Closed { outcome: Outcome::Lost, review: None });
/// let err = case.apply(&closed).unwrap_err();
/// assert_eq!(err, ApplyError::NotOpened { case: "CAB-1".parse()? });
/// assert_eq!(err.to_string(), "case CAB-1 is not opened yet: its first event must be `opened`");
/// assert_eq!(case.version(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// The event's version is not the case's next one.
    #[error("event version {found} does not follow version {current}: expected {expected}")]
    Version {
        /// The case's version.
        current: u64,
        /// The version the event should have (`current + 1`).
        expected: u64,
        /// The version it has.
        found: u64,
    },
    /// An event other than `opened` on a case not opened yet.
    #[error("case {case} is not opened yet: its first event must be `opened`")]
    NotOpened {
        /// The case.
        case: CaseId,
    },
    /// An `opened` event on a case already opened.
    #[error("case {case} is already opened: an `opened` event comes first and only once")]
    AlreadyOpened {
        /// The case.
        case: CaseId,
    },
    /// An `opened` event naming another case.
    #[error("the event opens case {other}, not {case}: events of one case go to that case only")]
    OtherCase {
        /// The case applied to.
        case: CaseId,
        /// The case the event belongs to.
        other: CaseId,
    },
    /// A time outside the range a case works with.
    #[error("{field} {value} is out of range: times run from 1900-01-01 to 9999-12-31 (UTC)")]
    TimeOutOfRange {
        /// Which field (`at`, `due`, ...).
        field: &'static str,
        /// The time found.
        value: DateTime<Utc>,
    },
    /// A duration that is negative or longer than the range of times.
    #[error("{field} {value} is out of range: a duration runs from 0 to 10,000 years")]
    DurationOutOfRange {
        /// Which field (`target`, `consumed`, ...).
        field: &'static str,
        /// The duration found, as text.
        value: String,
    },
    /// An amount of money that is negative where only a loss or a payment can be.
    #[error("{field} {value} is negative: a loss or a payment is never below zero")]
    NegativeAmount {
        /// Which field.
        field: &'static str,
        /// The amount.
        value: Money,
    },
    /// A clock started with another number than the case's next one (clocks
    /// are numbered from 1 in the order they started; events name them by
    /// number).
    #[error("{found} does not take the case's next number: expected {expected}")]
    ClockNumber {
        /// The number the clock should have.
        expected: ClockId,
        /// The number it has.
        found: ClockId,
    },
}

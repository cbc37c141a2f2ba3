//! Refusals (a command the case will not carry out) and input errors.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::Tier;
use crate::recovery::{GestureKind, Limit, Money, OfferId, OfferState, ReviewRule};
use crate::recovery::{local, phrase, share_of_loss};
use crate::{Actor, Agent, CommandName, FailureId, Outcome, PromiseId, PromiseState, StateName};

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
///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
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
    /// Escalation to an agent who is not more senior than the owner.
    #[error("cannot escalate from {from} to {to}: tier {} is not above tier {}", to.tier(), from.tier())]
    NotHigherTier {
        /// The current owner.
        from: Agent,
        /// The proposed owner.
        to: Agent,
    },
    /// A handoff to the agent who already owns the case.
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
    /// A gesture names a failure the case has not recorded.
    #[error("there is no {failure} on this case")]
    UnknownFailure {
        /// The number given.
        failure: FailureId,
    },
    /// A gesture's amount is not above zero (a repair's cost may be zero).
    #[error("cannot grant {}: the amount must be above zero", phrase(*.gesture, Some(*.amount)))]
    NonPositiveAmount {
        /// The kind of gesture.
        gesture: GestureKind,
        /// The amount given.
        amount: Money,
    },
    /// A remedy or a gesture that costs money names no failure.
    #[error("a {gesture} must name the recorded failure it is for")]
    NoFailureNamed {
        /// The kind of gesture.
        gesture: GestureKind,
    },
    /// A refund marked as owed is larger than the loss on the failures it names.
    #[error(
        "cannot grant an owed refund of {amount}: the customer's loss on the failures it names is {loss}; the rest is not owed"
    )]
    OwedBeyondLoss {
        /// The amount.
        amount: Money,
        /// The loss on the failures named.
        loss: Money,
    },
    /// A grant with no gesture in it.
    #[error("a grant needs at least one gesture")]
    NoGesture,
    /// Discretionary money after the customer signalled they had left. Money
    /// the customer is owed is still paid; apologies and gestures that cost
    /// nothing are still allowed.
    #[error("cannot grant {}: the customer left at {} (too late)", phrase(*.gesture, Some(*.amount)), local(*.time_zone, *.left_at))]
    TooLate {
        /// The kind of gesture.
        gesture: GestureKind,
        /// Its cost.
        amount: Money,
        /// When the customer signalled they had left.
        left_at: DateTime<Utc>,
        /// The case's time zone, for the message.
        time_zone: Tz,
    },
    /// A second gesture that makes good the whole loss of a failure already
    /// made good (a refund and a replacement of the same item).
    #[error("cannot grant {} for {failure}: it was already remedied by {} (double remedy)", phrase(*.second, None), phrase(*.first, None))]
    DoubleRemedy {
        /// The failure.
        failure: FailureId,
        /// The gesture that remedied it.
        first: GestureKind,
        /// The gesture refused.
        second: GestureKind,
    },
    /// Discretionary money with no specific apology before it or with it.
    #[error("cannot grant {} without a specific apology: apologise first, or in the same command, naming at least one recorded failure", phrase(*.gesture, Some(*.amount)))]
    ApologyRequired {
        /// The kind of gesture.
        gesture: GestureKind,
        /// Its cost.
        amount: Money,
    },
    /// Total compensation above the hard cap.
    #[error("cannot bring total compensation to {total}, {}: above the hard cap of {}", share_of_loss(*.total, *.loss), local_percent(*.cap_bps))]
    OverHardCap {
        /// The total the grant would reach.
        total: Money,
        /// The customer's loss.
        loss: Money,
        /// The hard cap, in basis points of the loss.
        cap_bps: u32,
    },
    /// Total compensation above the soft cap, by a tier below the one the
    /// policy names for it.
    #[error("{actor} may not bring total compensation to {total}, {}: above the soft cap of {} only tier {needs} or a more senior one may", share_of_loss(*.total, *.loss), local_percent(*.cap_bps))]
    OverSoftCap {
        /// Who tried.
        actor: Actor,
        /// The total the grant would reach.
        total: Money,
        /// The customer's loss.
        loss: Money,
        /// The soft cap, in basis points of the loss.
        cap_bps: u32,
        /// The least senior tier that may go above it.
        needs: Tier,
    },
    /// A gesture beyond the authority of the actor's tier, in kind or in
    /// amount. The system acts with the most junior tier's authority.
    #[error("{actor} may not grant {}: beyond the authority of tier {tier} ({limit}); {}", phrase(*.gesture, *.amount), lowest(.needs.as_ref()))]
    ExceedsAuthority {
        /// Who tried.
        actor: Actor,
        /// The tier whose authority was applied.
        tier: Tier,
        /// The kind of gesture.
        gesture: GestureKind,
        /// Its cost, if it costs money.
        amount: Option<Money>,
        /// The limit it breaks.
        limit: Limit,
        /// The least senior tier that could grant it; `None` if none could.
        needs: Option<Tier>,
    },
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
        case: crate::Text,
        /// The version given.
        given: crate::Text,
    },
    /// Adopting the policy the case already runs under.
    #[error("the case already runs under policy \"{policy}\"")]
    PolicyUnchanged {
        /// The version.
        policy: crate::Text,
    },
    /// Closing without a review where an escalation rule required one.
    #[error(
        "cannot close the case without a review: rule \"{rule}\" requires one; record its root cause and what will change"
    )]
    ReviewRequiredByRule {
        /// The rule that required it.
        rule: crate::Text,
    },
}

/// `12000` as `120.00%`.
fn local_percent(bps: u32) -> String {
    crate::recovery::Percent(i128::from(bps)).to_string()
}

/// The end of an authority refusal: who could grant it.
fn lowest(needs: Option<&Tier>) -> String {
    match needs {
        Some(tier) => format!("the lowest tier that may is {tier}"),
        None => "no tier may".to_owned(),
    }
}

/// An identifier that failed validation.
///
/// # Example
/// ```
/// let err = escalate::CaseId::new("").unwrap_err();
/// assert_eq!(err.to_string(), r#"invalid case id "": it is empty"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {value:?}: {problem}")]
pub struct InvalidId {
    pub(crate) what: &'static str,
    pub(crate) value: String,
    pub(crate) problem: &'static str,
}

/// A survey score outside 1 to 5.
///
/// # Example
/// ```
/// let err = escalate::SurveyScore::new(0).unwrap_err();
/// assert_eq!(err.to_string(), "invalid survey score 0: expected 1 to 5");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid survey score {0}: expected 1 to 5")]
pub struct InvalidScore(pub(crate) u8);

/// A policy that failed validation: the path of the offending field and the problem.
///
/// # Example
/// ```
/// use escalate::policy::Policy;
/// let err = Policy::new("v1", Vec::<String>::new()).unwrap_err();
/// assert_eq!(err.path(), "tiers");
/// assert_eq!(err.to_string(), "tiers: a policy needs at least one tier");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct PolicyError {
    path: String,
    problem: String,
}

impl PolicyError {
    /// The same problem, with its path placed inside `prefix`
    /// (`fallback.calendar` inside `sla[2]` is `sla[2].fallback.calendar`).
    pub(crate) fn within(mut self, prefix: &str) -> Self {
        self.path = format!("{prefix}.{}", self.path);
        self
    }

    pub(crate) fn new(path: impl Into<String>, problem: impl Into<String>) -> Self {
        PolicyError {
            path: path.into(),
            problem: problem.into(),
        }
    }

    /// What is wrong with it.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// let err = Policy::new("v1", ["a", "a"]).unwrap_err();
    /// assert_eq!(err.problem(), r#"tier "a" is named twice"#);
    /// ```
    #[must_use]
    pub fn problem(&self) -> &str {
        &self.problem
    }

    /// The path of the offending field, such as `tiers[1]`.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// let err = Policy::new("v1", ["a", "a"]).unwrap_err();
    /// assert_eq!(err.path(), "tiers[1]");
    /// ```
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// A history that cannot be replayed.
///
/// # Example
/// ```
/// use escalate::{Case, ReplayError};
/// assert_eq!(Case::replay(Vec::new()).unwrap_err(), ReplayError::Empty);
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
}

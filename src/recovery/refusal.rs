//! Why a grant breaks a recovery guard.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::authority::{Percent, exact_part};
use super::{GestureKind, Limit, Money, phrase, share_of_loss};
use crate::customer::FailureId;
use crate::ids::Tier;
use crate::money::ExactAmount;
use crate::owner::Actor;
use crate::text::local;

/// Why granting a gesture breaks a guard of the recovery rules: what
/// [`check_grant`](super::check_grant) reports, and what
/// [`Refusal::Grant`](crate::Refusal::Grant) carries when a case refuses a
/// grant or an offer.
///
/// # Example
/// ```
/// use escalate::recovery::{Currency, GestureKind, GrantRefusal, Money};
/// let refusal = GrantRefusal::ApologyRequired {
///     gesture: GestureKind::Credit,
///     amount: Money::new(3_000, Currency::USD),
/// };
/// assert!(refusal.to_string().starts_with("cannot grant a credit of USD 30.00 without a specific apology"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GrantRefusal {
    /// The customer tried to grant a gesture: only the company grants.
    #[error(
        "the customer may not grant a case: customers may only contact, answer surveys, confirm a resolution, accept or decline an offer, or say they are leaving"
    )]
    Customer,
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
    /// A refund marked as owed would bring the money owed on the failures
    /// it names above their loss: what the customer is owed on a failure is
    /// at most what they lost on it, across every grant, before and after
    /// their churn signal. Owed money paid earlier is counted against the
    /// failures its refund named, in the order it named them, each up to
    /// its loss.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command, Refusal};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::GrantRefusal;
    /// let policy = Policy::default();
    /// let mut case = Case::new("BIL-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "charged twice"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "monetary", "description": "charged twice",
    ///             "loss": {"minor": 10000, "currency": "USD"}}},
    ///   {"id": "c-4", "actor": "customer", "at": "2021-03-04T20:20:00Z",
    ///    "kind": {"type": "signal_churn", "note": "bought elsewhere"}},
    ///   {"id": "c-5", "actor": {"agent": {"id": "sue", "tier": "supervisor"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "partial_refund", "failures": [1],
    ///        "amount": {"minor": 10000, "currency": "USD"}, "due": "owed"}]}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// // The customer left; the USD 100.00 they were charged twice was refunded as owed.
    /// // The same refund again is not owed:
    /// let again: Command = serde_json::from_str(r#"{"id": "c-6",
    ///     "actor": {"agent": {"id": "sue", "tier": "supervisor"}}, "at": "2021-03-04T20:40:00Z",
    ///     "kind": {"type": "grant", "gestures": [{"type": "partial_refund", "failures": [1],
    ///         "amount": {"minor": 10000, "currency": "USD"}, "due": "owed"}]}}"#)?;
    /// let now = again.at();
    /// let Err(Refusal::Grant(refusal)) = case.handle(&policy, again, now) else { panic!("granted") };
    /// assert!(matches!(refusal, GrantRefusal::OwedBeyondLoss { .. }));
    /// assert_eq!(refusal.to_string(), "cannot grant an owed refund of USD 100.00 for failure #1: \
    ///     the customer's loss on it is USD 100.00, of which USD 100.00 was already refunded as owed; \
    ///     nothing more is owed");
    /// assert_eq!(case.money_granted().to_string(), "USD 100.00");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[error("{}", owed_beyond(.failures, *.loss, *.paid, *.amount))]
    OwedBeyondLoss {
        /// The failures the refund names.
        failures: Vec<FailureId>,
        /// The customer's loss on them, in the refund's currency.
        loss: Money,
        /// The owed money already paid on them, including earlier gestures
        /// of the same grant.
        paid: Money,
        /// The amount asked.
        amount: Money,
    },
    /// A sum of money the guards need would not fit in 64-bit minor units:
    /// the grant is refused rather than checked against a saturated number.
    /// Such sums are far beyond any real amount: a forged log, a mistyped
    /// loss, or a history recorded under a policy that enforced nothing.
    #[error("cannot grant {}: {} (out of range)", phrase(*.gesture, Some(*.amount)), out_of_range(*.sum, *.amount))]
    OutOfRange {
        /// The kind of gesture.
        gesture: GestureKind,
        /// Its cost.
        amount: Money,
        /// Which sum would not fit.
        sum: MoneySum,
    },
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
    #[error("cannot bring total compensation to {total}: the hard cap is {} of the customer's loss of {loss}, {} at most", local_percent(*.cap_bps), exact_part(*.loss, *.cap_bps))]
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
    #[error("{actor} may not bring total compensation to {total}, {}: above the soft cap of {}; only tier {needs} or a more senior one may", share_of_loss(*.total, *.loss), local_percent(*.cap_bps))]
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
}

/// Which sum of money would not fit in 64-bit minor units: what
/// [`GrantRefusal::OutOfRange`] names.
///
/// # Example
/// ```
/// use escalate::recovery::{Currency, GestureKind, GrantRefusal, Money, MoneySum};
/// let refusal = GrantRefusal::OutOfRange {
///     gesture: GestureKind::Credit,
///     amount: Money::new(i64::MAX, Currency::USD),
///     sum: MoneySum::Compensation,
/// };
/// assert_eq!(refusal.to_string(), "cannot grant a credit of USD 92233720368547758.07: \
///     the total compensation in USD would not fit in 64-bit minor units (out of range)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MoneySum {
    /// The case's total compensation (discretionary money) with the gesture.
    Compensation,
    /// The customer's loss the gesture is measured against: on the whole
    /// case for compensation, on the failures it names for owed money.
    Loss,
}

/// The reason of an out-of-range refusal, in the gesture's currency.
fn out_of_range(sum: MoneySum, amount: Money) -> String {
    let currency = amount.currency();
    match sum {
        MoneySum::Compensation => {
            format!("the total compensation in {currency} would not fit in 64-bit minor units")
        }
        MoneySum::Loss => {
            format!("the customer's loss in {currency} does not fit in 64-bit minor units")
        }
    }
}

/// The message of an owed refund beyond the loss.
fn owed_beyond(failures: &[FailureId], loss: Money, paid: Money, amount: Money) -> String {
    let (named, pronoun) = match failures {
        [one] => (one.to_string(), "it"),
        many => (format!("failures {}", numbers(many)), "them"),
    };
    let head = format!(
        "cannot grant an owed refund of {amount} for {named}: the customer's loss on {pronoun} is {loss}"
    );
    if paid.minor() == 0 {
        return format!("{head}; the rest is not owed");
    }
    let left = i128::from(loss.minor()) - i128::from(paid.minor());
    if left > 0 {
        let rest = ExactAmount(left, loss.currency());
        format!("{head}, of which {paid} was already refunded as owed; at most {rest} more is owed")
    } else {
        format!("{head}, of which {paid} was already refunded as owed; nothing more is owed")
    }
}

/// `#1, #2 and #3`.
fn numbers(failures: &[FailureId]) -> String {
    let mut out = String::new();
    for (i, failure) in failures.iter().enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == failures.len() {
                " and "
            } else {
                ", "
            });
        }
        out.push('#');
        out.push_str(&failure.get().to_string());
    }
    out
}

/// `12000` as `120.00%`.
fn local_percent(bps: u32) -> String {
    Percent(i128::from(bps)).to_string()
}

/// The end of an authority refusal: who could grant it.
fn lowest(needs: Option<&Tier>) -> String {
    match needs {
        Some(tier) => format!("the lowest tier that may is {tier}"),
        None => "no tier may".to_owned(),
    }
}

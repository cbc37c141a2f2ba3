//! The guards on granting gestures: validity, too late, double remedy,
//! apology first, the caps, and tier authority.

use chrono::{DateTime, Utc};

use super::authority::within;
use super::{Currency, Entitlement, Gesture, GestureKind, Limit, Money, RecoveryPolicy, Totals};
use crate::policy::Policy;
use crate::{Actor, Case, CommandName, FailureId, Refusal, Tier};

/// Every rule that granting `gestures` together, by `actor` at `at`, would
/// break on this case under this policy; empty when the grant is allowed.
///
/// [`Case::handle`] refuses a grant or an offer with the first of these.
/// The guards run gesture by gesture, in order, each seeing the earlier
/// gestures of the same grant as granted, and for each gesture in this
/// order (from what nobody can fix to what a more senior person can):
///
/// 1. a failure the case has not recorded, an amount not above zero (a
///    repair's cost may be zero), a remedy or money that names no failure,
///    an owed refund above the loss on the failures it names (these stop the
///    check: nothing else is reported);
/// 2. **too late**: discretionary money once the customer's churn signal is
///    on the case, whatever date the grant carries ([`Refusal::TooLate`]);
///    owed money, apologies and gestures that cost nothing are still allowed;
/// 3. **double remedy**: a second full refund, replacement or re-performance
///    for one failure ([`Refusal::DoubleRemedy`]);
/// 4. **apology first**: discretionary money (credit, refund, keep-the-item)
///    with no apology naming a recorded failure granted before it or in the
///    same grant ([`Refusal::ApologyRequired`]);
/// 5. **hard cap**: total compensation over the hard cap share of the loss
///    ([`Refusal::OverHardCap`]);
/// 6. **soft cap**: over the soft cap, by a tier below the one the policy
///    names ([`Refusal::OverSoftCap`]);
/// 7. **authority**: a kind of gesture, or a total, beyond the actor's tier
///    ([`Refusal::ExceedsAuthority`], naming the lowest tier that could).
///
/// Compensation is discretionary money (owed refunds are not), in the
/// gesture's currency; the loss is the sum of the recorded failures' losses
/// in that currency. The system acts with the authority of the most junior
/// tier (automation may do what anyone may do, no more); the customer may
/// grant nothing.
///
/// # Example
/// ```
/// use escalate::{Actor, Agent, Case, Command, FailureId, Refusal};
/// use escalate::policy::Policy;
/// use escalate::recovery::{check_grant, CreditForm, Currency, Gesture, Manner, Money};
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
/// // Failure #1 cost the customer USD 249.99; sam (frontline) owns the case.
/// let sam = Actor::Agent(Agent::new("sam".parse()?, "frontline".parse()?));
/// let t = "2021-03-05T10:00:00Z".parse()?;
/// let card = Gesture::Credit { failures: vec![FailureId::new(1)], form: CreditForm::GiftCard,
///     amount: Money::new(3_000, Currency::USD) };
/// let breaches = check_grant(&case, &policy, &sam, t, &[card.clone()]);
/// assert!(matches!(breaches[..], [Refusal::ApologyRequired { .. }]));
/// let sorry = Gesture::Apology { failures: vec![FailureId::new(1)], manner: Manner::Personal };
/// assert!(check_grant(&case, &policy, &sam, t, &[sorry, card]).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn check_grant(
    case: &Case,
    policy: &Policy,
    actor: &Actor,
    at: DateTime<Utc>,
    gestures: &[Gesture],
) -> Vec<Refusal> {
    // The grant's own time does not decide "too late": arrival order does
    // (a grant logged after the churn signal is too late whatever its date).
    let _ = at;
    let mut out = Vec::new();
    if let Err(refusal) = validate(case, gestures) {
        out.push(refusal);
        return out;
    }
    let tier = match actor {
        Actor::Agent(agent) => agent.tier().clone(),
        Actor::System => match policy.tiers().first() {
            Some(tier) => tier.clone(),
            None => return out,
        },
        Actor::Customer => {
            out.push(Refusal::CustomerNotAllowed {
                command: CommandName::Grant,
            });
            return out;
        }
    };
    let rules = policy.recovery();
    if rules.guards() == super::Guards::Off {
        return out;
    }
    let rank = policy.rank(&tier);
    let authority = rules.authority(&tier);
    let specific = case
        .granted()
        .iter()
        .any(|g| g.gesture().is_specific_apology())
        || gestures.iter().any(Gesture::is_specific_apology);
    let mut remedied: Vec<(FailureId, GestureKind)> = case
        .granted()
        .iter()
        .filter(|g| g.gesture().restores())
        .flat_map(|g| {
            g.gesture()
                .failures()
                .iter()
                .map(|f| (*f, g.gesture().kind()))
        })
        .collect();
    let mut totals = case.compensation();
    for gesture in gestures {
        let kind = gesture.kind();
        let money = gesture.discretionary_cost();
        // Arrival order decides (see `Case`): once the churn signal is on
        // the case, a grant dated before it is still too late.
        if let (Some(amount), Some(left_at)) = (money, case.churned_at()) {
            out.push(Refusal::TooLate {
                gesture: kind,
                amount,
                left_at,
                time_zone: case.time_zone(),
            });
        }
        if gesture.restores() {
            for failure in gesture.failures() {
                if let Some((_, first)) = remedied.iter().find(|(f, _)| f == failure) {
                    out.push(Refusal::DoubleRemedy {
                        failure: *failure,
                        first: *first,
                        second: kind,
                    });
                    break;
                }
            }
            remedied.extend(gesture.failures().iter().map(|f| (*f, kind)));
        }
        if let Some(amount) = money
            && kind.is_monetary()
            && !specific
        {
            out.push(Refusal::ApologyRequired {
                gesture: kind,
                amount,
            });
        }
        let total =
            money.map(|amount| caps(case, policy, actor, rank, &mut totals, amount, &mut out));
        let limit = match authority {
            Some(a) if a.allows(kind) => total.and_then(|(sum, loss)| a.breaks(sum, loss)),
            _ => Some(Limit::Kind),
        };
        if let Some(limit) = limit {
            out.push(Refusal::ExceedsAuthority {
                actor: actor.clone(),
                tier: tier.clone(),
                gesture: kind,
                amount: gesture.cost(),
                limit,
                needs: lowest_tier(policy, kind, total),
            });
        }
    }
    out
}

/// The cap guards for one more `amount` of compensation; returns the new
/// total and the loss it is measured against.
fn caps(
    case: &Case,
    policy: &Policy,
    actor: &Actor,
    rank: Option<usize>,
    totals: &mut Totals,
    amount: Money,
    out: &mut Vec<Refusal>,
) -> (Money, Money) {
    let rules = policy.recovery();
    let sum = totals
        .get(amount.currency())
        .checked_add(amount)
        .unwrap_or(Money::new(i64::MAX, amount.currency()));
    let loss = case_loss(case, amount.currency());
    if !within(sum, loss, rules.hard_cap_bps()) {
        out.push(Refusal::OverHardCap {
            total: sum,
            loss,
            cap_bps: rules.hard_cap_bps(),
        });
    } else if !within(sum, loss, rules.soft_cap_bps()) && rank < policy.rank(rules.soft_cap_tier())
    {
        out.push(Refusal::OverSoftCap {
            actor: actor.clone(),
            total: sum,
            loss,
            cap_bps: rules.soft_cap_bps(),
            needs: rules.soft_cap_tier().clone(),
        });
    }
    totals.add(amount);
    (sum, loss)
}

/// Checks that gestures name recorded failures and carry amounts above zero.
pub(crate) fn validate(case: &Case, gestures: &[Gesture]) -> Result<(), Refusal> {
    let known = case.failures().len();
    for gesture in gestures {
        for failure in gesture.failures() {
            if failure.get() == 0 || failure.get() as usize > known {
                return Err(Refusal::UnknownFailure { failure: *failure });
            }
        }
        let bad = match gesture {
            Gesture::Repair {
                cost: Some(cost), ..
            } => cost.minor() < 0,
            other => other.cost().is_some_and(|c| c.minor() <= 0),
        };
        if let (true, Some(amount)) = (bad, gesture.cost()) {
            return Err(Refusal::NonPositiveAmount {
                gesture: gesture.kind(),
                amount,
            });
        }
        // A remedy or money must say which loss it is for: otherwise the
        // double-remedy check and the loss it is sized against have nothing
        // to hold on to.
        if gesture.failures().is_empty() && (gesture.restores() || gesture.cost().is_some()) {
            return Err(Refusal::NoFailureNamed {
                gesture: gesture.kind(),
            });
        }
        // Money the customer is owed is at most what they lost on the
        // failures it names; anything beyond is not owed.
        if let (Entitlement::Owed, Some(amount)) = (gesture.entitlement(), gesture.cost()) {
            let loss = named_loss(case, gesture.failures(), amount.currency());
            if amount.minor() > loss.minor() {
                return Err(Refusal::OwedBeyondLoss { amount, loss });
            }
        }
    }
    Ok(())
}

/// The losses of the named failures, in one currency.
fn named_loss(case: &Case, failures: &[FailureId], currency: Currency) -> Money {
    let minor = case
        .failures()
        .iter()
        .filter(|f| failures.contains(&f.id()))
        .filter_map(crate::Failure::loss)
        .filter(|l| l.currency() == currency)
        .fold(0i64, |sum, l| sum.saturating_add(l.minor()));
    Money::new(minor, currency)
}

/// The customer's loss on a case in one currency: the sum of its failures'.
pub(crate) fn case_loss(case: &Case, currency: Currency) -> Money {
    let mut minor: i64 = 0;
    for loss in case.failures().iter().filter_map(crate::Failure::loss) {
        if loss.currency() == currency {
            minor = minor.saturating_add(loss.minor());
        }
    }
    Money::new(minor, currency)
}

/// The least senior tier that may grant this kind of gesture bringing the
/// total to `total` (on `loss`), within the soft cap's tier rule; `None` if
/// no tier may.
pub(crate) fn lowest_tier(
    policy: &Policy,
    kind: GestureKind,
    total: Option<(Money, Money)>,
) -> Option<Tier> {
    Ranks::new(policy).lowest(kind, total)
}

/// Each tier's authority by rank, looked up once.
pub(crate) struct Ranks<'a> {
    policy: &'a Policy,
    by_rank: Vec<Option<&'a crate::recovery::Authority>>,
    soft_rank: usize,
}

impl<'a> Ranks<'a> {
    pub(crate) fn new(policy: &'a Policy) -> Self {
        let rules: &RecoveryPolicy = policy.recovery();
        Ranks {
            policy,
            by_rank: policy
                .tiers()
                .iter()
                .map(|tier| rules.authority(tier))
                .collect(),
            soft_rank: policy.rank(rules.soft_cap_tier()).unwrap_or(0),
        }
    }

    /// See [`lowest_tier`].
    pub(crate) fn lowest(&self, kind: GestureKind, total: Option<(Money, Money)>) -> Option<Tier> {
        let rules = self.policy.recovery();
        let needs_rank = match total {
            Some((sum, loss)) if !within(sum, loss, rules.hard_cap_bps()) => return None,
            Some((sum, loss)) if !within(sum, loss, rules.soft_cap_bps()) => self.soft_rank,
            _ => 0,
        };
        self.by_rank
            .iter()
            .enumerate()
            .skip(needs_rank)
            .find(|(_, authority)| {
                authority.is_some_and(|a| {
                    a.allows(kind) && total.is_none_or(|(sum, loss)| a.breaks(sum, loss).is_none())
                })
            })
            .and_then(|(rank, _)| self.policy.tiers().get(rank).cloned())
    }
}

/// Sums of discretionary money granted, per currency.
pub(crate) fn compensation<'a>(granted: impl Iterator<Item = &'a Gesture>) -> Totals {
    let mut totals = Totals::default();
    for money in granted.filter_map(Gesture::discretionary_cost) {
        totals.add(money);
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recovery::{Entitlement, Manner};
    use crate::test_support::{at, case_with_failure};
    use crate::{Agent, FailureId};

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::USD)
    }

    #[test]
    fn the_system_acts_with_the_most_junior_authority() {
        let case = case_with_failure().unwrap();
        let refund = Gesture::PartialRefund {
            failures: vec![FailureId::new(1)],
            amount: usd(1_000),
            due: Entitlement::Owed,
        };
        let breaches = check_grant(
            &case,
            &Policy::default(),
            &Actor::System,
            at("2021-03-05T10:00:00Z"),
            &[refund],
        );
        assert!(
            matches!(&breaches[..], [Refusal::ExceedsAuthority { tier, limit: Limit::Kind, needs: Some(needs), .. }]
                if tier.as_str() == "frontline" && needs.as_str() == "supervisor"),
            "{breaches:?}"
        );
    }

    #[test]
    fn lowest_tier_follows_authority_and_caps() {
        let policy = Policy::default();
        let tier = |kind, total: Option<(i64, i64)>| {
            lowest_tier(&policy, kind, total.map(|(t, l)| (usd(t), usd(l))))
                .map(|t| t.as_str().to_owned())
        };
        assert_eq!(
            tier(GestureKind::Apology, None).as_deref(),
            Some("frontline")
        );
        assert_eq!(
            tier(GestureKind::Credit, Some((2_500, 10_000))).as_deref(),
            Some("frontline")
        );
        assert_eq!(
            tier(GestureKind::Credit, Some((2_501, 10_000))).as_deref(),
            Some("supervisor")
        );
        assert_eq!(
            tier(GestureKind::Credit, Some((12_001, 10_000))).as_deref(),
            Some("executive")
        );
        assert_eq!(tier(GestureKind::Credit, Some((15_001, 10_000))), None);
        assert_eq!(
            tier(GestureKind::KeepItem, None).as_deref(),
            Some("supervisor")
        );
    }

    #[test]
    fn validation_and_losses() {
        let case = case_with_failure().unwrap();
        let sorry = |n| Gesture::Apology {
            failures: vec![FailureId::new(n)],
            manner: Manner::Form,
        };
        assert_eq!(
            validate(&case, &[sorry(0)]),
            Err(Refusal::UnknownFailure {
                failure: FailureId::new(0)
            })
        );
        assert!(validate(&case, &[sorry(1)]).is_ok());
        let free = |failures| Gesture::Repair {
            failures,
            repair: crate::recovery::Repair::Exchange,
            cost: Some(usd(0)),
        };
        assert!(validate(&case, &[free(vec![FailureId::new(1)])]).is_ok());
        // A remedy must say which failure it is for.
        assert_eq!(
            validate(&case, &[free(vec![])]),
            Err(Refusal::NoFailureNamed {
                gesture: GestureKind::Exchange
            })
        );
        assert_eq!(
            Refusal::NoFailureNamed {
                gesture: GestureKind::Exchange
            }
            .to_string(),
            "a replacement must name the recorded failure it is for"
        );
        // An owed refund is at most the loss on the failures it names.
        let owed = |minor| Gesture::FullRefund {
            failures: vec![FailureId::new(1)],
            amount: usd(minor),
            due: Entitlement::Owed,
        };
        assert!(validate(&case, &[owed(24_999)]).is_ok());
        let refusal = validate(&case, &[owed(100_000_000)]).unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "cannot grant an owed refund of USD 1000000.00: the customer's loss on the failures it names is USD 249.99; the rest is not owed"
        );
        assert_eq!(case_loss(&case, Currency::USD), usd(24_999));
        assert_eq!(case_loss(&case, Currency::EUR).minor(), 0);
        // Nobody may grant money against a loss recorded in another currency.
        let sam = Actor::Agent(Agent::new(
            "sam".parse().unwrap(),
            "frontline".parse().unwrap(),
        ));
        let euros = Gesture::Credit {
            failures: vec![FailureId::new(1)],
            form: crate::recovery::CreditForm::GiftCard,
            amount: Money::new(100, Currency::EUR),
        };
        let breaches = check_grant(
            &case,
            &Policy::default(),
            &sam,
            at("2021-03-05T10:00:00Z"),
            &[sorry(1), euros],
        );
        assert!(
            matches!(
                breaches[..],
                [
                    Refusal::OverHardCap { .. },
                    Refusal::ExceedsAuthority { needs: None, .. }
                ]
            ),
            "{breaches:?}"
        );
    }
}

//! The guards on granting gestures: validity, too late, double remedy,
//! apology first, the caps, and tier authority.

use super::authority::within;
use super::ledger::{MoneyIn, Owed};
use super::{
    Authority, Currency, Entitlement, Gesture, GestureKind, GrantRefusal, Ledger, Limit, Money,
    MoneySum, RecoveryPolicy, Totals,
};
use crate::customer::FailureId;
use crate::ids::Tier;
use crate::owner::Actor;

/// Every rule that granting `gestures` together, by `actor`, would break
/// on a case with this `ledger` under these recovery `rules` (for a policy
/// whose tiers, most junior first, are `tiers`); empty when the grant is
/// allowed.
///
/// [`Case::handle`](crate::Case::handle) refuses a grant or an offer with the first of these.
/// The guards run gesture by gesture, in order, each seeing the earlier
/// gestures of the same grant as granted, and for each gesture in this
/// order (from what nobody can fix to what a more senior person can):
///
/// 1. a failure the case has not recorded, an amount not above zero (a
///    repair's cost may be zero), a remedy or money that names no failure,
///    an owed refund that would bring the owed money on the failures it
///    names above their loss, counting every owed refund granted before it
///    (in earlier grants or earlier in this one, before or after the churn
///    signal: [`GrantRefusal::OwedBeyondLoss`]), or whose loss does not fit
///    in 64-bit minor units (these stop the check: nothing else is
///    reported);
/// 2. **too late**: discretionary money once the customer's churn signal is
///    on the case, whatever date the grant carries ([`GrantRefusal::TooLate`]);
///    owed money, apologies and gestures that cost nothing are still allowed;
/// 3. **double remedy**: a second full refund, replacement or re-performance
///    for one failure ([`GrantRefusal::DoubleRemedy`]);
/// 4. **apology first**: discretionary money (credit, refund, keep-the-item)
///    with no apology naming a recorded failure granted before it or in the
///    same grant ([`GrantRefusal::ApologyRequired`]);
/// 5. **hard cap**: total compensation over the hard cap share of the loss
///    ([`GrantRefusal::OverHardCap`]); or, when the total or the loss would
///    not fit in 64-bit minor units, **out of range**
///    ([`GrantRefusal::OutOfRange`]: refused, never saturated into a pass);
/// 6. **soft cap**: over the soft cap, by a tier below the one the policy
///    names ([`GrantRefusal::OverSoftCap`]);
/// 7. **authority**: a kind of gesture, or a total, beyond the actor's tier
///    ([`GrantRefusal::ExceedsAuthority`], naming the lowest tier that could).
///
/// Compensation is discretionary money (owed refunds are not), in the
/// gesture's currency; the loss is the sum of the recorded failures' losses
/// in that currency. Both are summed exactly (a negative amount, which only
/// a forged log holds, counts as zero toward compensation) and compared
/// exactly, in 128-bit arithmetic. The system acts with the authority of
/// the most junior tier (automation may do what anyone may do, no more);
/// the customer may grant nothing.
///
/// # Example
/// ```
/// use escalate::{Actor, Agent, Case, Command, FailureId};
/// use escalate::policy::Policy;
/// use escalate::recovery::{check_grant, CreditForm, Currency, Gesture, GrantRefusal, Manner, Money};
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
/// // Failure #1 cost the customer USD 249.99; sam (frontline) owns the case.
/// let sam = Actor::Agent(Agent::new("sam".parse()?, "frontline".parse()?));
/// let card = Gesture::Credit { failures: vec![FailureId::new(1)], form: CreditForm::GiftCard,
///     amount: Money::new(3_000, Currency::USD) };
/// let breaches = check_grant(case.ledger(), policy.recovery(), policy.tiers(), &sam,
///     &[card.clone()]);
/// assert!(matches!(breaches[..], [GrantRefusal::ApologyRequired { .. }]));
/// let sorry = Gesture::Apology { failures: vec![FailureId::new(1)], manner: Manner::Personal };
/// assert!(check_grant(case.ledger(), policy.recovery(), policy.tiers(), &sam,
///     &[sorry, card]).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn check_grant(
    ledger: &Ledger,
    rules: &RecoveryPolicy,
    tiers: &[Tier],
    actor: &Actor,
    gestures: &[Gesture],
) -> Vec<GrantRefusal> {
    // The grant's own time does not decide "too late": arrival order does
    // (a grant logged after the churn signal is too late whatever its date),
    // so the check takes no time.
    let mut out = Vec::new();
    if let Err(refusal) = validate(ledger, gestures) {
        out.push(refusal);
        return out;
    }
    let tier = match actor {
        Actor::Agent(agent) => agent.tier().clone(),
        Actor::System => match tiers.first() {
            Some(tier) => tier.clone(),
            None => return out,
        },
        Actor::Customer => {
            out.push(GrantRefusal::Customer);
            return out;
        }
    };
    if rules.guards() == super::Guards::Off {
        return out;
    }
    let rank = rank_of(tiers, &tier);
    let authority = rules.authority(&tier);
    let specific =
        ledger.has_specific_apology() || gestures.iter().any(Gesture::is_specific_apology);
    let mut remedied = remedied(ledger);
    let mut running = Running::new(ledger);
    for gesture in gestures {
        let kind = gesture.kind();
        let money = gesture.discretionary_cost();
        // Arrival order decides (see `Case`): once the churn signal is on
        // the case, a grant dated before it is still too late.
        if let (Some(amount), Some(left_at)) = (money, ledger.churned_at()) {
            out.push(GrantRefusal::TooLate {
                gesture: kind,
                amount,
                left_at,
                time_zone: ledger.time_zone(),
            });
        }
        if gesture.restores() {
            for failure in gesture.failures() {
                if let Some((_, first)) = remedied.iter().find(|(f, _)| f == failure) {
                    out.push(GrantRefusal::DoubleRemedy {
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
            out.push(GrantRefusal::ApologyRequired {
                gesture: kind,
                amount,
            });
        }
        let mut counted = true;
        let total = money.and_then(|amount| match running.add(amount) {
            Ok((sum, loss)) => {
                caps(rules, tiers, actor, rank, sum, loss, &mut out);
                Some((sum, loss))
            }
            // Refused, not saturated into a pass.
            Err(sum) => {
                out.push(GrantRefusal::OutOfRange {
                    gesture: kind,
                    amount,
                    sum,
                });
                counted = false;
                None
            }
        });
        let limit = match authority {
            Some(a) if a.allows(kind) => total.and_then(|(sum, loss)| a.breaks(sum, loss)),
            _ => Some(Limit::Kind),
        };
        if let Some(limit) = limit {
            out.push(GrantRefusal::ExceedsAuthority {
                actor: actor.clone(),
                tier: tier.clone(),
                gesture: kind,
                amount: gesture.cost(),
                limit,
                needs: if counted {
                    Ranks::new(rules, tiers).lowest(kind, total)
                } else {
                    None
                },
            });
        }
    }
    out
}

/// The failures made good by a granted gesture, with the kind that did it.
fn remedied(ledger: &Ledger) -> Vec<(FailureId, GestureKind)> {
    ledger
        .granted()
        .iter()
        .filter(|g| g.gesture().restores())
        .flat_map(|g| {
            g.gesture()
                .failures()
                .iter()
                .map(|f| (*f, g.gesture().kind()))
        })
        .collect()
}

/// The value kept for `key` in `rows`, made by `make` the first time.
pub(crate) fn slot<K: PartialEq + Copy, V>(
    rows: &mut Vec<(K, V)>,
    key: K,
    make: impl FnOnce() -> V,
) -> Option<&mut V> {
    if !rows.iter().any(|(k, _)| *k == key) {
        rows.push((key, make()));
    }
    rows.iter_mut().find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// The compensation a grant brings the case to, gesture by gesture, and the
/// loss it is measured against, per currency, summed exactly.
struct Running<'a> {
    ledger: &'a Ledger,
    /// Per currency: the compensation so far (with the grant's earlier
    /// gestures) and the customer's loss; `None` past the range of `i128`.
    sums: Vec<(Currency, MoneyIn)>,
}

impl<'a> Running<'a> {
    fn new(ledger: &'a Ledger) -> Self {
        Running {
            ledger,
            sums: Vec::new(),
        }
    }

    /// Adds `amount` to the compensation of its currency: the new total and
    /// the loss, or which of them does not fit in 64-bit minor units.
    fn add(&mut self, amount: Money) -> Result<(Money, Money), MoneySum> {
        let currency = amount.currency();
        let ledger = self.ledger;
        let Some(sums) = slot(&mut self.sums, currency, || ledger.money_in(currency)) else {
            return Err(MoneySum::Compensation);
        };
        sums.compensation = sums
            .compensation
            .and_then(|t| t.checked_add(amount.minor().into()));
        let fits = |minor: Option<i128>| {
            minor
                .and_then(|m| i64::try_from(m).ok())
                .map(|m| Money::new(m, currency))
        };
        let sum = fits(sums.compensation).ok_or(MoneySum::Compensation)?;
        let loss = fits(sums.loss).ok_or(MoneySum::Loss)?;
        Ok((sum, loss))
    }
}

/// The cap guards for compensation brought to `sum` on a `loss`.
fn caps(
    rules: &RecoveryPolicy,
    tiers: &[Tier],
    actor: &Actor,
    rank: Option<usize>,
    sum: Money,
    loss: Money,
    out: &mut Vec<GrantRefusal>,
) {
    if !within(sum, loss, rules.hard_cap_bps()) {
        out.push(GrantRefusal::OverHardCap {
            total: sum,
            loss,
            cap_bps: rules.hard_cap_bps(),
        });
    } else if !within(sum, loss, rules.soft_cap_bps())
        && rank < rank_of(tiers, rules.soft_cap_tier())
    {
        out.push(GrantRefusal::OverSoftCap {
            actor: actor.clone(),
            total: sum,
            loss,
            cap_bps: rules.soft_cap_bps(),
            needs: rules.soft_cap_tier().clone(),
        });
    }
}

/// A tier's rank in `tiers` (most junior first).
fn rank_of(tiers: &[Tier], tier: &Tier) -> Option<usize> {
    tiers.iter().position(|t| t == tier)
}

/// Checks that gestures name recorded failures and carry amounts above zero.
pub(crate) fn validate(ledger: &Ledger, gestures: &[Gesture]) -> Result<(), GrantRefusal> {
    let mut books: Vec<(Currency, Owed)> = Vec::new();
    for gesture in gestures {
        for failure in gesture.failures() {
            if ledger.failure(*failure).is_none() {
                return Err(GrantRefusal::UnknownFailure { failure: *failure });
            }
        }
        let bad = match gesture {
            Gesture::Repair {
                cost: Some(cost), ..
            } => cost.minor() < 0,
            other => other.cost().is_some_and(|c| c.minor() <= 0),
        };
        if let (true, Some(amount)) = (bad, gesture.cost()) {
            return Err(GrantRefusal::NonPositiveAmount {
                gesture: gesture.kind(),
                amount,
            });
        }
        // A remedy or money must say which loss it is for: otherwise the
        // double-remedy check and the loss it is sized against have nothing
        // to hold on to.
        if gesture.failures().is_empty() && (gesture.restores() || gesture.cost().is_some()) {
            return Err(GrantRefusal::NoFailureNamed {
                gesture: gesture.kind(),
            });
        }
        // Money the customer is owed on a failure is at most what they lost
        // on it, in total over every grant; anything beyond is not owed.
        if let (Entitlement::Owed, Some(amount)) = (gesture.entitlement(), gesture.cost()) {
            owed_within_loss(ledger, &mut books, gesture, amount)?;
        }
    }
    Ok(())
}

/// Checks an owed refund of `amount` against what is left of the loss on
/// the failures it names, then counts it there. `books` holds, per
/// currency, the owed money counted so far, with the grant's earlier
/// gestures.
fn owed_within_loss(
    ledger: &Ledger,
    books: &mut Vec<(Currency, Owed)>,
    gesture: &Gesture,
    amount: Money,
) -> Result<(), GrantRefusal> {
    let currency = amount.currency();
    let out_of_range = || GrantRefusal::OutOfRange {
        gesture: gesture.kind(),
        amount,
        sum: MoneySum::Loss,
    };
    let Some(book) = slot(books, currency, || ledger.owed(currency)) else {
        return Err(out_of_range());
    };
    let failures = gesture.failures();
    let on = book.on(failures).ok_or_else(out_of_range)?;
    let money = |minor: i128| {
        i64::try_from(minor)
            .ok()
            .map(|minor| Money::new(minor, currency))
    };
    let (Some(loss), Some(paid)) = (money(on.loss), money(on.paid)) else {
        return Err(out_of_range());
    };
    if i128::from(amount.minor()) > on.left {
        return Err(GrantRefusal::OwedBeyondLoss {
            failures: failures.to_vec(),
            loss,
            paid,
            amount,
        });
    }
    book.pay(failures, amount.minor());
    Ok(())
}

/// Each tier's authority by rank, looked up once.
pub(crate) struct Ranks<'a> {
    rules: &'a RecoveryPolicy,
    tiers: &'a [Tier],
    by_rank: Vec<Option<&'a Authority>>,
    soft_rank: usize,
}

impl<'a> Ranks<'a> {
    pub(crate) fn new(rules: &'a RecoveryPolicy, tiers: &'a [Tier]) -> Self {
        Ranks {
            rules,
            tiers,
            by_rank: tiers.iter().map(|tier| rules.authority(tier)).collect(),
            soft_rank: rank_of(tiers, rules.soft_cap_tier()).unwrap_or(0),
        }
    }

    /// The least senior tier that may grant this kind of gesture bringing
    /// the total to `total` (on `loss`), within the soft cap's tier rule;
    /// `None` if no tier may.
    pub(crate) fn lowest(&self, kind: GestureKind, total: Option<(Money, Money)>) -> Option<Tier> {
        self.lowest_giving(kind, total, false)
    }

    /// [`lowest`](Self::lowest), for a tier that must also be allowed to
    /// apologise when `with_apology` (the apology the guard requires before
    /// discretionary money, given in the same grant).
    pub(crate) fn lowest_giving(
        &self,
        kind: GestureKind,
        total: Option<(Money, Money)>,
        with_apology: bool,
    ) -> Option<Tier> {
        let rules = self.rules;
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
                    a.allows(kind)
                        && (!with_apology || a.allows(GestureKind::Apology))
                        && total.is_none_or(|(sum, loss)| a.breaks(sum, loss).is_none())
                })
            })
            .and_then(|(rank, _)| self.tiers.get(rank).cloned())
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
    use crate::owner::Agent;
    use crate::recovery::{Currency, Entitlement, Manner};
    use crate::test_support::{cabinet_ledger as ledger, default_tiers as tiers};

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::USD)
    }

    #[test]
    fn the_system_acts_with_the_most_junior_authority() {
        let ledger = ledger();
        let (tiers, rules) = (tiers(), RecoveryPolicy::standard(&tiers()));
        let refund = Gesture::PartialRefund {
            failures: vec![FailureId::new(1)],
            amount: usd(1_000),
            due: Entitlement::Owed,
        };
        let breaches = check_grant(&ledger, &rules, &tiers, &Actor::System, &[refund]);
        assert!(
            matches!(&breaches[..], [GrantRefusal::ExceedsAuthority { tier, limit: Limit::Kind, needs: Some(needs), .. }]
                if tier.as_str() == "frontline" && needs.as_str() == "supervisor"),
            "{breaches:?}"
        );
    }

    #[test]
    fn lowest_tier_follows_authority_and_caps() {
        let (tiers, rules) = (tiers(), RecoveryPolicy::standard(&tiers()));
        let ranks = Ranks::new(&rules, &tiers);
        let tier = |kind, total: Option<(i64, i64)>| {
            ranks
                .lowest(kind, total.map(|(t, l)| (usd(t), usd(l))))
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
        let ledger = ledger();
        let (tiers, rules) = (tiers(), RecoveryPolicy::standard(&tiers()));
        let sorry = |n| Gesture::Apology {
            failures: vec![FailureId::new(n)],
            manner: Manner::Form,
        };
        assert_eq!(
            validate(&ledger, &[sorry(0)]),
            Err(GrantRefusal::UnknownFailure {
                failure: FailureId::new(0)
            })
        );
        assert!(validate(&ledger, &[sorry(1)]).is_ok());
        let free = |failures| Gesture::Repair {
            failures,
            repair: crate::recovery::Repair::Exchange,
            cost: Some(usd(0)),
        };
        assert!(validate(&ledger, &[free(vec![FailureId::new(1)])]).is_ok());
        // A remedy must say which failure it is for.
        assert_eq!(
            validate(&ledger, &[free(vec![])]),
            Err(GrantRefusal::NoFailureNamed {
                gesture: GestureKind::Exchange
            })
        );
        assert_eq!(
            GrantRefusal::NoFailureNamed {
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
        assert!(validate(&ledger, &[owed(24_999)]).is_ok());
        let refusal = validate(&ledger, &[owed(100_000_000)]).unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "cannot grant an owed refund of USD 1000000.00 for failure #1: the customer's loss on it is USD 249.99; the rest is not owed"
        );
        // Owed money counts over the gestures of one grant.
        assert_eq!(
            validate(&ledger, &[owed(20_000), owed(4_999), owed(1)]),
            Err(GrantRefusal::OwedBeyondLoss {
                failures: vec![FailureId::new(1)],
                loss: usd(24_999),
                paid: usd(24_999),
                amount: usd(1),
            })
        );
        assert_eq!(ledger.loss(Currency::USD), Ok(usd(24_999)));
        assert_eq!(ledger.loss(Currency::EUR), Ok(Money::new(0, Currency::EUR)));
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
        let breaches = check_grant(&ledger, &rules, &tiers, &sam, &[sorry(1), euros]);
        assert!(
            matches!(
                breaches[..],
                [
                    GrantRefusal::OverHardCap { .. },
                    GrantRefusal::ExceedsAuthority { needs: None, .. }
                ]
            ),
            "{breaches:?}"
        );
    }
}

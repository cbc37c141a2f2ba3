//! The ledger the guards read: a case's failures, its granted gestures, the
//! churn signal and the time zone its messages use.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{Currency, Entitlement, Gesture, Granted, Money, MoneyError, Totals};
use crate::customer::{Failure, FailureId};

/// What the recovery guards, [`recommend`](super::recommend) and
/// [`Audit::of`](super::Audit::of) need to know about a case, and nothing more:
/// the failures recorded on it (with the customer's losses), the gestures
/// granted (in order), the customer's churn signal, and the time zone that
/// messages show times in.
///
/// A case keeps one and hands it out with
/// [`Case::ledger`](crate::Case::ledger); a ledger built by hand serves to
/// ask the guards about a case that is not held in memory.
///
/// # Example
/// ```
/// use chrono::{DateTime, Utc};
/// use escalate::{Actor, Agent, Failure, FailureId, FailureKind};
/// use escalate::recovery::{Currency, Gesture, Ledger, Manner, Money};
/// let t: DateTime<Utc> = "2021-03-04T20:00:00Z".parse()?;
/// let mut ledger = Ledger::new(chrono_tz::America::New_York);
/// ledger.record_failure(Failure::new(FailureId::new(1), FailureKind::Product,
///     "wrong cabinet", Some(Money::new(24_999, Currency::USD)), t));
/// let sam = Actor::Agent(Agent::new("sam".parse()?, "frontline".parse()?));
/// ledger.record_grant(Gesture::Apology { failures: vec![FailureId::new(1)],
///     manner: Manner::Personal }, sam, t, None);
/// assert_eq!(ledger.loss(Currency::USD), Ok(Money::new(24_999, Currency::USD)));
/// assert!(ledger.has_specific_apology());
/// assert!(ledger.compensation().is_zero());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ledger {
    time_zone: Tz,
    failures: Vec<Failure>,
    granted: Vec<Granted>,
    churn: Option<Churn>,
}

/// The customer's churn signal: when they left, and how many grants the
/// ledger held when the signal arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Churn {
    left_at: DateTime<Utc>,
    grants_before: usize,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger::new(Tz::UTC)
    }
}

impl Ledger {
    /// An empty ledger whose messages show times in `time_zone`.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::Ledger;
    /// let ledger = Ledger::new(chrono_tz::Europe::Paris);
    /// assert!(ledger.failures().is_empty());
    /// assert_eq!(ledger.time_zone(), chrono_tz::Europe::Paris);
    /// ```
    #[must_use]
    pub fn new(time_zone: Tz) -> Self {
        Ledger {
            time_zone,
            failures: Vec::new(),
            granted: Vec::new(),
            churn: None,
        }
    }

    /// Records a failure. Failures are numbered from 1 in recording order
    /// (1, 2, 3, ...): a failure whose number is not the next
    /// one is still recorded, and the guards look failures up by number.
    ///
    /// # Example
    /// ```
    /// use escalate::{Failure, FailureId, FailureKind};
    /// use escalate::recovery::Ledger;
    /// let mut ledger = Ledger::default();
    /// ledger.record_failure(Failure::new(FailureId::new(1), FailureKind::Attention,
    ///     "no call back", None, "2021-03-04T20:00:00Z".parse()?));
    /// assert_eq!(ledger.failures().len(), 1);
    /// # Ok::<(), chrono::ParseError>(())
    /// ```
    pub fn record_failure(&mut self, failure: Failure) {
        self.failures.push(failure);
    }

    /// Records a granted gesture: who granted it, when, and the offer it
    /// carried out, if any.
    ///
    /// # Example
    /// ```
    /// use escalate::Actor;
    /// use escalate::recovery::{Gesture, Ledger, Manner};
    /// let mut ledger = Ledger::default();
    /// ledger.record_grant(Gesture::Apology { failures: vec![], manner: Manner::Form },
    ///     Actor::System, "2021-03-04T20:00:00Z".parse()?, None);
    /// assert_eq!(ledger.granted().len(), 1);
    /// assert!(!ledger.has_specific_apology()); // it names no failure
    /// # Ok::<(), chrono::ParseError>(())
    /// ```
    pub fn record_grant(
        &mut self,
        gesture: Gesture,
        by: crate::owner::Actor,
        at: DateTime<Utc>,
        offer: Option<super::OfferId>,
    ) {
        self.granted.push(Granted {
            gesture,
            by,
            at,
            offer,
        });
    }

    /// Records the customer's churn signal. Only the first counts: the
    /// customer left when they first said so.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::Ledger;
    /// let mut ledger = Ledger::default();
    /// ledger.record_churn("2021-03-05T09:00:00Z".parse()?);
    /// ledger.record_churn("2021-03-06T09:00:00Z".parse()?);
    /// assert_eq!(ledger.churned_at(), Some("2021-03-05T09:00:00Z".parse()?));
    /// # Ok::<(), chrono::ParseError>(())
    /// ```
    pub fn record_churn(&mut self, left_at: DateTime<Utc>) {
        if self.churn.is_none() {
            self.churn = Some(Churn {
                left_at,
                grants_before: self.granted.len(),
            });
        }
    }

    /// The time zone messages show times in.
    ///
    /// # Example
    /// ```
    /// assert_eq!(escalate::recovery::Ledger::default().time_zone(), chrono_tz::UTC);
    /// ```
    #[must_use]
    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// The failures, in recording order.
    ///
    /// # Example
    /// ```
    /// assert!(escalate::recovery::Ledger::default().failures().is_empty());
    /// ```
    #[must_use]
    pub fn failures(&self) -> &[Failure] {
        &self.failures
    }

    /// The failure with this number, if it was recorded.
    ///
    /// # Example
    /// ```
    /// use escalate::FailureId;
    /// assert!(escalate::recovery::Ledger::default().failure(FailureId::new(1)).is_none());
    /// ```
    #[must_use]
    pub fn failure(&self, id: FailureId) -> Option<&Failure> {
        self.failures.iter().find(|f| f.id() == id)
    }

    /// The granted gestures, in order.
    ///
    /// # Example
    /// ```
    /// assert!(escalate::recovery::Ledger::default().granted().is_empty());
    /// ```
    #[must_use]
    pub fn granted(&self) -> &[Granted] {
        &self.granted
    }

    /// When the customer said they had left, if they did.
    ///
    /// # Example
    /// ```
    /// assert_eq!(escalate::recovery::Ledger::default().churned_at(), None);
    /// ```
    #[must_use]
    pub fn churned_at(&self) -> Option<DateTime<Utc>> {
        self.churn.map(|c| c.left_at)
    }

    /// Whether an apology naming at least one failure has been granted.
    ///
    /// # Example
    /// ```
    /// assert!(!escalate::recovery::Ledger::default().has_specific_apology());
    /// ```
    #[must_use]
    pub fn has_specific_apology(&self) -> bool {
        self.granted.iter().any(|g| g.gesture.is_specific_apology())
    }

    /// The customer's loss in one currency: the sum of the recorded
    /// failures' losses in it.
    ///
    /// # Errors
    /// [`MoneyError::TotalOutOfRange`] when the sum does not fit in 64-bit
    /// minor units (the sum is checked, never saturated).
    ///
    /// # Example
    /// ```
    /// use escalate::{Failure, FailureId, FailureKind};
    /// use escalate::recovery::{Currency, Ledger, Money, MoneyError};
    /// let mut ledger = Ledger::default();
    /// assert_eq!(ledger.loss(Currency::EUR), Ok(Money::new(0, Currency::EUR)));
    /// for n in 1..=2 {
    ///     ledger.record_failure(Failure::new(FailureId::new(n), FailureKind::Monetary,
    ///         "charged twice", Some(Money::new(i64::MAX, Currency::USD)),
    ///         "2021-03-04T20:00:00Z".parse()?));
    /// }
    /// assert_eq!(ledger.loss(Currency::USD), Err(MoneyError::TotalOutOfRange(Currency::USD)));
    /// # Ok::<(), chrono::ParseError>(())
    /// ```
    pub fn loss(&self, currency: Currency) -> Result<Money, MoneyError> {
        self.exact_loss(currency)
            .and_then(|minor| i64::try_from(minor).ok())
            .map(|minor| Money::new(minor, currency))
            .ok_or(MoneyError::TotalOutOfRange(currency))
    }

    /// The loss in one currency, exactly (see [`exact_sum`]).
    pub(crate) fn exact_loss(&self, currency: Currency) -> Option<i128> {
        exact_sum(
            self.failures
                .iter()
                .filter_map(Failure::loss)
                .filter(|l| l.currency() == currency)
                .map(|l| l.minor()),
        )
    }

    /// The compensation the guards count in one currency, exactly: the
    /// discretionary money granted, each amount counted at zero or more (a
    /// negative amount, which only a forged log holds, makes no room under
    /// the caps).
    pub(crate) fn counted_compensation(&self, currency: Currency) -> Option<i128> {
        exact_sum(
            self.granted
                .iter()
                .filter_map(|g| g.gesture.discretionary_cost())
                .filter(|m| m.currency() == currency)
                .map(|m| m.minor().max(0)),
        )
    }

    /// The compensation the guards count and the loss, in one currency,
    /// summed exactly.
    pub(crate) fn money_in(&self, currency: Currency) -> MoneyIn {
        MoneyIn {
            compensation: self.counted_compensation(currency),
            loss: self.exact_loss(currency),
        }
    }

    /// The owed money granted in one currency, counted against the
    /// failures each refund names (see [`Owed`]).
    pub(crate) fn owed(&self, currency: Currency) -> Owed {
        let mut rows: Vec<OwedRow> = Vec::new();
        for failure in &self.failures {
            let loss = failure
                .loss()
                .filter(|l| l.currency() == currency)
                .map_or(0, |l| l.minor());
            match rows.iter_mut().find(|r| r.id == failure.id()) {
                // A forged log may record one number twice: its losses add up.
                Some(row) => row.loss = row.loss.and_then(|sum| sum.checked_add(loss.into())),
                None => rows.push(OwedRow {
                    id: failure.id(),
                    loss: Some(loss.into()),
                    paid: 0,
                }),
            }
        }
        let mut owed = Owed { rows };
        for granted in &self.granted {
            let gesture = &granted.gesture;
            if let (Entitlement::Owed, Some(amount)) = (gesture.entitlement(), gesture.cost())
                && amount.currency() == currency
            {
                owed.pay(gesture.failures(), amount.minor());
            }
        }
        owed
    }

    /// The compensation granted so far: discretionary money, which the caps
    /// and authority limits count (money the customer is owed is not). A
    /// total that does not fit in 64-bit minor units is out of range, never
    /// saturated (see [`Totals`]).
    ///
    /// # Example
    /// ```
    /// assert!(escalate::recovery::Ledger::default().compensation().is_zero());
    /// ```
    #[must_use]
    pub fn compensation(&self) -> Totals {
        super::compensation(self.granted.iter().map(|g| &g.gesture))
    }

    /// All money granted, owed or not, per currency; a total that does not
    /// fit in 64-bit minor units is out of range (see [`Totals`]).
    ///
    /// # Example
    /// ```
    /// assert!(escalate::recovery::Ledger::default().money_granted().is_zero());
    /// ```
    #[must_use]
    pub fn money_granted(&self) -> Totals {
        let mut totals = Totals::default();
        for money in self.granted.iter().filter_map(|g| g.gesture.cost()) {
            totals.add(money);
        }
        totals
    }

    /// Discretionary money granted after the churn signal arrived, or dated
    /// at or after the time the customer left (a signal logged late): money
    /// spent on a customer already lost. Money owed is never wasted. A total
    /// that does not fit in 64-bit minor units is out of range (see
    /// [`Totals`]).
    ///
    /// # Example
    /// ```
    /// assert!(escalate::recovery::Ledger::default().money_wasted().is_zero());
    /// ```
    #[must_use]
    pub fn money_wasted(&self) -> Totals {
        let mut totals = Totals::default();
        let Some(churn) = self.churn else {
            return totals;
        };
        for (i, granted) in self.granted.iter().enumerate() {
            if (i >= churn.grants_before || granted.at >= churn.left_at)
                && let Some(money) = granted.gesture.discretionary_cost()
            {
                totals.add(money);
            }
        }
        totals
    }
}

/// The exact sum of amounts in minor units. `None` only if the sum passed
/// the range of `i128`, which no ledger reaches: it would take more than
/// 2^63 amounts.
pub(crate) fn exact_sum(mut minors: impl Iterator<Item = i64>) -> Option<i128> {
    minors.try_fold(0i128, |sum, m| sum.checked_add(i128::from(m)))
}

/// A ledger's compensation (as the guards count it) and loss in one
/// currency, exactly; `None` past the range of `i128` (see [`exact_sum`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct MoneyIn {
    pub(crate) compensation: Option<i128>,
    pub(crate) loss: Option<i128>,
}

/// The owed money of one currency, counted against the failures it was
/// owed on: each owed refund, in the order granted, against the failures it
/// names, in the order it names them, each failure up to what is left of
/// its loss. What a refund names beyond their losses (only a log from an
/// older version or a forged one holds such refunds) counts against none.
/// The guards allow an owed refund only if the failures it names have that
/// much of their loss left, so the owed money on a failure never exceeds
/// its loss in total.
#[derive(Clone, Debug)]
pub(crate) struct Owed {
    rows: Vec<OwedRow>,
}

/// One failure's loss (`None` if it passed the range of `i128`) and the
/// owed money counted against it.
#[derive(Clone, Copy, Debug)]
struct OwedRow {
    id: FailureId,
    loss: Option<i128>,
    paid: i128,
}

/// What the failures named by an owed refund lost, what was already paid
/// on them as owed, and what is left to pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OwedOn {
    pub(crate) loss: i128,
    pub(crate) paid: i128,
    pub(crate) left: i128,
}

impl Owed {
    /// The rows of the failures named, each once, in the order named.
    fn named<'a>(&'a self, failures: &'a [FailureId]) -> impl Iterator<Item = usize> + 'a {
        failures
            .iter()
            .enumerate()
            .filter(|(i, id)| !failures[..*i].contains(id))
            .filter_map(|(_, id)| self.rows.iter().position(|r| r.id == *id))
    }

    /// The loss, the owed money paid and what is left on `failures`;
    /// `None` when a sum passes the range of `i128` (see [`exact_sum`]).
    pub(crate) fn on(&self, failures: &[FailureId]) -> Option<OwedOn> {
        let mut on = OwedOn {
            loss: 0,
            paid: 0,
            left: 0,
        };
        for i in self.named(failures) {
            let row = self.rows.get(i)?;
            let loss = row.loss?;
            on.loss = on.loss.checked_add(loss)?;
            on.paid = on.paid.checked_add(row.paid)?;
            on.left = on.left.checked_add(loss.checked_sub(row.paid)?.max(0))?;
        }
        Some(on)
    }

    /// Counts `amount` against `failures`, in order, each up to what is
    /// left of its loss.
    pub(crate) fn pay(&mut self, failures: &[FailureId], amount: i64) {
        let mut amount = i128::from(amount.max(0));
        let named: Vec<usize> = self.named(failures).collect();
        for i in named {
            let Some(row) = self.rows.get_mut(i) else {
                continue;
            };
            let left = row
                .loss
                .and_then(|loss| loss.checked_sub(row.paid))
                .unwrap_or(0)
                .max(0);
            let take = amount.min(left);
            // `take` is at most what is left of the loss: `paid` stays at
            // most the loss, and `amount` at least zero.
            row.paid += take;
            amount -= take;
        }
    }

    /// The owed money counted against one failure.
    pub(crate) fn paid_on(&self, failure: FailureId) -> i128 {
        self.rows
            .iter()
            .find(|r| r.id == failure)
            .map_or(0, |r| r.paid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::FailureKind;
    use crate::owner::Actor;
    use crate::test_support::at;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::USD)
    }

    fn ids(ns: &[u32]) -> Vec<FailureId> {
        ns.iter().copied().map(FailureId::new).collect()
    }

    /// A ledger with failures numbered from 1 with these losses (US cents).
    fn ledger(losses: &[i64]) -> Ledger {
        let mut ledger = Ledger::default();
        for (n, loss) in (1..).zip(losses) {
            ledger.record_failure(Failure::new(
                FailureId::new(n),
                FailureKind::Monetary,
                "lost",
                Some(usd(*loss)),
                at("2021-03-05T10:00:00Z"),
            ));
        }
        ledger
    }

    fn owed(ledger: &mut Ledger, failures: &[u32], minor: i64) {
        ledger.record_grant(
            Gesture::PartialRefund {
                failures: ids(failures),
                amount: usd(minor),
                due: Entitlement::Owed,
            },
            Actor::System,
            at("2021-03-05T11:00:00Z"),
            None,
        );
    }

    #[test]
    fn owed_money_fills_the_failures_in_the_order_named() {
        let mut l = ledger(&[10_000, 5_000]);
        owed(&mut l, &[2, 1], 7_000);
        let book = l.owed(Currency::USD);
        assert_eq!(
            (
                book.paid_on(FailureId::new(1)),
                book.paid_on(FailureId::new(2))
            ),
            (2_000, 5_000)
        );
        assert_eq!(
            book.on(&ids(&[1])),
            Some(OwedOn {
                loss: 10_000,
                paid: 2_000,
                left: 8_000
            })
        );
        // A failure named twice counts once.
        assert_eq!(
            book.on(&ids(&[1, 2, 1])),
            Some(OwedOn {
                loss: 15_000,
                paid: 7_000,
                left: 8_000
            })
        );
        // Beyond the losses, an old log's refund counts against nothing.
        owed(&mut l, &[1, 2], 1_000_000);
        let book = l.owed(Currency::USD);
        assert_eq!(
            book.on(&ids(&[1, 2])),
            Some(OwedOn {
                loss: 15_000,
                paid: 15_000,
                left: 0
            })
        );
        // Another currency has its own book; discretionary refunds are not owed.
        assert_eq!(
            l.owed(Currency::EUR).on(&ids(&[1])).map(|o| o.paid),
            Some(0)
        );
    }

    #[test]
    fn forged_amounts_make_no_room() {
        let mut l = ledger(&[10_000, -5_000]);
        owed(&mut l, &[1], -3_000);
        let book = l.owed(Currency::USD);
        assert_eq!(
            book.on(&ids(&[1, 2])),
            Some(OwedOn {
                loss: 5_000,
                paid: 0,
                left: 10_000
            })
        );
        // A number recorded twice adds its losses.
        let mut l = ledger(&[i64::MAX]);
        l.record_failure(Failure::new(
            FailureId::new(1),
            FailureKind::Monetary,
            "again",
            Some(usd(i64::MAX)),
            at("2021-03-05T10:00:00Z"),
        ));
        let loss = l.owed(Currency::USD).on(&ids(&[1])).map(|o| o.loss);
        assert_eq!(loss, Some(2 * i128::from(i64::MAX)));
        assert_eq!(
            l.loss(Currency::USD),
            Err(MoneyError::TotalOutOfRange(Currency::USD))
        );
        assert_eq!(
            exact_sum([i64::MIN, i64::MIN].into_iter()),
            Some(2 * i128::from(i64::MIN))
        );
    }
}

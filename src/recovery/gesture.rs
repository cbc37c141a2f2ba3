//! Gestures: what a company does to recover from a failure.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Money;
use crate::{FailureId, FailureKind, Text};

/// A recovery gesture: an apology, a repair, a waiver, a credit, a refund, or
/// letting the customer keep the item. Every gesture names the recorded
/// failures it apologises for, remedies or compensates.
///
/// Gestures have no order of their own (no `Ord`): the order in which a
/// policy climbs them is its [`Ladder`](super::Ladder), validated when the
/// policy loads.
///
/// # Example
/// ```
/// use escalate::FailureId;
/// use escalate::recovery::{Currency, Entitlement, Gesture, GestureKind, Manner, Money, Resource};
/// let sorry = Gesture::Apology { failures: vec![FailureId::new(1)], manner: Manner::Personal };
/// assert!(sorry.is_specific_apology());
/// assert_eq!(sorry.cost(), None);
/// let refund = Gesture::FullRefund {
///     failures: vec![FailureId::new(1)],
///     amount: Money::new(24_999, Currency::USD),
///     due: Entitlement::Discretionary,
/// };
/// assert_eq!(refund.kind(), GestureKind::FullRefund);
/// assert_eq!(refund.resource(), Resource::MoneyNow);
/// assert_eq!(refund.to_string(), "a full refund of USD 249.99");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
#[non_exhaustive]
pub enum Gesture {
    /// An apology. Who gave it, and so at which tier, is the actor of the
    /// event that records it. It is *specific* when it names at least one
    /// recorded failure; one that names none ("we apologise for any
    /// inconvenience") does not open the way to money.
    Apology {
        /// The failures it names.
        failures: Vec<FailureId>,
        /// Personal, or a form letter.
        manner: Manner,
    },
    /// Doing the work again, faster, or replacing the item.
    Repair {
        /// The failures it remedies.
        failures: Vec<FailureId>,
        /// Which repair.
        repair: Repair,
        /// What it costs the company (a second delivery), if anything.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cost: Option<Money>,
    },
    /// Waiving charges or fees, or withdrawing a demand such as a threat. It
    /// costs no money.
    Waive {
        /// The failures it remedies.
        failures: Vec<FailureId>,
        /// What is waived.
        waived: Waived,
        /// What exactly, in words.
        note: Text,
    },
    /// Money to spend later: a gift card or store credit.
    Credit {
        /// The failures it compensates.
        failures: Vec<FailureId>,
        /// Gift card or store credit.
        form: CreditForm,
        /// How much.
        amount: Money,
    },
    /// Part of the price back.
    PartialRefund {
        /// The failures it compensates.
        failures: Vec<FailureId>,
        /// How much.
        amount: Money,
        /// Owed to the customer, or given at the company's discretion.
        due: Entitlement,
    },
    /// The whole price back.
    FullRefund {
        /// The failures it remedies.
        failures: Vec<FailureId>,
        /// The price refunded.
        amount: Money,
        /// Owed to the customer (a returned item), or given at the company's
        /// discretion.
        due: Entitlement,
    },
    /// The customer keeps the item without paying for it; it counts at the
    /// item's value.
    KeepItem {
        /// The failures it compensates.
        failures: Vec<FailureId>,
        /// The item's value.
        value: Money,
    },
}

/// The kind of a gesture, without its data: what authority grants and what
/// the ladder orders.
///
/// # Example
/// ```
/// use escalate::recovery::{GestureKind, Resource};
/// assert_eq!(GestureKind::Credit.to_string(), "credit");
/// assert_eq!(GestureKind::Credit.resource(), Resource::MoneyLater);
/// assert_eq!(GestureKind::ALL.len(), 9);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GestureKind {
    /// An apology.
    Apology,
    /// Doing a service again.
    Reperform,
    /// Doing it faster (expediting a delivery).
    Expedite,
    /// Exchanging or replacing an item.
    Exchange,
    /// Waiving charges, fees or a demand.
    Waive,
    /// A gift card or store credit.
    Credit,
    /// Part of the price back.
    PartialRefund,
    /// The whole price back.
    FullRefund,
    /// The customer keeps the item free.
    KeepItem,
}

impl GestureKind {
    /// Every kind, in declaration order (which is *not* a ladder order).
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::GestureKind;
    /// assert!(GestureKind::ALL.contains(&GestureKind::KeepItem));
    /// ```
    pub const ALL: [GestureKind; 9] = [
        GestureKind::Apology,
        GestureKind::Reperform,
        GestureKind::Expedite,
        GestureKind::Exchange,
        GestureKind::Waive,
        GestureKind::Credit,
        GestureKind::PartialRefund,
        GestureKind::FullRefund,
        GestureKind::KeepItem,
    ];

    /// The resource this kind of gesture gives the customer. A waiver is
    /// counted as psychological here (withdrawing a demand); a waiver of
    /// charges or fees gives money now (see [`Gesture::resource`]).
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{GestureKind, Resource};
    /// assert_eq!(GestureKind::Exchange.resource(), Resource::Exchange);
    /// assert_eq!(GestureKind::Reperform.resource(), Resource::Reperformance);
    /// ```
    #[must_use]
    pub fn resource(self) -> Resource {
        match self {
            GestureKind::Apology | GestureKind::Waive => Resource::Psychological,
            GestureKind::Reperform | GestureKind::Expedite => Resource::Reperformance,
            GestureKind::Exchange => Resource::Exchange,
            GestureKind::Credit => Resource::MoneyLater,
            GestureKind::PartialRefund | GestureKind::FullRefund | GestureKind::KeepItem => {
                Resource::MoneyNow
            }
        }
    }

    /// Whether this kind gives the customer money (now or later).
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::GestureKind;
    /// assert!(GestureKind::KeepItem.is_monetary());
    /// assert!(!GestureKind::Exchange.is_monetary());
    /// ```
    #[must_use]
    pub fn is_monetary(self) -> bool {
        matches!(
            self,
            GestureKind::Credit
                | GestureKind::PartialRefund
                | GestureKind::FullRefund
                | GestureKind::KeepItem
        )
    }

    /// The name as written in policies (`partial_refund`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            GestureKind::Apology => "apology",
            GestureKind::Reperform => "reperform",
            GestureKind::Expedite => "expedite",
            GestureKind::Exchange => "exchange",
            GestureKind::Waive => "waive",
            GestureKind::Credit => "credit",
            GestureKind::PartialRefund => "partial_refund",
            GestureKind::FullRefund => "full_refund",
            GestureKind::KeepItem => "keep_item",
        }
    }
}

impl fmt::Display for GestureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GestureKind::Apology => "apology",
            GestureKind::Reperform => "re-performance",
            GestureKind::Expedite => "expedited repair",
            GestureKind::Exchange => "replacement",
            GestureKind::Waive => "waiver",
            GestureKind::Credit => "credit",
            GestureKind::PartialRefund => "partial refund",
            GestureKind::FullRefund => "full refund",
            GestureKind::KeepItem => "keep-the-item",
        })
    }
}

/// How an apology was given.
///
/// # Example
/// ```
/// use escalate::recovery::Manner;
/// assert_eq!(Manner::Form.to_string(), "form");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Manner {
    /// Written or said by a person to this customer.
    Personal,
    /// A template.
    Form,
}

impl fmt::Display for Manner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Manner::Personal => "personal",
            Manner::Form => "form",
        })
    }
}

/// Which repair.
///
/// # Example
/// ```
/// use escalate::recovery::{Repair, Resource};
/// assert_eq!(Repair::Exchange.resource(), Resource::Exchange);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Repair {
    /// Do the service again, properly.
    Reperform,
    /// Do it faster than usual.
    Expedite,
    /// Exchange or replace the item.
    Exchange,
}

impl Repair {
    /// The resource the repair gives.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Repair, Resource};
    /// assert_eq!(Repair::Expedite.resource(), Resource::Reperformance);
    /// ```
    #[must_use]
    pub fn resource(self) -> Resource {
        self.kind().resource()
    }

    fn kind(self) -> GestureKind {
        match self {
            Repair::Reperform => GestureKind::Reperform,
            Repair::Expedite => GestureKind::Expedite,
            Repair::Exchange => GestureKind::Exchange,
        }
    }
}

/// What a waiver waives.
///
/// # Example
/// ```
/// use escalate::recovery::Waived;
/// assert_eq!(Waived::Demand.to_string(), "a demand");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Waived {
    /// Charges the customer would have paid.
    Charges,
    /// Fees (late fees, restocking fees).
    Fees,
    /// A demand or threat made of the customer, withdrawn.
    Demand,
}

impl fmt::Display for Waived {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Waived::Charges => "charges",
            Waived::Fees => "fees",
            Waived::Demand => "a demand",
        })
    }
}

/// The form of a credit.
///
/// # Example
/// ```
/// use escalate::recovery::CreditForm;
/// assert_eq!(CreditForm::GiftCard.to_string(), "gift card");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditForm {
    /// A gift card.
    GiftCard,
    /// Credit on the customer's account.
    StoreCredit,
}

impl fmt::Display for CreditForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CreditForm::GiftCard => "gift card",
            CreditForm::StoreCredit => "store credit",
        })
    }
}

/// Whether the customer is owed a refund or it is given at the company's
/// discretion. Owed money (a refund for a returned item) is paid even after
/// the customer has left and is not compensation; discretionary money is.
///
/// # Example
/// ```
/// use escalate::recovery::Entitlement;
/// assert_eq!(Entitlement::Owed.to_string(), "owed");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entitlement {
    /// The customer has a right to it.
    Owed,
    /// A goodwill gesture.
    Discretionary,
}

impl fmt::Display for Entitlement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Entitlement::Owed => "owed",
            Entitlement::Discretionary => "discretionary",
        })
    }
}

/// The kind of resource a gesture gives, after Roschk & Gelbrich (2014):
/// recovery works best when the resource matches the loss.
///
/// # Example
/// ```
/// use escalate::FailureKind;
/// use escalate::recovery::Resource;
/// assert_eq!(Resource::matching(FailureKind::Monetary), Resource::MoneyNow);
/// assert_eq!(Resource::matching(FailureKind::Attention), Resource::Psychological);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// Money the customer has at once (a refund).
    MoneyNow,
    /// Money to spend later (a voucher, store credit).
    MoneyLater,
    /// A new or exchanged item.
    Exchange,
    /// The service done again.
    Reperformance,
    /// Words and attention: an apology, a withdrawn demand.
    Psychological,
}

impl Resource {
    /// The resource that matches a kind of failure: money for a money loss,
    /// an exchange for a bad product, re-performance for a bad service, an
    /// apology for neglect (Roschk & Gelbrich 2014).
    ///
    /// # Example
    /// ```
    /// use escalate::FailureKind;
    /// use escalate::recovery::Resource;
    /// assert_eq!(Resource::matching(FailureKind::Product), Resource::Exchange);
    /// assert_eq!(Resource::matching(FailureKind::Service), Resource::Reperformance);
    /// ```
    #[must_use]
    pub fn matching(kind: FailureKind) -> Resource {
        match kind {
            FailureKind::Monetary => Resource::MoneyNow,
            FailureKind::Product => Resource::Exchange,
            FailureKind::Service => Resource::Reperformance,
            FailureKind::Attention => Resource::Psychological,
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Resource::MoneyNow => "money now",
            Resource::MoneyLater => "money later",
            Resource::Exchange => "exchange",
            Resource::Reperformance => "re-performance",
            Resource::Psychological => "psychological",
        })
    }
}

impl Gesture {
    /// The gesture's kind.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Gesture, GestureKind, Waived};
    /// let w = Gesture::Waive { failures: vec![], waived: Waived::Demand, note: "no lawsuit".into() };
    /// assert_eq!(w.kind(), GestureKind::Waive);
    /// ```
    #[must_use]
    pub fn kind(&self) -> GestureKind {
        match self {
            Gesture::Apology { .. } => GestureKind::Apology,
            Gesture::Repair { repair, .. } => repair.kind(),
            Gesture::Waive { .. } => GestureKind::Waive,
            Gesture::Credit { .. } => GestureKind::Credit,
            Gesture::PartialRefund { .. } => GestureKind::PartialRefund,
            Gesture::FullRefund { .. } => GestureKind::FullRefund,
            Gesture::KeepItem { .. } => GestureKind::KeepItem,
        }
    }

    /// The failures the gesture names.
    ///
    /// # Example
    /// ```
    /// use escalate::FailureId;
    /// use escalate::recovery::{Gesture, Manner};
    /// let g = Gesture::Apology { failures: vec![FailureId::new(2)], manner: Manner::Form };
    /// assert_eq!(g.failures(), &[FailureId::new(2)]);
    /// ```
    #[must_use]
    pub fn failures(&self) -> &[FailureId] {
        match self {
            Gesture::Apology { failures, .. }
            | Gesture::Repair { failures, .. }
            | Gesture::Waive { failures, .. }
            | Gesture::Credit { failures, .. }
            | Gesture::PartialRefund { failures, .. }
            | Gesture::FullRefund { failures, .. }
            | Gesture::KeepItem { failures, .. } => failures,
        }
    }

    /// The failures the gesture names, to renumber (replaying a history
    /// whose references name commands).
    pub(crate) fn failures_mut(&mut self) -> &mut Vec<FailureId> {
        match self {
            Gesture::Apology { failures, .. }
            | Gesture::Repair { failures, .. }
            | Gesture::Waive { failures, .. }
            | Gesture::Credit { failures, .. }
            | Gesture::PartialRefund { failures, .. }
            | Gesture::FullRefund { failures, .. }
            | Gesture::KeepItem { failures, .. } => failures,
        }
    }

    /// What the gesture costs the company in money; `None` for gestures that
    /// cost none (apologies, waivers, repairs without a cost). Keep-the-item
    /// costs the item's value.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Currency, Gesture, Money};
    /// let keep = Gesture::KeepItem { failures: vec![], value: Money::new(12_000, Currency::USD) };
    /// assert_eq!(keep.cost(), Some(Money::new(12_000, Currency::USD)));
    /// ```
    #[must_use]
    pub fn cost(&self) -> Option<Money> {
        match self {
            Gesture::Apology { .. } | Gesture::Waive { .. } => None,
            Gesture::Repair { cost, .. } => *cost,
            Gesture::Credit { amount, .. }
            | Gesture::PartialRefund { amount, .. }
            | Gesture::FullRefund { amount, .. } => Some(*amount),
            Gesture::KeepItem { value, .. } => Some(*value),
        }
    }

    /// Whether the customer is owed it. Only refunds can be owed; every other
    /// gesture is discretionary.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Currency, Entitlement, Gesture, Money};
    /// let owed = Gesture::PartialRefund { failures: vec![],
    ///     amount: Money::new(500, Currency::USD), due: Entitlement::Owed };
    /// assert_eq!(owed.entitlement(), Entitlement::Owed);
    /// ```
    #[must_use]
    pub fn entitlement(&self) -> Entitlement {
        match self {
            Gesture::PartialRefund { due, .. } | Gesture::FullRefund { due, .. } => *due,
            _ => Entitlement::Discretionary,
        }
    }

    /// The resource the gesture gives the customer. A waiver of charges or
    /// fees gives money now; withdrawing a demand is psychological.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Gesture, Resource, Waived};
    /// let fees = Gesture::Waive { failures: vec![], waived: Waived::Fees, note: "late fee".into() };
    /// assert_eq!(fees.resource(), Resource::MoneyNow);
    /// ```
    #[must_use]
    pub fn resource(&self) -> Resource {
        match self {
            Gesture::Waive {
                waived: Waived::Charges | Waived::Fees,
                ..
            } => Resource::MoneyNow,
            other => other.kind().resource(),
        }
    }

    /// Whether the gesture's resource matches a kind of failure (see
    /// [`Resource::matching`]).
    ///
    /// # Example
    /// ```
    /// use escalate::FailureKind;
    /// use escalate::recovery::{Gesture, Repair};
    /// let swap = Gesture::Repair { failures: vec![], repair: Repair::Exchange, cost: None };
    /// assert!(swap.fits(FailureKind::Product));
    /// assert!(!swap.fits(FailureKind::Monetary));
    /// ```
    #[must_use]
    pub fn fits(&self, kind: FailureKind) -> bool {
        self.resource() == Resource::matching(kind)
    }

    /// Whether this is an apology that names at least one failure.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Gesture, Manner};
    /// let vague = Gesture::Apology { failures: vec![], manner: Manner::Form };
    /// assert!(!vague.is_specific_apology());
    /// ```
    #[must_use]
    pub fn is_specific_apology(&self) -> bool {
        matches!(self, Gesture::Apology { failures, .. } if !failures.is_empty())
    }

    /// Whether the gesture makes good the whole loss of the failures it
    /// names (a full refund, a replacement, the service done again): two
    /// such gestures for one failure are a double remedy.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Gesture, Repair};
    /// let swap = Gesture::Repair { failures: vec![], repair: Repair::Exchange, cost: None };
    /// assert!(swap.restores());
    /// ```
    #[must_use]
    pub fn restores(&self) -> bool {
        matches!(
            self.kind(),
            GestureKind::FullRefund | GestureKind::Exchange | GestureKind::Reperform
        )
    }

    /// Discretionary money: a cost the customer is not owed. This is what the
    /// caps count, what needs an apology first, and what is too late after
    /// the customer has left.
    pub(crate) fn discretionary_cost(&self) -> Option<Money> {
        match self.entitlement() {
            Entitlement::Discretionary => self.cost().filter(|m| m.minor() != 0),
            Entitlement::Owed => None,
        }
    }
}

impl fmt::Display for Gesture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gesture::Apology { manner, .. } => write!(f, "a {manner} apology"),
            Gesture::Repair { repair, cost, .. } => {
                f.write_str(match repair {
                    Repair::Reperform => "doing the service again",
                    Repair::Expedite => "an expedited repair",
                    Repair::Exchange => "a replacement",
                })?;
                match cost {
                    Some(cost) => write!(f, " costing {cost}"),
                    None => Ok(()),
                }
            }
            Gesture::Waive { waived, .. } => write!(f, "waiving {waived}"),
            Gesture::Credit { form, amount, .. } => write!(f, "a {form} of {amount}"),
            Gesture::PartialRefund { amount, .. } => write!(f, "a partial refund of {amount}"),
            Gesture::FullRefund { amount, .. } => write!(f, "a full refund of {amount}"),
            Gesture::KeepItem { value, .. } => {
                write!(f, "letting the customer keep the item worth {value}")
            }
        }
    }
}

/// Numbers an offer within its case, from 1 in the order offers were made.
///
/// # Example
/// ```
/// use escalate::recovery::OfferId;
/// assert_eq!(OfferId::new(1).to_string(), "offer #1");
/// assert_eq!(OfferId::new(1).get(), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OfferId(u32);

impl OfferId {
    /// Creates an offer number.
    ///
    /// # Example
    /// ```
    /// assert_eq!(escalate::recovery::OfferId::new(2).get(), 2);
    /// ```
    #[must_use]
    pub const fn new(n: u32) -> Self {
        OfferId(n)
    }

    /// The number.
    ///
    /// # Example
    /// ```
    /// assert_eq!(escalate::recovery::OfferId::new(3).get(), 3);
    /// ```
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }

    /// The number after `count` offers, saturating.
    pub(crate) fn next_after(count: usize) -> Self {
        OfferId(u32::try_from(count).map_or(u32::MAX, |n| n.saturating_add(1)))
    }
}

impl fmt::Display for OfferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "offer #{}", self.0)
    }
}

/// A gesture kind and its money in words, for messages: `a full refund of
/// USD 249.99`, `a replacement costing USD 60.00`, `an apology`.
pub(crate) fn phrase(kind: GestureKind, amount: Option<Money>) -> String {
    let (what, link) = match kind {
        GestureKind::Apology => ("an apology", " costing"),
        GestureKind::Reperform => ("doing the service again", " costing"),
        GestureKind::Expedite => ("an expedited repair", " costing"),
        GestureKind::Exchange => ("a replacement", " costing"),
        GestureKind::Waive => ("a waiver", " costing"),
        GestureKind::Credit => ("a credit", " of"),
        GestureKind::PartialRefund => ("a partial refund", " of"),
        GestureKind::FullRefund => ("a full refund", " of"),
        GestureKind::KeepItem => ("letting the customer keep the item", " worth"),
    };
    match amount {
        Some(amount) => format!("{what}{link} {amount}"),
        None => what.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recovery::Currency;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::USD)
    }

    #[test]
    fn resources_match_failure_kinds() {
        let refund = Gesture::PartialRefund {
            failures: vec![],
            amount: usd(100),
            due: Entitlement::Discretionary,
        };
        assert!(refund.fits(FailureKind::Monetary));
        assert!(!refund.fits(FailureKind::Product));
        let voucher = Gesture::Credit {
            failures: vec![],
            form: CreditForm::GiftCard,
            amount: usd(100),
        };
        assert!(!voucher.fits(FailureKind::Monetary));
        let threat = Gesture::Waive {
            failures: vec![],
            waived: Waived::Demand,
            note: "lawsuit".into(),
        };
        assert_eq!(threat.resource(), Resource::Psychological);
        assert_eq!(threat.cost(), None);
    }

    #[test]
    fn discretionary_cost_excludes_owed_and_free() {
        let owed = Gesture::FullRefund {
            failures: vec![],
            amount: usd(24_999),
            due: Entitlement::Owed,
        };
        assert_eq!(owed.cost(), Some(usd(24_999)));
        assert_eq!(owed.discretionary_cost(), None);
        let free = Gesture::Repair {
            failures: vec![],
            repair: Repair::Exchange,
            cost: Some(usd(0)),
        };
        assert_eq!(free.discretionary_cost(), None);
        let keep = Gesture::KeepItem {
            failures: vec![],
            value: usd(12_000),
        };
        assert_eq!(keep.discretionary_cost(), Some(usd(12_000)));
    }

    #[test]
    fn json_shape() {
        let g = Gesture::Credit {
            failures: vec![FailureId::new(1)],
            form: CreditForm::GiftCard,
            amount: usd(3000),
        };
        let json = serde_json::to_string(&g).unwrap();
        assert_eq!(
            json,
            r#"{"type":"credit","failures":[1],"form":"gift_card","amount":{"minor":3000,"currency":"USD"}}"#
        );
        assert_eq!(serde_json::from_str::<Gesture>(&json).unwrap(), g);
        for kind in GestureKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }

    #[test]
    fn display() {
        let g = Gesture::Repair {
            failures: vec![],
            repair: Repair::Exchange,
            cost: Some(usd(6000)),
        };
        assert_eq!(g.to_string(), "a replacement costing USD 60.00");
        let a = Gesture::Apology {
            failures: vec![],
            manner: Manner::Personal,
        };
        assert_eq!(a.to_string(), "a personal apology");
    }
}

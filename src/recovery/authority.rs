//! What each tier may grant, and the arithmetic of shares of a loss.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{GestureKind, Money};
use crate::Tier;
use crate::money::ExactAmount;

/// Basis points in one whole: 10,000 bps = 100%.
pub(crate) const WHOLE: u32 = 10_000;

/// What one tier may grant without approval: which kinds of gesture, and
/// how much discretionary compensation the case may reach in total with its
/// grant, as a share of the customer's loss (basis points) and optionally as
/// an amount.
///
/// # Example
/// ```
/// use escalate::recovery::{Authority, Currency, GestureKind, Money};
/// let frontline = Authority::new("frontline".parse()?, [GestureKind::Apology, GestureKind::Credit])
///     .with_max_bps(2_500)
///     .with_max_amount(Money::new(2_500, Currency::USD));
/// assert!(frontline.allows(GestureKind::Credit));
/// assert!(!frontline.allows(GestureKind::FullRefund));
/// assert_eq!(frontline.max_bps(), Some(2_500));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authority {
    pub(super) tier: Tier,
    kinds: Vec<GestureKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_bps: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_amount: Option<Money>,
}

impl Authority {
    /// A tier's authority over these kinds of gesture, with no money limit of
    /// its own (the policy's caps still apply).
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Authority, GestureKind};
    /// let a = Authority::new("executive".parse()?, GestureKind::ALL);
    /// assert_eq!(a.tier().as_str(), "executive");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(tier: Tier, kinds: impl IntoIterator<Item = GestureKind>) -> Self {
        let mut out: Vec<GestureKind> = Vec::new();
        for kind in kinds {
            if !out.contains(&kind) {
                out.push(kind);
            }
        }
        Authority {
            tier,
            kinds: out,
            max_bps: None,
            max_amount: None,
        }
    }

    /// Limits the case's total discretionary compensation, with this tier's
    /// grant, to a share of the customer's loss in basis points.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Authority, GestureKind};
    /// let a = Authority::new("supervisor".parse()?, GestureKind::ALL).with_max_bps(12_000);
    /// assert_eq!(a.max_bps(), Some(12_000));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_max_bps(mut self, bps: u32) -> Self {
        self.max_bps = Some(bps);
        self
    }

    /// Limits the case's total discretionary compensation, with this tier's
    /// grant, to an amount. Compensation in another currency is beyond it.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Authority, Currency, GestureKind, Money};
    /// let a = Authority::new("frontline".parse()?, [GestureKind::Credit])
    ///     .with_max_amount(Money::new(2_000, Currency::USD));
    /// assert_eq!(a.max_amount(), Some(Money::new(2_000, Currency::USD)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_max_amount(mut self, amount: Money) -> Self {
        self.max_amount = Some(amount);
        self
    }

    /// The tier.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Authority, GestureKind};
    /// assert_eq!(Authority::new("manager".parse()?, []).tier().as_str(), "manager");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn tier(&self) -> &Tier {
        &self.tier
    }

    /// The kinds of gesture the tier may grant.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Authority, GestureKind};
    /// let a = Authority::new("frontline".parse()?, [GestureKind::Apology]);
    /// assert_eq!(a.kinds(), &[GestureKind::Apology]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn kinds(&self) -> &[GestureKind] {
        &self.kinds
    }

    /// Whether the tier may grant this kind of gesture.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Authority, GestureKind};
    /// assert!(!Authority::new("frontline".parse()?, []).allows(GestureKind::Apology));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn allows(&self, kind: GestureKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// The share-of-loss limit, if any.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::recovery::Authority;
    /// assert_eq!(Authority::new("frontline".parse()?, []).max_bps(), None);
    /// // By default, frontline may give back up to 25% of the customer's loss.
    /// let frontline = Policy::default().recovery().authority(&"frontline".parse()?).cloned().unwrap();
    /// assert_eq!(frontline.max_bps(), Some(2_500));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_bps(&self) -> Option<u32> {
        self.max_bps
    }

    /// The amount limit, if any.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Authority, Currency, GestureKind, Money};
    /// assert_eq!(Authority::new("frontline".parse()?, []).max_amount(), None);
    /// let desk = Authority::new("frontline".parse()?, [GestureKind::Credit])
    ///     .with_max_amount(Money::new(5_000, Currency::USD));
    /// assert_eq!(desk.max_amount(), Some(Money::new(5_000, Currency::USD)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_amount(&self) -> Option<Money> {
        self.max_amount
    }

    /// The first limit a total compensation of `total` on a loss of `loss`
    /// would break, if any.
    pub(crate) fn breaks(&self, total: Money, loss: Money) -> Option<Limit> {
        if let Some(max) = self.max_amount
            && (max.currency() != total.currency() || total.minor() > max.minor())
        {
            return Some(Limit::Amount { max });
        }
        match self.max_bps {
            Some(bps) if !within(total, loss, bps) => Some(Limit::Share { bps, of: loss }),
            _ => None,
        }
    }
}

/// Whether `total` is at most `bps` basis points of `loss` (same currency).
/// Exact: an `i64` times a `u32` fits in `i128` with room to spare, as do
/// the other products of this module.
pub(crate) fn within(total: Money, loss: Money, bps: u32) -> bool {
    i128::from(total.minor()) * i128::from(WHOLE) <= i128::from(loss.minor()) * i128::from(bps)
}

/// `total` as basis points of `loss`, rounded down; `None` when the loss is
/// zero (any compensation is then beyond every share).
pub(crate) fn share_bps(total: Money, loss: Money) -> Option<i128> {
    (loss.minor() > 0)
        .then(|| i128::from(total.minor()) * i128::from(WHOLE) / i128::from(loss.minor()))
}

/// `bps` basis points of `amount`, rounded toward zero to the minor unit;
/// `None` when it does not fit in 64-bit minor units (above 100% of an
/// amount near the ends of `i64`).
pub(crate) fn part_of(amount: Money, bps: u32) -> Option<Money> {
    let minor = exact_part(amount, bps).0;
    i64::try_from(minor)
        .ok()
        .map(|minor| Money::new(minor, amount.currency()))
}

/// `bps` basis points of `amount`, rounded toward zero, exactly (it may not
/// fit in 64 bits), for messages.
pub(crate) fn exact_part(amount: Money, bps: u32) -> ExactAmount {
    let minor = i128::from(amount.minor()) * i128::from(bps) / i128::from(WHOLE);
    ExactAmount(minor, amount.currency())
}

/// Basis points written as a percentage: `12000` is `120.00%`.
pub(crate) struct Percent(pub(crate) i128);

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}%", self.0 / 100, self.0 % 100)
    }
}

/// The limit of a tier's authority that a grant would break.
///
/// # Example
/// ```
/// use escalate::recovery::{Currency, Limit, Money};
/// let limit = Limit::Share { bps: 2_500, of: Money::new(24_999, Currency::USD) };
/// assert_eq!(limit.to_string(), "compensation up to 25.00% of the customer's loss of USD 249.99");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// The tier may not grant this kind of gesture at all.
    Kind,
    /// Total compensation above this amount.
    Amount {
        /// The most the tier may bring the total to.
        max: Money,
    },
    /// Total compensation above this share of the loss.
    Share {
        /// The share, in basis points.
        bps: u32,
        /// The customer's loss.
        of: Money,
    },
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Kind => f.write_str("no gesture of this kind"),
            Limit::Amount { max } => write!(f, "compensation up to {max} in total"),
            Limit::Share { bps, of } => {
                write!(
                    f,
                    "compensation up to {} of the customer's loss of {of}",
                    Percent(i128::from(*bps))
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recovery::Currency;

    #[test]
    fn limits() {
        let usd = |m| Money::new(m, Currency::USD);
        let a = Authority::new("f".parse().unwrap(), [GestureKind::Credit])
            .with_max_bps(2_500)
            .with_max_amount(usd(2_000));
        assert_eq!(a.breaks(usd(2_000), usd(10_000)), None);
        assert_eq!(
            a.breaks(usd(2_001), usd(100_000)),
            Some(Limit::Amount { max: usd(2_000) })
        );
        assert_eq!(
            a.breaks(usd(1_000), usd(3_999)),
            Some(Limit::Share {
                bps: 2_500,
                of: usd(3_999)
            })
        );
        assert!(
            a.breaks(
                Money::new(1, Currency::EUR),
                Money::new(1000, Currency::EUR)
            )
            .is_some()
        );
        assert_eq!(Percent(13_333).to_string(), "133.33%");
        assert_eq!(part_of(usd(24_999), 2_500), Some(usd(6_249)));
        // Beyond 100% of an amount near i64::MAX there is no Money: the
        // exact amount is still written out.
        assert_eq!(part_of(usd(i64::MAX), 15_000), None);
        assert_eq!(
            exact_part(usd(i64::MAX), 15_000).to_string(),
            "USD 138350580552821637.10"
        );
        assert_eq!(share_bps(usd(1), usd(0)), None);
    }
}

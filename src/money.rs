//! Money in integer minor units with an ISO 4217 currency code.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An ISO 4217 alphabetic currency code: three ASCII capital letters.
///
/// # Example
/// ```
/// use escalate::recovery::Currency;
/// let usd: Currency = "USD".parse()?;
/// assert_eq!(usd.as_str(), "USD");
/// assert!("usd".parse::<Currency>().is_err());
/// # Ok::<(), escalate::recovery::MoneyError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// US dollars.
    pub const USD: Currency = Currency(*b"USD");
    /// Canadian dollars.
    pub const CAD: Currency = Currency(*b"CAD");
    /// Euros.
    pub const EUR: Currency = Currency(*b"EUR");

    /// Creates a currency from a three-letter code.
    ///
    /// # Errors
    /// [`MoneyError::InvalidCurrency`] unless the code is three ASCII capital letters.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::Currency;
    /// assert_eq!(Currency::new("CAD")?, Currency::CAD);
    /// # Ok::<(), escalate::recovery::MoneyError>(())
    /// ```
    pub fn new(code: &str) -> Result<Self, MoneyError> {
        match code.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => Ok(Currency([a, b, c])),
            _ => Err(MoneyError::InvalidCurrency(code.chars().take(16).collect())),
        }
    }

    /// The code as a string slice.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::Currency;
    /// assert_eq!(Currency::EUR.as_str(), "EUR");
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only ASCII capitals are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, MoneyError> {
        Currency::new(s)
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(s: String) -> Result<Self, MoneyError> {
        Currency::new(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

/// An amount of money: integer minor units (cents) and a currency.
///
/// There are no floats and no `Add` between amounts: amounts of two
/// currencies cannot be added, so addition is [`checked_add`](Self::checked_add).
/// Amounts are displayed with two decimals (`USD 249.99`); every currency the
/// crate's users have needed so far has two.
///
/// # Example
/// ```
/// use escalate::recovery::{Currency, Money};
/// let cabinet = Money::new(24_999, Currency::USD);
/// let delivery = Money::new(6_000, Currency::USD);
/// assert_eq!(cabinet.checked_add(delivery)?.to_string(), "USD 309.99");
/// assert!(cabinet.checked_add(Money::new(1, Currency::EUR)).is_err());
/// # Ok::<(), escalate::recovery::MoneyError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// Creates an amount from minor units (cents for USD).
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Currency, Money};
    /// assert_eq!(Money::new(1200, Currency::CAD).to_string(), "CAD 12.00");
    /// ```
    #[must_use]
    pub const fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    /// The amount in minor units.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Currency, Money};
    /// assert_eq!(Money::new(1200, Currency::CAD).minor(), 1200);
    /// ```
    #[must_use]
    pub const fn minor(&self) -> i64 {
        self.minor
    }

    /// The currency.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Currency, Money};
    /// assert_eq!(Money::new(1, Currency::EUR).currency(), Currency::EUR);
    /// ```
    #[must_use]
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// Adds two amounts of the same currency.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] for two currencies,
    /// [`MoneyError::Overflow`] when the sum does not fit.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Currency, Money};
    /// let sum = Money::new(3000, Currency::USD).checked_add(Money::new(24_999, Currency::USD))?;
    /// assert_eq!(sum.minor(), 27_999);
    /// # Ok::<(), escalate::recovery::MoneyError>(())
    /// ```
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        self.minor
            .checked_add(other.minor)
            .map(|minor| Money::new(minor, self.currency))
            .ok_or(MoneyError::Overflow)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        ExactAmount(i128::from(self.minor), self.currency).fmt(f)
    }
}

/// An amount in minor units that may lie beyond `i64` (an exact share of a
/// loss can), displayed as [`Money`] is: `USD 249.99`.
pub(crate) struct ExactAmount(pub(crate) i128, pub(crate) Currency);

impl fmt::Display for ExactAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{} {sign}{}.{:02}", self.1, abs / 100, abs % 100)
    }
}

/// Errors from money arithmetic and parsing.
///
/// # Example
/// ```
/// use escalate::recovery::{Currency, Money, MoneyError};
/// let err = Money::new(1, Currency::USD).checked_add(Money::new(1, Currency::EUR)).unwrap_err();
/// assert_eq!(err.to_string(), "cannot combine USD with EUR");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// The code is not three ASCII capital letters.
    #[error("invalid currency code {0:?}: expected three capital letters such as \"USD\"")]
    InvalidCurrency(String),
    /// Two different currencies were combined.
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(Currency, Currency),
    /// The result does not fit in 64-bit minor units.
    #[error("amount out of range")]
    Overflow,
    /// A total in this currency (of the amounts granted, or of the
    /// customer's losses) does not fit in 64-bit minor units, so there is no
    /// exact amount to report. Such sums are far beyond any real amount: a
    /// forged log, a mistyped loss, or a history recorded under a policy
    /// that enforced nothing.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Currency, Money, MoneyError, Totals};
    /// let mut granted = Totals::default();
    /// granted.add(Money::new(i64::MAX, Currency::USD));
    /// granted.add(Money::new(1, Currency::USD));
    /// let err = granted.get(Currency::USD).unwrap_err();
    /// assert_eq!(err, MoneyError::TotalOutOfRange(Currency::USD));
    /// assert_eq!(err.to_string(), "the total in USD does not fit in 64-bit minor units");
    /// ```
    #[error("the total in {0} does not fit in 64-bit minor units")]
    TotalOutOfRange(Currency),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_errors() {
        assert_eq!(Money::new(-5, Currency::USD).to_string(), "USD -0.05");
        assert_eq!(
            Currency::new("usd").unwrap_err().to_string(),
            r#"invalid currency code "usd": expected three capital letters such as "USD""#
        );
        assert_eq!(
            Money::new(i64::MAX, Currency::USD)
                .checked_add(Money::new(1, Currency::USD))
                .unwrap_err(),
            MoneyError::Overflow
        );
    }

    #[test]
    fn json_shape() {
        let m = Money::new(24_999, Currency::USD);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"minor":24999,"currency":"USD"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        assert!(serde_json::from_str::<Money>(r#"{"minor":1,"currency":"US"}"#).is_err());
    }
}

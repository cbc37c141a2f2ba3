//! Recovery: money, and (in later releases) gestures, the ladder and guards.

mod money;

pub use money::{Currency, Money, MoneyError};

//! Business calendars and SLA clocks.

mod calendar;

pub use calendar::*;

//! Business calendars and SLA clocks.
//!
//! A [`BusinessCalendar`] does arithmetic in business time. An
//! [`SlaClock`] measures one [`Metric`] of a case on one calendar; the
//! policy says which metrics are tracked and with which targets
//! ([`MetricPolicy`]), and the case starts, pauses and stops clocks through
//! its own events.

mod calendar;
mod clock;
mod name;
mod target;

pub(crate) use calendar::day_name;
pub use calendar::*;
pub(crate) use clock::seconds;
pub use clock::{ClockId, ClockState, SlaClock};
pub use name::CalendarName;
pub use target::{
    Match, Metric, MetricPolicy, Reopen, SpanError, Target, TargetRule, Threshold, Within,
};
pub(crate) use target::{by_the_end_of_9999, format_span};

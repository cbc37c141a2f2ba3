//! Business calendars: opening hours in an IANA time zone, and arithmetic
//! in business time.

mod engine;
mod spec;
mod zone;

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize, Serializer};

use engine::{Engine, Exhausted, Measure, NANOS};
use spec::{Span, Spec};

/// Business hours in an IANA time zone, and arithmetic in business time.
///
/// A calendar has weekly hours (any number of intervals per weekday),
/// holidays, breaks and date-specific shifts, all in local time. It answers
/// "when are 4 business hours up?" ([`add`](Self::add)), "how much business
/// time passed?" ([`elapsed`](Self::elapsed)) and "is it open now?"
/// ([`is_open`](Self::is_open)). All queries take and return UTC instants.
///
/// ```
/// use chrono::{TimeDelta, TimeZone};
/// use chrono_tz::America::New_York;
/// use escalate::sla::BusinessCalendar;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let cal = BusinessCalendar::builder(New_York)
///     .weekdays(&["08:00-17:00"])
///     .build()?;
/// // An email arrives on Monday at 20:00, after hours.
/// let email = New_York.with_ymd_and_hms(2021, 6, 21, 20, 0, 0).unwrap().to_utc();
/// let due = cal.add(email, TimeDelta::hours(4))?;
/// assert_eq!(due, New_York.with_ymd_and_hms(2021, 6, 22, 12, 0, 0).unwrap());
/// // The reply at 09:30 on Tuesday came after 1.5 business hours.
/// let reply = New_York.with_ymd_and_hms(2021, 6, 22, 9, 30, 0).unwrap().to_utc();
/// assert_eq!(cal.elapsed(email, reply), TimeDelta::minutes(90));
/// # Ok(())
/// # }
/// ```
///
/// # Business time
///
/// *Hours.* Intervals are half-open, `[start, end)`, written `"HH:MM-HH:MM"`
/// (seconds optional, `"HH:MM:SS"`). `24:00` is allowed as an end (and
/// `00:00` as an end means the same). An interval whose end is before its
/// start runs overnight (`22:00-06:00`) and belongs to the date it starts
/// on. Overlapping intervals are merged, also across midnight: `09:00-12:00`
/// plus `11:00-13:00` is 4 hours, and a `22:00-06:00` shift overlapping the
/// next day's `05:00-09:00` counts each instant once.
///
/// *Exceptions* are local dates in the calendar's zone:
/// - a holiday removes the intervals that *start* on that date; an
///   overnight shift from the evening before still runs into it;
/// - a break removes its local time span on its date from whatever hours
///   fall in it (the date's own hours and a shift running in from the
///   evening before);
/// - a shift replaces the weekly hours of its date (an empty shift closes
///   the date, like a holiday).
///
/// *Daylight saving time.* Local times are turned into instants with the
/// zone's rules: a time that does not exist moves forward by the gap
/// (02:30 on a spring-forward night is 03:30), an ambiguous one takes its
/// first (daylight) occurrence. So `00:00-24:00` hours give a 23-hour day at
/// spring-forward and a 25-hour day at fall-back.
///
/// *Arithmetic.* Precision is the nanosecond; nothing is rounded. Write
/// `elapsed(a, b)` for the business time in `[a, b)`. For all instants `t`,
/// `u` and durations `d`, `e >= 0`:
/// - `elapsed(t, add(t, d)) == d`;
/// - `add(t, d)` is an open instant (`is_open` holds): business time running
///   out exactly at a closing time lands on the next opening, so 1 hour
///   after Monday 16:00 on a 09:00-17:00 calendar is Tuesday 09:00;
///   `add(t, 0)` is [`next_open(t)`](Self::next_open);
/// - `add` is monotone in `t` and in `d`, and
///   `add(add(t, d), e) == add(t, d + e)`;
/// - `sub(u, d)` is the latest instant from which `d` of business time
///   reaches `u`; for an open instant `t`, `sub(add(t, d), d) == t`, and for
///   an open `u`, `add(sub(u, d), d) == u`;
/// - `elapsed(t, u) + elapsed(u, v) == elapsed(t, v)` for `t <= u <= v`.
///
/// *Totality.* No method panics or loops on any input. Where the answer
/// does not exist (the calendar never opens again, or the result is beyond
/// the dates chrono can represent) the methods return a [`CalendarError`].
///
/// *Cost.* Queries take a few binary searches over the precomputed
/// exception days and DST transitions; whole weeks are counted by
/// multiplication, so `elapsed` over a year or a century costs the same.
#[derive(Clone)]
pub struct BusinessCalendar {
    spec: Spec,
    engine: Arc<Engine>,
}

/// Builds a [`BusinessCalendar`] in code; see [`BusinessCalendar::builder`].
///
/// The methods record the first invalid value; [`build`](Self::build)
/// reports it with the same messages (and field names) as deserialization.
///
/// ```
/// use chrono::{NaiveDate, Weekday};
/// use escalate::sla::BusinessCalendar;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let cal = BusinessCalendar::builder(chrono_tz::Europe::London)
///     .weekdays(&["09:00-17:00"])
///     .hours(Weekday::Sat, &["10:00-14:00"])
///     .holiday(NaiveDate::from_ymd_opt(2021, 12, 27).ok_or("date")?)
///     .build()?;
/// assert_eq!(cal.time_zone(), chrono_tz::Europe::London);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use = "call `build` to get the calendar"]
pub struct CalendarBuilder {
    spec: Spec,
    error: Option<CalendarConfigError>,
}

/// An invalid calendar description (from serde or [`CalendarBuilder`]).
///
/// Each message names the field and the offending value:
///
/// ```
/// use escalate::sla::BusinessCalendar;
/// let json = r#"{"time_zone": "UTC", "hours": {"mon": ["09:00-25:00"]}}"#;
/// let err = serde_json::from_str::<BusinessCalendar>(json).unwrap_err();
/// assert!(err.to_string().starts_with(
///     r#"hours.mon[0]: invalid time "25:00": expected HH:MM between 00:00 and 24:00"#
/// ));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarConfigError {
    /// `time_zone` is not an IANA zone name known to `chrono-tz`.
    #[error(r#"time_zone: unknown time zone "{value}": expected an IANA name such as "America/New_York""#)]
    UnknownTimeZone {
        /// The name given.
        value: String,
    },
    /// `hours` is a string other than `"always"`.
    #[error(r#"hours: unknown keyword "{value}": expected "always" or a table of weekdays"#)]
    UnknownHoursKeyword {
        /// The string given.
        value: String,
    },
    /// A key of `hours` is not a weekday.
    #[error(r#"hours.{value}: unknown day "{value}": expected one of mon, tue, wed, thu, fri, sat, sun"#)]
    UnknownDay {
        /// The key given.
        value: String,
    },
    /// A weekday appears twice in `hours`.
    #[error("hours.{value}: the day is given twice")]
    DuplicateDay {
        /// The repeated key.
        value: String,
    },
    /// An interval is not of the form `HH:MM-HH:MM`.
    #[error(r#"{field}: invalid interval "{value}": expected HH:MM-HH:MM"#)]
    InvalidInterval {
        /// Where the interval is, e.g. `hours.mon[0]`.
        field: String,
        /// The interval given.
        value: String,
    },
    /// A time of day is malformed or out of range.
    #[error(r#"{field}: invalid time "{value}": expected HH:MM between 00:00 and 24:00"#)]
    InvalidTime {
        /// Where the interval is, e.g. `hours.mon[0]`.
        field: String,
        /// The time given.
        value: String,
    },
    /// An interval starts at `24:00`.
    #[error(r#"{field}: invalid interval "{value}": 24:00 can only end an interval"#)]
    MidnightStart {
        /// Where the interval is.
        field: String,
        /// The interval given.
        value: String,
    },
    /// An interval ends where it starts.
    #[error(r#"{field}: empty interval "{value}": the end equals the start (write 00:00-24:00 for a whole day)"#)]
    EmptyInterval {
        /// Where the interval is.
        field: String,
        /// The interval given.
        value: String,
    },
    /// A date is not a valid `YYYY-MM-DD`.
    #[error(r#"{field}: invalid date "{value}": expected YYYY-MM-DD"#)]
    InvalidDate {
        /// Where the date is, e.g. `holidays[2]`.
        field: String,
        /// The date given.
        value: String,
    },
    /// A date is both a holiday and has a shift.
    #[error("shifts.{date}: the date is also a holiday: keep one of them")]
    ShiftOnHoliday {
        /// The date.
        date: NaiveDate,
    },
    /// Neither weekly hours nor any shift has open hours.
    #[error("hours: the calendar is never open: give weekly hours or date-specific shifts")]
    NeverOpen,
}

/// A business-time computation without an answer.
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use escalate::sla::{BusinessCalendar, CalendarError};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // Open only on one date, in the past.
/// let json = r#"{"time_zone": "UTC", "shifts": {"2021-12-24": ["09:00-12:00"]}}"#;
/// let cal: BusinessCalendar = serde_json::from_str(json)?;
/// let now = Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).unwrap();
/// let err = cal.next_open(now).unwrap_err();
/// assert!(matches!(err, CalendarError::NeverOpens { .. }));
/// assert_eq!(err.to_string(), "the calendar is never open at or after 2022-01-01 00:00:00 UTC");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// There is no open instant at or after `after`.
    #[error("the calendar is never open at or after {after}")]
    NeverOpens {
        /// The instant searched from.
        after: DateTime<Utc>,
    },
    /// Less than `needed` of business time follows `start`.
    #[error("the calendar has less than {} of business time after {start}", Seconds(*.needed))]
    RunsOut {
        /// The instant counted from.
        start: DateTime<Utc>,
        /// The business time asked for.
        needed: TimeDelta,
    },
    /// Less than `needed` of business time precedes `end`.
    #[error("the calendar has less than {} of business time before {end}", Seconds(*.needed))]
    RunsOutBefore {
        /// The instant counted back from.
        end: DateTime<Utc>,
        /// The business time asked for.
        needed: TimeDelta,
    },
    /// Fewer than `days` business days follow `start`'s date.
    #[error("the calendar has fewer than {days} business days after {start}")]
    NotEnoughDays {
        /// The instant counted from.
        start: DateTime<Utc>,
        /// The number of business days asked for.
        days: u32,
    },
    /// The answer lies beyond the dates chrono can represent.
    #[error("the result is beyond the range of dates chrono can represent")]
    OutOfRange,
}

/// Formats a duration as seconds, e.g. `5400s` or `0.5s`.
struct Seconds(TimeDelta);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = delta_ns(self.0);
        let (s, frac) = (ns / NANOS, (ns % NANOS).abs());
        if frac == 0 {
            write!(f, "{s}s")
        } else {
            let frac = format!("{frac:09}");
            write!(f, "{s}.{}s", frac.trim_end_matches('0'))
        }
    }
}

fn instant_ns(t: DateTime<Utc>) -> i128 {
    // Leap seconds (nanos >= 10^9) count as the last nanosecond of their second.
    i128::from(t.timestamp()) * NANOS + i128::from(t.timestamp_subsec_nanos().min(999_999_999))
}

fn ns_instant(ns: i128) -> Result<DateTime<Utc>, CalendarError> {
    let secs = i64::try_from(ns.div_euclid(NANOS)).map_err(|_| CalendarError::OutOfRange)?;
    let nanos = u32::try_from(ns.rem_euclid(NANOS)).map_err(|_| CalendarError::OutOfRange)?;
    DateTime::from_timestamp(secs, nanos).ok_or(CalendarError::OutOfRange)
}

fn delta_ns(d: TimeDelta) -> i128 {
    i128::from(d.num_seconds()) * NANOS + i128::from(d.subsec_nanos())
}

fn ns_delta(ns: i128) -> TimeDelta {
    let secs = i64::try_from(ns.div_euclid(NANOS)).ok();
    let nanos = u32::try_from(ns.rem_euclid(NANOS)).ok();
    secs.zip(nanos)
        .and_then(|(s, n)| TimeDelta::new(s, n))
        .unwrap_or(if ns < 0 {
            TimeDelta::MIN
        } else {
            TimeDelta::MAX
        })
}

impl BusinessCalendar {
    fn from_spec(spec: Spec) -> Result<Self, CalendarConfigError> {
        spec.validate()?;
        let engine = Arc::new(Engine::new(&spec));
        Ok(BusinessCalendar { spec, engine })
    }

    /// A calendar open around the clock, in UTC (the [`Default`]).
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use escalate::sla::BusinessCalendar;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let cal = BusinessCalendar::always();
    /// let t = Utc.with_ymd_and_hms(2021, 3, 6, 23, 0, 0).unwrap();
    /// assert_eq!(cal.add(t, TimeDelta::hours(2))?, t + TimeDelta::hours(2));
    /// assert_eq!(cal, BusinessCalendar::default());
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn always() -> Self {
        let spec = Spec::always(Tz::UTC);
        let engine = Arc::new(Engine::new(&spec));
        BusinessCalendar { spec, engine }
    }

    /// Starts a calendar in `time_zone` with no hours; add them with the
    /// [`CalendarBuilder`] methods.
    ///
    /// ```
    /// use escalate::sla::BusinessCalendar;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let night_desk = BusinessCalendar::builder(chrono_tz::Asia::Tokyo)
    ///     .weekdays(&["22:00-06:00"])
    ///     .build()?;
    /// assert_eq!(night_desk.time_zone(), chrono_tz::Asia::Tokyo);
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder(time_zone: Tz) -> CalendarBuilder {
        CalendarBuilder {
            spec: Spec {
                tz: time_zone,
                weekly: Default::default(),
                holidays: std::collections::BTreeSet::new(),
                breaks: std::collections::BTreeMap::new(),
                shifts: std::collections::BTreeMap::new(),
            },
            error: None,
        }
    }

    /// The calendar's time zone.
    ///
    /// ```
    /// use escalate::sla::BusinessCalendar;
    /// assert_eq!(BusinessCalendar::always().time_zone(), chrono_tz::UTC);
    /// ```
    #[must_use]
    pub fn time_zone(&self) -> Tz {
        self.spec.tz
    }

    /// The instant at which `d` of business time has passed since `start`:
    /// the first open instant `u` with `elapsed(start, u) == d`.
    ///
    /// Business time that runs out exactly at a closing time lands on the
    /// next opening; `d == 0` gives the first open instant at or after
    /// `start`. A negative `d` counts backwards: `add(t, -d) == sub(t, d)`.
    ///
    /// # Errors
    ///
    /// [`CalendarError::RunsOut`] (or [`CalendarError::NeverOpens`] for a
    /// zero `d`) when the calendar has less than `d` of business time after
    /// `start`; [`CalendarError::OutOfRange`] when the answer is beyond
    /// chrono's dates.
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone};
    /// use chrono_tz::America::New_York;
    /// use escalate::sla::BusinessCalendar;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let cal = BusinessCalendar::builder(New_York).weekdays(&["09:00-17:00"]).build()?;
    /// let mon_16 = New_York.with_ymd_and_hms(2021, 6, 21, 16, 0, 0).unwrap().to_utc();
    /// let tue_09 = New_York.with_ymd_and_hms(2021, 6, 22, 9, 0, 0).unwrap();
    /// assert_eq!(cal.add(mon_16, TimeDelta::hours(1))?, tue_09);
    /// # Ok(())
    /// # }
    /// ```
    pub fn add(&self, start: DateTime<Utc>, d: TimeDelta) -> Result<DateTime<Utc>, CalendarError> {
        let dn = delta_ns(d);
        if dn < 0 {
            return self.sub_ns(start, -dn, -d);
        }
        let target = self.engine.cum(instant_ns(start)) + dn;
        match self.engine.latest_at(target) {
            Ok(ns) => ns_instant(ns),
            Err(Exhausted::Above) if dn == 0 => Err(CalendarError::NeverOpens { after: start }),
            Err(Exhausted::Above) => Err(CalendarError::RunsOut { start, needed: d }),
            Err(_) => Err(CalendarError::OutOfRange),
        }
    }

    /// The latest instant from which `d` of business time reaches `end`:
    /// the latest `t` with `elapsed(t, end) == d`.
    ///
    /// For `d > 0` the answer is an open instant (if `d` ran out exactly at
    /// a closing time, counting backwards from `end`, the answer is the next
    /// opening after that closing); `sub(end, 0) == end`. A negative `d`
    /// counts forwards: `sub(t, -d) == add(t, d)`.
    ///
    /// # Errors
    ///
    /// [`CalendarError::RunsOutBefore`] when the calendar has less than `d`
    /// of business time before `end`; [`CalendarError::OutOfRange`] when the
    /// answer is beyond chrono's dates.
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone};
    /// use chrono_tz::America::New_York;
    /// use escalate::sla::BusinessCalendar;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let cal = BusinessCalendar::builder(New_York).weekdays(&["09:00-17:00"]).build()?;
    /// let tue_10 = New_York.with_ymd_and_hms(2021, 6, 22, 10, 0, 0).unwrap().to_utc();
    /// let mon_15 = New_York.with_ymd_and_hms(2021, 6, 21, 15, 0, 0).unwrap();
    /// assert_eq!(cal.sub(tue_10, TimeDelta::hours(3))?, mon_15);
    /// # Ok(())
    /// # }
    /// ```
    pub fn sub(&self, end: DateTime<Utc>, d: TimeDelta) -> Result<DateTime<Utc>, CalendarError> {
        let dn = delta_ns(d);
        if dn < 0 {
            return self.add(end, -d);
        }
        self.sub_ns(end, dn, d)
    }

    fn sub_ns(
        &self,
        end: DateTime<Utc>,
        dn: i128,
        d: TimeDelta,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if dn == 0 {
            return Ok(end);
        }
        let target = self.engine.cum(instant_ns(end)) - dn;
        match self.engine.latest_at(target) {
            Ok(ns) => ns_instant(ns),
            Err(Exhausted::Below) => Err(CalendarError::RunsOutBefore {
                end,
                needed: ns_delta(dn),
            }),
            Err(_) => {
                let _ = d;
                Err(CalendarError::OutOfRange)
            }
        }
    }

    /// The business time in `[from, to)`; zero when `to <= from`.
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone};
    /// use chrono_tz::America::Los_Angeles;
    /// use escalate::sla::BusinessCalendar;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let cal = BusinessCalendar::builder(Los_Angeles).weekdays(&["00:00-24:00"]).build()?;
    /// // Spring forward: Monday 2021-03-15 is a normal day, but look at Sunday's
    /// // neighbour on a 24/7 calendar instead.
    /// let all = BusinessCalendar::builder(Los_Angeles)
    ///     .weekdays(&["00:00-24:00"])
    ///     .hours(chrono::Weekday::Sat, &["00:00-24:00"])
    ///     .hours(chrono::Weekday::Sun, &["00:00-24:00"])
    ///     .build()?;
    /// let sun = Los_Angeles.with_ymd_and_hms(2021, 3, 14, 0, 0, 0).unwrap().to_utc();
    /// let mon = Los_Angeles.with_ymd_and_hms(2021, 3, 15, 0, 0, 0).unwrap().to_utc();
    /// assert_eq!(all.elapsed(sun, mon), TimeDelta::hours(23));
    /// assert_eq!(cal.elapsed(sun, mon), TimeDelta::zero()); // weekdays only
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn elapsed(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> TimeDelta {
        if to <= from {
            return TimeDelta::zero();
        }
        let e = &self.engine;
        ns_delta((e.cum(instant_ns(to)) - e.cum(instant_ns(from))).max(0))
    }

    /// Whether the calendar is open at `t`.
    ///
    /// ```
    /// use chrono::TimeZone;
    /// use chrono_tz::America::New_York;
    /// use escalate::sla::BusinessCalendar;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let cal = BusinessCalendar::builder(New_York).weekdays(&["09:00-17:00"]).build()?;
    /// let at = |h| New_York.with_ymd_and_hms(2021, 6, 21, h, 0, 0).unwrap().to_utc();
    /// assert!(cal.is_open(at(9)));
    /// assert!(!cal.is_open(at(17))); // intervals are half-open
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn is_open(&self, t: DateTime<Utc>) -> bool {
        self.engine.is_open(instant_ns(t))
    }

    /// The first open instant at or after `t` (`t` itself when open).
    ///
    /// # Errors
    ///
    /// [`CalendarError::NeverOpens`] when the calendar is never open again;
    /// [`CalendarError::OutOfRange`] when the next opening is beyond
    /// chrono's dates.
    ///
    /// ```
    /// use chrono::TimeZone;
    /// use chrono_tz::America::New_York;
    /// use escalate::sla::BusinessCalendar;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let cal = BusinessCalendar::builder(New_York).weekdays(&["09:00-17:00"]).build()?;
    /// let fri_18 = New_York.with_ymd_and_hms(2021, 6, 25, 18, 0, 0).unwrap().to_utc();
    /// let mon_09 = New_York.with_ymd_and_hms(2021, 6, 28, 9, 0, 0).unwrap();
    /// assert_eq!(cal.next_open(fri_18)?, mon_09);
    /// # Ok(())
    /// # }
    /// ```
    pub fn next_open(&self, t: DateTime<Utc>) -> Result<DateTime<Utc>, CalendarError> {
        self.add(t, TimeDelta::zero())
    }

    /// The same local time of day `n` business days after `start`'s local
    /// date, then the first open instant at or after it.
    ///
    /// A business day is a date that owns open hours: at least one interval
    /// starts on it (after holidays and shifts) and breaks do not remove
    /// all of it. `add_days(t, 0)` is [`next_open(t)`](Self::next_open). A
    /// local time that does not exist on the target date moves forward by
    /// the DST gap.
    ///
    /// # Errors
    ///
    /// [`CalendarError::NotEnoughDays`] when fewer than `n` business days
    /// follow; [`CalendarError::NeverOpens`] when nothing is open after the
    /// target time; [`CalendarError::OutOfRange`] beyond chrono's dates.
    ///
    /// ```
    /// use chrono::{NaiveDate, TimeZone};
    /// use chrono_tz::America::New_York;
    /// use escalate::sla::BusinessCalendar;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let cal = BusinessCalendar::builder(New_York)
    ///     .weekdays(&["09:00-17:00"])
    ///     .holiday(NaiveDate::from_ymd_opt(2021, 7, 5).ok_or("date")?)
    ///     .build()?;
    /// // Friday 2 July 2021, 11:00: one business day later skips the weekend
    /// // and the Independence Day holiday on Monday.
    /// let fri = New_York.with_ymd_and_hms(2021, 7, 2, 11, 0, 0).unwrap().to_utc();
    /// let tue = New_York.with_ymd_and_hms(2021, 7, 6, 11, 0, 0).unwrap();
    /// assert_eq!(cal.add_days(fri, 1)?, tue);
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_days(&self, start: DateTime<Utc>, n: u32) -> Result<DateTime<Utc>, CalendarError> {
        if n == 0 {
            return self.next_open(start);
        }
        let e = &self.engine;
        let (day, tod) = e.local(instant_ns(start));
        let target = e.prefix(Measure::BusinessDays, day + 1) + i128::from(n);
        let target_day = match e.find(Measure::BusinessDays, target) {
            Ok(d) => d,
            Err(Exhausted::Above) => return Err(CalendarError::NotEnoughDays { start, days: n }),
            Err(_) => return Err(CalendarError::OutOfRange),
        };
        engine::check_day(target_day).map_err(|_| CalendarError::OutOfRange)?;
        let at = ns_instant(e.from_local(target_day, tod))?;
        self.next_open(at)
    }
}

impl CalendarBuilder {
    fn record(&mut self, error: CalendarConfigError) {
        self.error.get_or_insert(error);
    }

    /// Sets the weekly hours of `day` (replacing earlier ones for that day).
    ///
    /// ```
    /// use chrono::Weekday;
    /// use escalate::sla::BusinessCalendar;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let cal = BusinessCalendar::builder(chrono_tz::UTC)
    ///     .hours(Weekday::Sat, &["09:00-12:00", "13:00-17:00"])
    ///     .build()?;
    /// # let _ = cal;
    /// # Ok(())
    /// # }
    /// ```
    pub fn hours(mut self, day: Weekday, spans: &[&str]) -> Self {
        let i = spec::weekday_index(day);
        let field = format!("hours.{}", spec::DAY_KEYS[i]);
        match parse_all(&field, spans) {
            Ok(v) => self.spec.weekly[i] = v,
            Err(e) => self.record(e),
        }
        self
    }

    /// Sets the same weekly hours for Monday to Friday.
    ///
    /// ```
    /// use escalate::sla::BusinessCalendar;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let cal = BusinessCalendar::builder(chrono_tz::UTC).weekdays(&["09:00-17:00"]).build()?;
    /// # let _ = cal;
    /// # Ok(())
    /// # }
    /// ```
    pub fn weekdays(self, spans: &[&str]) -> Self {
        [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ]
        .into_iter()
        .fold(self, |b, day| b.hours(day, spans))
    }

    /// Adds a holiday: the intervals starting on `date` are removed.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use escalate::sla::BusinessCalendar;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let cal = BusinessCalendar::builder(chrono_tz::UTC)
    ///     .weekdays(&["09:00-17:00"])
    ///     .holiday(NaiveDate::from_ymd_opt(2021, 12, 24).ok_or("date")?)
    ///     .build()?;
    /// # let _ = cal;
    /// # Ok(())
    /// # }
    /// ```
    pub fn holiday(mut self, date: NaiveDate) -> Self {
        self.spec.holidays.insert(date);
        self
    }

    /// Adds breaks on `date`: the local spans are removed from whatever
    /// hours fall in them on that date.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use escalate::sla::BusinessCalendar;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let cal = BusinessCalendar::builder(chrono_tz::UTC)
    ///     .weekdays(&["09:00-17:00"])
    ///     .break_on(NaiveDate::from_ymd_opt(2021, 3, 5).ok_or("date")?, &["12:00-13:00"])
    ///     .build()?;
    /// # let _ = cal;
    /// # Ok(())
    /// # }
    /// ```
    pub fn break_on(mut self, date: NaiveDate, spans: &[&str]) -> Self {
        let field = format!("breaks.{}", date.format("%Y-%m-%d"));
        match parse_all(&field, spans) {
            Ok(v) => self.spec.breaks.entry(date).or_default().extend(v),
            Err(e) => self.record(e),
        }
        self
    }

    /// Sets date-specific hours that replace the weekly hours of `date`
    /// (an empty list closes the date).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use escalate::sla::BusinessCalendar;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let cal = BusinessCalendar::builder(chrono_tz::UTC)
    ///     .weekdays(&["09:00-17:00"])
    ///     .shift(NaiveDate::from_ymd_opt(2021, 12, 24).ok_or("date")?, &["09:00-12:00"])
    ///     .build()?;
    /// # let _ = cal;
    /// # Ok(())
    /// # }
    /// ```
    pub fn shift(mut self, date: NaiveDate, spans: &[&str]) -> Self {
        let field = format!("shifts.{}", date.format("%Y-%m-%d"));
        match parse_all(&field, spans) {
            Ok(v) => {
                self.spec.shifts.insert(date, v);
            }
            Err(e) => self.record(e),
        }
        self
    }

    /// Validates and compiles the calendar.
    ///
    /// # Errors
    ///
    /// The first invalid value given to the builder, or a calendar that is
    /// never open, or a date that is both a holiday and has a shift.
    ///
    /// ```
    /// use escalate::sla::{BusinessCalendar, CalendarConfigError};
    /// let err = BusinessCalendar::builder(chrono_tz::UTC).build().unwrap_err();
    /// assert_eq!(err, CalendarConfigError::NeverOpen);
    /// ```
    pub fn build(self) -> Result<BusinessCalendar, CalendarConfigError> {
        match self.error {
            Some(e) => Err(e),
            None => BusinessCalendar::from_spec(self.spec),
        }
    }
}

fn parse_all(field: &str, spans: &[&str]) -> Result<Vec<Span>, CalendarConfigError> {
    spans
        .iter()
        .enumerate()
        .map(|(i, t)| Span::parse(&format!("{field}[{i}]"), t))
        .collect()
}

impl Default for BusinessCalendar {
    fn default() -> Self {
        Self::always()
    }
}

impl PartialEq for BusinessCalendar {
    fn eq(&self, other: &Self) -> bool {
        self.spec == other.spec
    }
}

impl Eq for BusinessCalendar {}

impl fmt::Debug for BusinessCalendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BusinessCalendar")
            .field("time_zone", &self.spec.tz)
            .field("weekly", &self.spec.weekly)
            .field("holidays", &self.spec.holidays)
            .field("breaks", &self.spec.breaks)
            .field("shifts", &self.spec.shifts)
            .finish()
    }
}

impl Serialize for BusinessCalendar {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.spec.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for BusinessCalendar {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr = spec::Repr::deserialize(deserializer)?;
        Spec::try_from(repr)
            .and_then(BusinessCalendar::from_spec)
            .map_err(serde::de::Error::custom)
    }
}

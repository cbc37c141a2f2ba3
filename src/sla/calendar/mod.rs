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
/// use escalate::sla::BusinessCalendar;
/// let cal = BusinessCalendar::builder("America/New_York".parse()?)
///     .weekdays(&["08:00-17:00"])
///     .build()?;
/// let new_york = cal.time_zone();
/// // An email arrives on Monday at 20:00, after hours.
/// let email = new_york.with_ymd_and_hms(2021, 6, 21, 20, 0, 0).unwrap().to_utc();
/// let due = cal.add(email, TimeDelta::hours(4))?;
/// assert_eq!(due, new_york.with_ymd_and_hms(2021, 6, 22, 12, 0, 0).unwrap());
/// // The reply at 09:30 on Tuesday came after 1.5 business hours.
/// let reply = new_york.with_ymd_and_hms(2021, 6, 22, 9, 30, 0).unwrap().to_utc();
/// assert_eq!(cal.elapsed(email, reply), TimeDelta::minutes(90));
/// # Ok::<(), Box<dyn std::error::Error>>(())
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
///   evening before); like hours, a break such as `23:00-01:00` runs past
///   midnight into the next date;
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
/// - `elapsed(t, u) + elapsed(u, v) == elapsed(t, v)` for `t <= u <= v`;
/// - negative durations mirror: `add(t, -d) == sub(t, d)` and
///   `sub(t, -d) == add(t, d)`.
///
/// [`add_days`](Self::add_days) counts business days (dates that own open
/// hours) and keeps the local time of day.
///
/// *Totality.* No method panics or loops on any input. Where the answer
/// does not exist (the calendar never opens again, or the result is beyond
/// the dates chrono can represent) the methods return a [`CalendarError`].
///
/// *Cost.* Building a calendar parses and checks its description and
/// computes the weekly pattern: a few microseconds. The days that differ
/// from the pattern (near exceptions and DST changes) are tabulated lazily,
/// about two months at a time, the first time a query reaches them; the
/// zone's offset changes are found the same way and shared by every
/// calendar of the zone in the process. A first query near the calendar's
/// other queries therefore costs some microseconds once, and one that
/// jumps decades away pays for the months in between once. After that,
/// queries take a few table lookups; whole weeks are counted by
/// multiplication, so `elapsed` over a year or a century costs the same
/// (about 0.1 µs; see `BENCHMARKS.md`). Cloning is cheap: the tables are
/// shared.
///
/// # Serialization
///
/// Calendars serialize to the shape policy files use; missing keys mean
/// none (a missing `time_zone` means UTC), and `"hours": "always"` means
/// open around the clock:
///
/// ```json
/// {"time_zone": "America/New_York",
///  "hours": {"mon": ["09:00-17:00"], "sat": ["09:00-12:00", "13:00-17:00"], "sun": ["22:00-06:00"]},
///  "holidays": ["2021-12-25"],
///  "breaks": {"2021-03-05": ["12:00-13:00"]},
///  "shifts": {"2021-12-24": ["09:00-12:00"]}}
/// ```
///
/// Deserialization validates like [`CalendarBuilder::build`] and reports a
/// [`CalendarConfigError`] message naming the field. Serialization writes
/// the same shape back, so a round trip gives an equal calendar.
///
/// # Equality
///
/// Two calendars are equal when their descriptions are equal (zone, weekly
/// hours as written, holidays, breaks, shifts), not merely when they behave
/// alike: `09:00-12:00` plus `12:00-17:00` is not equal to `09:00-17:00`.
#[derive(Clone, Deserialize)]
#[serde(try_from = "spec::Repr")]
pub struct BusinessCalendar {
    /// The description and its arithmetic form, shared by clones.
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
/// let cal = BusinessCalendar::builder("Europe/London".parse()?)
///     .weekdays(&["09:00-17:00"])
///     .hours(Weekday::Sat, &["10:00-14:00"])
///     .holiday(NaiveDate::from_ymd_opt(2021, 12, 27).ok_or("date")?)
///     .build()?;
/// assert_eq!(cal.time_zone().name(), "Europe/London");
/// # Ok::<(), Box<dyn std::error::Error>>(())
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
/// // Open only on one date, in the past.
/// let json = r#"{"time_zone": "UTC", "shifts": {"2021-12-24": ["09:00-12:00"]}}"#;
/// let cal: BusinessCalendar = serde_json::from_str(json)?;
/// let now = Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).unwrap();
/// let err = cal.next_open(now).unwrap_err();
/// assert!(matches!(err, CalendarError::NeverOpens { .. }));
/// assert_eq!(err.to_string(), "the calendar is never open at or after 2022-01-01 00:00:00 UTC");
/// # Ok::<(), Box<dyn std::error::Error>>(())
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
    let (secs, nanos) = engine::div_rem(ns, 1_000_000_000);
    let secs = i64::try_from(secs).map_err(|_| CalendarError::OutOfRange)?;
    let nanos = u32::try_from(nanos).map_err(|_| CalendarError::OutOfRange)?;
    DateTime::from_timestamp(secs, nanos).ok_or(CalendarError::OutOfRange)
}

fn delta_ns(d: TimeDelta) -> i128 {
    i128::from(d.num_seconds()) * NANOS + i128::from(d.subsec_nanos())
}

fn ns_delta(ns: i128) -> TimeDelta {
    let (secs, nanos) = engine::div_rem(ns, 1_000_000_000);
    let secs = i64::try_from(secs).ok();
    let nanos = u32::try_from(nanos).ok();
    secs.zip(nanos)
        .and_then(|(s, n)| TimeDelta::new(s, n))
        .unwrap_or(if ns < 0 {
            TimeDelta::MIN
        } else {
            TimeDelta::MAX
        })
}

/// A weekday's name in English, Monday 0 (Monday for any other number).
pub(crate) fn day_name(i: usize) -> &'static str {
    const NAMES: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    NAMES.get(i).copied().unwrap_or("Monday")
}

impl BusinessCalendar {
    fn from_spec(spec: Spec) -> Result<Self, CalendarConfigError> {
        spec.validate()?;
        let engine = Arc::new(Engine::new(spec));
        Ok(BusinessCalendar { engine })
    }

    fn spec(&self) -> &Spec {
        self.engine.spec()
    }

    /// Where the weekly hours close: each as the day (Monday 0) and the
    /// seconds after its midnight, local time (an overnight span closes
    /// on the next day). A span that ends where another begins is no
    /// closing; a calendar open around the clock has none.
    pub(crate) fn weekly_closings(&self) -> Vec<(u32, u32)> {
        const DAY_SECONDS: u32 = 86_400;
        const WEEK: u32 = 7 * DAY_SECONDS;
        let weekly = &self.spec().weekly;
        let starts: Vec<u32> = (0u32..7)
            .flat_map(|d| {
                weekly[d as usize]
                    .iter()
                    .map(move |s| (d * DAY_SECONDS + s.start) % WEEK)
            })
            .collect();
        let mut out: Vec<(u32, u32)> = (0u32..7)
            .flat_map(|d| {
                weekly[d as usize]
                    .iter()
                    .map(move |s| (d * DAY_SECONDS + s.end) % WEEK)
            })
            .filter(|end| !starts.contains(end))
            .map(|end| (end / DAY_SECONDS, end % DAY_SECONDS))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// A calendar open around the clock, in UTC (the [`Default`]).
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use escalate::sla::BusinessCalendar;
    /// let cal = BusinessCalendar::always();
    /// let t = Utc.with_ymd_and_hms(2021, 3, 6, 23, 0, 0).unwrap();
    /// assert_eq!(cal.add(t, TimeDelta::hours(2))?, t + TimeDelta::hours(2));
    /// assert_eq!(cal, BusinessCalendar::default());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn always() -> Self {
        let engine = Arc::new(Engine::new(Spec::always(Tz::UTC)));
        BusinessCalendar { engine }
    }

    /// Starts a calendar in `time_zone` with no hours; add them with the
    /// [`CalendarBuilder`] methods.
    ///
    /// ```
    /// use escalate::sla::BusinessCalendar;
    /// let night_desk = BusinessCalendar::builder("Asia/Tokyo".parse()?)
    ///     .weekdays(&["22:00-06:00"])
    ///     .build()?;
    /// assert_eq!(night_desk.time_zone().name(), "Asia/Tokyo");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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

    /// The date after which the calendar never opens again (its last
    /// shift), for a calendar with no weekly hours; `None` for one that
    /// keeps opening. Policies refuse such calendars: their clocks would
    /// silently never be due.
    pub(crate) fn last_open_date(&self) -> Option<NaiveDate> {
        self.spec().last_open_date()
    }

    /// The shortest closing inside a working day of the weekly hours (a
    /// lunch break, the gap of a split shift), as a length and where it
    /// begins (`"Monday 12:00"`); `None` when the weekly hours have none.
    /// Holidays, breaks, shifts and DST are left out.
    /// [`Policy::lint`](crate::policy::Policy::lint) compares targets with it.
    pub(crate) fn shortest_gap(&self) -> Option<(TimeDelta, String)> {
        let (len, weekday, secs) = self.spec().shortest_weekly_gap()?;
        let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
        let time = if s == 0 {
            format!("{h:02}:{m:02}")
        } else {
            format!("{h:02}:{m:02}:{s:02}")
        };
        let day = day_name(weekday);
        Some((TimeDelta::seconds(len), format!("{day} {time}")))
    }

    /// The calendar's time zone.
    ///
    /// ```
    /// use escalate::sla::BusinessCalendar;
    /// assert_eq!(BusinessCalendar::always().time_zone().name(), "UTC");
    /// ```
    #[must_use]
    pub fn time_zone(&self) -> Tz {
        self.spec().tz
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
    /// use escalate::sla::BusinessCalendar;
    /// let cal = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["09:00-17:00"]).build()?;
    /// let new_york = cal.time_zone();
    /// let mon_16 = new_york.with_ymd_and_hms(2021, 6, 21, 16, 0, 0).unwrap().to_utc();
    /// let tue_09 = new_york.with_ymd_and_hms(2021, 6, 22, 9, 0, 0).unwrap();
    /// assert_eq!(cal.add(mon_16, TimeDelta::hours(1))?, tue_09);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add(&self, start: DateTime<Utc>, d: TimeDelta) -> Result<DateTime<Utc>, CalendarError> {
        let dn = delta_ns(d);
        if dn < 0 {
            return self.sub_ns(start, -dn);
        }
        let (cum, hint) = self.engine.cum(instant_ns(start));
        match self.engine.latest_at(cum + dn, hint) {
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
    /// use escalate::sla::BusinessCalendar;
    /// let cal = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["09:00-17:00"]).build()?;
    /// let new_york = cal.time_zone();
    /// let tue_10 = new_york.with_ymd_and_hms(2021, 6, 22, 10, 0, 0).unwrap().to_utc();
    /// let mon_15 = new_york.with_ymd_and_hms(2021, 6, 21, 15, 0, 0).unwrap();
    /// assert_eq!(cal.sub(tue_10, TimeDelta::hours(3))?, mon_15);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sub(&self, end: DateTime<Utc>, d: TimeDelta) -> Result<DateTime<Utc>, CalendarError> {
        let dn = delta_ns(d);
        if dn < 0 {
            return self.add(end, -d);
        }
        self.sub_ns(end, dn)
    }

    fn sub_ns(&self, end: DateTime<Utc>, dn: i128) -> Result<DateTime<Utc>, CalendarError> {
        if dn == 0 {
            return Ok(end);
        }
        let (cum, hint) = self.engine.cum(instant_ns(end));
        match self.engine.latest_at(cum - dn, hint) {
            Ok(ns) => ns_instant(ns),
            Err(Exhausted::Below) => Err(CalendarError::RunsOutBefore {
                end,
                needed: ns_delta(dn),
            }),
            Err(_) => Err(CalendarError::OutOfRange),
        }
    }

    /// The business time in `[from, to)`; zero when `to <= from`.
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone};
    /// use escalate::sla::BusinessCalendar;
    /// let cal: BusinessCalendar = serde_json::from_str(
    ///     r#"{"time_zone": "America/Los_Angeles", "hours": "always"}"#,
    /// )?;
    /// let los_angeles = cal.time_zone();
    /// // Sunday 2021-03-14 springs forward: the local day is 23 hours long.
    /// let sun = los_angeles.with_ymd_and_hms(2021, 3, 14, 0, 0, 0).unwrap().to_utc();
    /// let mon = los_angeles.with_ymd_and_hms(2021, 3, 15, 0, 0, 0).unwrap().to_utc();
    /// assert_eq!(cal.elapsed(sun, mon), TimeDelta::hours(23));
    /// assert_eq!(cal.elapsed(mon, sun), TimeDelta::zero());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn elapsed(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> TimeDelta {
        if to <= from {
            return TimeDelta::zero();
        }
        let e = &self.engine;
        ns_delta((e.cum(instant_ns(to)).0 - e.cum(instant_ns(from)).0).max(0))
    }

    /// Whether the calendar is open at `t`.
    ///
    /// ```
    /// use chrono::TimeZone;
    /// use escalate::sla::BusinessCalendar;
    /// let cal = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["09:00-17:00"]).build()?;
    /// let new_york = cal.time_zone();
    /// let at = |h| new_york.with_ymd_and_hms(2021, 6, 21, h, 0, 0).unwrap().to_utc();
    /// assert!(cal.is_open(at(9)));
    /// assert!(!cal.is_open(at(17))); // intervals are half-open
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// use escalate::sla::BusinessCalendar;
    /// let cal = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["09:00-17:00"]).build()?;
    /// let new_york = cal.time_zone();
    /// let fri_18 = new_york.with_ymd_and_hms(2021, 6, 25, 18, 0, 0).unwrap().to_utc();
    /// let mon_09 = new_york.with_ymd_and_hms(2021, 6, 28, 9, 0, 0).unwrap();
    /// assert_eq!(cal.next_open(fri_18)?, mon_09);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// use escalate::sla::BusinessCalendar;
    /// let cal = BusinessCalendar::builder("America/New_York".parse()?)
    ///     .weekdays(&["09:00-17:00"])
    ///     .holiday(NaiveDate::from_ymd_opt(2021, 7, 5).ok_or("date")?)
    ///     .build()?;
    /// let new_york = cal.time_zone();
    /// // Friday 2 July 2021, 11:00: one business day later skips the weekend
    /// // and the Independence Day holiday on Monday.
    /// let fri = new_york.with_ymd_and_hms(2021, 7, 2, 11, 0, 0).unwrap().to_utc();
    /// let tue = new_york.with_ymd_and_hms(2021, 7, 6, 11, 0, 0).unwrap();
    /// assert_eq!(cal.add_days(fri, 1)?, tue);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_days(&self, start: DateTime<Utc>, n: u32) -> Result<DateTime<Utc>, CalendarError> {
        if n == 0 {
            return self.next_open(start);
        }
        let e = &self.engine;
        let (day, tod) = e.local(instant_ns(start));
        let (prefix, hint) = e.prefix(Measure::BusinessDays, day + 1);
        let target = prefix + i128::from(n);
        let target_day = match e.find(Measure::BusinessDays, target, hint) {
            Ok(d) => d,
            Err(Exhausted::Above) => return Err(CalendarError::NotEnoughDays { start, days: n }),
            Err(_) => return Err(CalendarError::OutOfRange),
        };
        engine::check_day(target_day).map_err(|_| CalendarError::OutOfRange)?;
        let at = ns_instant(e.local_to_instant(target_day, tod))?;
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
    /// let cal = BusinessCalendar::builder("UTC".parse()?)
    ///     .hours(Weekday::Sat, &["09:00-12:00", "13:00-17:00"])
    ///     .build()?;
    /// // Saturday 2021-03-06: open at 10:00, closed over lunch.
    /// assert!(cal.is_open("2021-03-06T10:00:00Z".parse()?));
    /// assert!(!cal.is_open("2021-03-06T12:30:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn hours(mut self, day: Weekday, spans: &[&str]) -> Self {
        let i = spec::weekday_index(day);
        let field = || format!("hours.{}", spec::DAY_KEYS[i]);
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
    /// let cal = BusinessCalendar::builder("UTC".parse()?).weekdays(&["09:00-17:00"]).build()?;
    /// assert!(cal.is_open("2021-03-05T10:00:00Z".parse()?)); // a Friday
    /// assert!(!cal.is_open("2021-03-06T10:00:00Z".parse()?)); // a Saturday
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// let cal = BusinessCalendar::builder("UTC".parse()?)
    ///     .weekdays(&["09:00-17:00"])
    ///     .holiday(NaiveDate::from_ymd_opt(2021, 12, 24).ok_or("date")?)
    ///     .build()?;
    /// assert!(cal.is_open("2021-12-23T10:00:00Z".parse()?));
    /// assert!(!cal.is_open("2021-12-24T10:00:00Z".parse()?)); // a Friday, but a holiday
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// let cal = BusinessCalendar::builder("UTC".parse()?)
    ///     .weekdays(&["09:00-17:00"])
    ///     .break_on(NaiveDate::from_ymd_opt(2021, 3, 5).ok_or("date")?, &["12:00-13:00"])
    ///     .build()?;
    /// assert!(cal.is_open("2021-03-05T11:30:00Z".parse()?));
    /// assert!(!cal.is_open("2021-03-05T12:30:00Z".parse()?));
    /// assert!(cal.is_open("2021-03-04T12:30:00Z".parse()?)); // only on that date
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn break_on(mut self, date: NaiveDate, spans: &[&str]) -> Self {
        let field = || format!("breaks.{}", date.format("%Y-%m-%d"));
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
    /// let cal = BusinessCalendar::builder("UTC".parse()?)
    ///     .weekdays(&["09:00-17:00"])
    ///     .shift(NaiveDate::from_ymd_opt(2021, 12, 24).ok_or("date")?, &["09:00-12:00"])
    ///     .build()?;
    /// assert!(cal.is_open("2021-12-24T10:00:00Z".parse()?));
    /// assert!(!cal.is_open("2021-12-24T14:00:00Z".parse()?)); // closed early that day
    /// assert!(cal.is_open("2021-12-23T14:00:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shift(mut self, date: NaiveDate, spans: &[&str]) -> Self {
        let field = || format!("shifts.{}", date.format("%Y-%m-%d"));
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
    /// let err = BusinessCalendar::builder("UTC".parse()?).build().unwrap_err();
    /// assert_eq!(err, CalendarConfigError::NeverOpen);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(self) -> Result<BusinessCalendar, CalendarConfigError> {
        match self.error {
            Some(e) => Err(e),
            None => BusinessCalendar::from_spec(self.spec),
        }
    }
}

/// Parses the spans given to a builder method; `field` names them in error
/// messages (it is only called for those).
fn parse_all(field: &dyn Fn() -> String, spans: &[&str]) -> Result<Vec<Span>, CalendarConfigError> {
    spans
        .iter()
        .enumerate()
        .map(|(i, t)| Span::parse(&|| format!("{}[{i}]", field()), t))
        .collect()
}

impl Default for BusinessCalendar {
    fn default() -> Self {
        Self::always()
    }
}

impl PartialEq for BusinessCalendar {
    fn eq(&self, other: &Self) -> bool {
        self.spec() == other.spec()
    }
}

impl Eq for BusinessCalendar {}

impl fmt::Debug for BusinessCalendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BusinessCalendar")
            .field("time_zone", &self.spec().tz)
            .field("weekly", &self.spec().weekly)
            .field("holidays", &self.spec().holidays)
            .field("breaks", &self.spec().breaks)
            .field("shifts", &self.spec().shifts)
            .finish_non_exhaustive()
    }
}

/// A calendar as written, in words: what explaining and comparing
/// policies ([`Policy::explain`](crate::policy::Policy::explain),
/// [`policy::diff`](crate::policy::diff)) read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WrittenCalendar {
    /// Each weekday's hours, Monday first, as written (`09:00-17:00`),
    /// empty when closed.
    pub(crate) weekly: [Vec<String>; 7],
    /// The holidays, in date order.
    pub(crate) holidays: Vec<NaiveDate>,
    /// The dated breaks, each date with its spans.
    pub(crate) breaks: std::collections::BTreeMap<NaiveDate, Vec<String>>,
    /// The dated shifts.
    pub(crate) shifts: std::collections::BTreeMap<NaiveDate, Vec<String>>,
}

impl BusinessCalendar {
    /// The calendar as written (time zone aside: [`time_zone`](Self::time_zone)).
    pub(crate) fn written(&self) -> WrittenCalendar {
        let spec = self.spec();
        let spans = |s: &[Span]| s.iter().map(ToString::to_string).collect::<Vec<_>>();
        let dated = |m: &std::collections::BTreeMap<NaiveDate, Vec<Span>>| {
            m.iter().map(|(d, s)| (*d, spans(s))).collect()
        };
        WrittenCalendar {
            weekly: std::array::from_fn(|i| spans(&spec.weekly[i])),
            holidays: spec.holidays.iter().copied().collect(),
            breaks: dated(&spec.breaks),
            shifts: dated(&spec.shifts),
        }
    }
}

impl Serialize for BusinessCalendar {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.spec().serialize(serializer)
    }
}

impl TryFrom<spec::Repr> for BusinessCalendar {
    type Error = CalendarConfigError;

    fn try_from(repr: spec::Repr) -> Result<Self, CalendarConfigError> {
        Spec::try_from(repr).and_then(BusinessCalendar::from_spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, LocalResult, Offset, TimeZone};
    use chrono_tz::America::{Los_Angeles, New_York};
    use proptest::prelude::*;

    #[track_caller]
    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    /// A local wall time in `tz` (first occurrence when ambiguous).
    #[track_caller]
    fn local(tz: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        tz.with_ymd_and_hms(y, m, d, h, min, 0)
            .earliest()
            .expect("existing local time")
            .to_utc()
    }

    #[track_caller]
    fn nine_to_five() -> BusinessCalendar {
        BusinessCalendar::builder(New_York)
            .weekdays(&["09:00-17:00"])
            .build()
            .expect("valid calendar")
    }

    fn hours(h: i64) -> TimeDelta {
        TimeDelta::hours(h)
    }

    #[test]
    fn a_calendar_without_weekly_hours_closes_after_its_last_open_shift() {
        assert_eq!(nine_to_five().last_open_date(), None);
        assert_eq!(BusinessCalendar::always().last_open_date(), None);
        // Weekly hours keep opening, whatever the shifts.
        let with_shift = BusinessCalendar::builder(New_York)
            .hours(Weekday::Sat, &["10:00-12:00"])
            .shift(date(2021, 12, 24), &[])
            .build()
            .expect("valid calendar");
        assert_eq!(with_shift.last_open_date(), None);
        // An empty shift closes its date: the last open one counts.
        let dated = BusinessCalendar::builder(New_York)
            .shift(date(2027, 1, 5), &["09:00-17:00"])
            .shift(date(2026, 12, 24), &["22:00-06:00"])
            .shift(date(2027, 2, 1), &[])
            .build()
            .expect("valid calendar");
        assert_eq!(dated.last_open_date(), Some(date(2027, 1, 5)));
    }

    #[test]
    fn errors_are_send_sync_static() {
        fn check<T: Send + Sync + 'static + std::error::Error>() {}
        fn cal<T: Send + Sync + Clone + fmt::Debug + Eq>() {}
        check::<CalendarError>();
        check::<CalendarConfigError>();
        cal::<BusinessCalendar>();
    }

    #[test]
    fn one_hour_after_monday_16_is_tuesday_09() {
        let cal = nine_to_five();
        let mon_16 = local(New_York, 2021, 6, 21, 16, 0);
        assert_eq!(
            cal.add(mon_16, hours(1)).unwrap(),
            local(New_York, 2021, 6, 22, 9, 0)
        );
        // Just short of the closing time stays on Monday.
        assert_eq!(
            cal.add(mon_16, TimeDelta::minutes(59)).unwrap(),
            local(New_York, 2021, 6, 21, 16, 59)
        );
        // Friday afternoon runs into Monday.
        let fri_16 = local(New_York, 2021, 6, 25, 16, 0);
        assert_eq!(
            cal.add(fri_16, hours(2)).unwrap(),
            local(New_York, 2021, 6, 28, 10, 0)
        );
    }

    #[test]
    fn add_zero_is_next_open() {
        let cal = nine_to_five();
        let sat = local(New_York, 2021, 6, 26, 12, 0);
        let mon_09 = local(New_York, 2021, 6, 28, 9, 0);
        assert_eq!(cal.add(sat, TimeDelta::zero()).unwrap(), mon_09);
        assert_eq!(cal.next_open(sat).unwrap(), mon_09);
        let open = local(New_York, 2021, 6, 28, 10, 0);
        assert_eq!(cal.next_open(open).unwrap(), open);
        assert_eq!(cal.next_open(mon_09).unwrap(), mon_09);
    }

    #[test]
    fn dst_days_are_23_and_25_hours_long() {
        let cal = BusinessCalendar::builder(Los_Angeles)
            .weekdays(&["00:00-24:00"])
            .hours(Weekday::Sat, &["00:00-24:00"])
            .hours(Weekday::Sun, &["00:00-24:00"])
            .build()
            .unwrap();
        let day = |m, d| {
            let start = local(Los_Angeles, 2021, m, d, 0, 0);
            let next = local(Los_Angeles, 2021, m, d + 1, 0, 0);
            cal.elapsed(start, next)
        };
        assert_eq!(day(3, 14), hours(23));
        assert_eq!(day(11, 7), hours(25));
        assert_eq!(day(6, 1), hours(24));
        // A fully open calendar counts real time across both changes.
        let a = local(Los_Angeles, 2021, 1, 1, 0, 0);
        let b = local(Los_Angeles, 2022, 1, 1, 0, 0);
        assert_eq!(cal.elapsed(a, b), b - a);
        assert_eq!(cal.add(a, b - a).unwrap(), b);
    }

    #[test]
    fn dst_nonexistent_time_moves_forward_by_the_gap() {
        // Sunday 2021-03-14: 02:30 does not exist in Los Angeles; an opening
        // at 02:30 is 03:30 PDT.
        let cal = BusinessCalendar::builder(Los_Angeles)
            .hours(Weekday::Sun, &["02:30-05:00"])
            .build()
            .unwrap();
        let opens = local(Los_Angeles, 2021, 3, 14, 3, 30);
        assert_eq!(
            cal.next_open(local(Los_Angeles, 2021, 3, 14, 0, 0))
                .unwrap(),
            opens
        );
        assert_eq!(
            cal.elapsed(
                local(Los_Angeles, 2021, 3, 13, 0, 0),
                local(Los_Angeles, 2021, 3, 15, 0, 0)
            ),
            TimeDelta::minutes(90)
        );
        // Fall back: 01:30 is ambiguous and takes the first (daylight) occurrence.
        let cal = BusinessCalendar::builder(Los_Angeles)
            .hours(Weekday::Sun, &["01:30-03:00"])
            .build()
            .unwrap();
        let first_0130 = Utc.with_ymd_and_hms(2021, 11, 7, 8, 30, 0).unwrap(); // 01:30 PDT
        assert_eq!(
            cal.next_open(local(Los_Angeles, 2021, 11, 7, 0, 0))
                .unwrap(),
            first_0130
        );
        // 01:30 PDT to 03:00 PST is 2.5 hours of real time.
        assert_eq!(
            cal.elapsed(
                local(Los_Angeles, 2021, 11, 6, 0, 0),
                local(Los_Angeles, 2021, 11, 8, 0, 0)
            ),
            TimeDelta::minutes(150)
        );
    }

    #[test]
    fn overlapping_intervals_are_merged() {
        let cal = BusinessCalendar::builder(New_York)
            .hours(Weekday::Mon, &["09:00-12:00", "11:00-13:00"])
            .build()
            .unwrap();
        let mon = local(New_York, 2021, 6, 21, 0, 0);
        assert_eq!(cal.elapsed(mon, mon + TimeDelta::days(1)), hours(4));
        assert_eq!(
            cal.add(mon, hours(4)).unwrap(),
            local(New_York, 2021, 6, 28, 9, 0)
        );
    }

    #[test]
    fn overnight_shift_overlapping_next_day_is_counted_once() {
        // Sunday 22:00-06:00 overlaps Monday 05:00-09:00: open 22:00-09:00.
        let cal = BusinessCalendar::builder(New_York)
            .hours(Weekday::Sun, &["22:00-06:00"])
            .hours(Weekday::Mon, &["05:00-09:00"])
            .build()
            .unwrap();
        let sun = local(New_York, 2021, 6, 20, 12, 0);
        let tue = local(New_York, 2021, 6, 22, 12, 0);
        assert_eq!(cal.elapsed(sun, tue), hours(11));
        assert!(cal.is_open(local(New_York, 2021, 6, 21, 5, 30)));
        assert_eq!(
            cal.add(sun, hours(11)).unwrap(),
            local(New_York, 2021, 6, 27, 22, 0)
        );
    }

    #[test]
    fn marketplace_email_reply_within_four_business_hours() {
        let cal = BusinessCalendar::builder(New_York)
            .weekdays(&["08:00-17:00"])
            .build()
            .unwrap();
        let email = local(New_York, 2021, 6, 21, 20, 0);
        let due = cal.add(email, hours(4)).unwrap();
        assert_eq!(due, local(New_York, 2021, 6, 22, 12, 0));
        let reply = local(New_York, 2021, 6, 22, 9, 30);
        assert_eq!(cal.elapsed(email, reply), TimeDelta::minutes(90));
        assert!(reply < due);
        assert_eq!(
            cal.next_open(email).unwrap(),
            local(New_York, 2021, 6, 22, 8, 0)
        );
    }

    #[test]
    fn closed_sunday_is_skipped() {
        let cal = BusinessCalendar::builder(New_York)
            .weekdays(&["08:00-20:00"])
            .hours(Weekday::Sat, &["09:00-17:00"])
            .build()
            .unwrap();
        let sat_16 = local(New_York, 2021, 6, 26, 16, 0);
        assert_eq!(
            cal.add(sat_16, hours(2)).unwrap(),
            local(New_York, 2021, 6, 28, 9, 0)
        );
        let sun_noon = local(New_York, 2021, 6, 27, 12, 0);
        assert!(!cal.is_open(sun_noon));
        assert_eq!(
            cal.elapsed(sat_16, local(New_York, 2021, 6, 28, 8, 0)),
            hours(1)
        );
    }

    #[test]
    fn holiday_removes_only_intervals_starting_that_day() {
        // Night desk 22:00-06:00 every day; 2021-12-25 is a holiday.
        let cal = BusinessCalendar::builder(New_York)
            .weekdays(&["22:00-06:00"])
            .hours(Weekday::Sat, &["22:00-06:00"])
            .hours(Weekday::Sun, &["22:00-06:00"])
            .holiday(date(2021, 12, 25))
            .build()
            .unwrap();
        // The shift from the evening of the 24th runs into the holiday...
        assert!(cal.is_open(local(New_York, 2021, 12, 25, 3, 0)));
        // ...but the holiday's own shift does not start.
        assert!(!cal.is_open(local(New_York, 2021, 12, 25, 23, 0)));
        assert!(!cal.is_open(local(New_York, 2021, 12, 26, 3, 0)));
        let a = local(New_York, 2021, 12, 24, 12, 0);
        let b = local(New_York, 2021, 12, 27, 12, 0);
        assert_eq!(cal.elapsed(a, b), hours(16));
        assert_eq!(
            cal.add(local(New_York, 2021, 12, 25, 5, 0), hours(1))
                .unwrap(),
            local(New_York, 2021, 12, 26, 22, 0)
        );
    }

    #[test]
    fn break_removes_its_span() {
        let cal = BusinessCalendar::builder(New_York)
            .weekdays(&["09:00-17:00"])
            .break_on(date(2021, 3, 5), &["12:00-13:00"])
            .build()
            .unwrap();
        let fri = local(New_York, 2021, 3, 5, 0, 0);
        assert_eq!(cal.elapsed(fri, fri + TimeDelta::days(1)), hours(7));
        assert!(!cal.is_open(local(New_York, 2021, 3, 5, 12, 30)));
        assert_eq!(
            cal.add(local(New_York, 2021, 3, 5, 11, 0), hours(2))
                .unwrap(),
            local(New_York, 2021, 3, 5, 14, 0)
        );
        // Other Fridays are untouched.
        let next = local(New_York, 2021, 3, 12, 0, 0);
        assert_eq!(cal.elapsed(next, next + TimeDelta::days(1)), hours(8));
    }

    #[test]
    fn break_cuts_an_overnight_shift_from_the_evening_before() {
        let cal = BusinessCalendar::builder(New_York)
            .hours(Weekday::Sun, &["22:00-06:00"])
            .break_on(date(2021, 6, 21), &["02:00-03:00"])
            .build()
            .unwrap();
        let sun = local(New_York, 2021, 6, 20, 12, 0);
        assert_eq!(cal.elapsed(sun, sun + TimeDelta::days(1)), hours(7));
        assert!(!cal.is_open(local(New_York, 2021, 6, 21, 2, 30)));
    }

    #[test]
    fn overnight_break_runs_into_the_next_date() {
        let cal = BusinessCalendar::builder(New_York)
            .weekdays(&["00:00-24:00"])
            .break_on(date(2021, 6, 21), &["23:00-01:00"])
            .build()
            .unwrap();
        assert!(!cal.is_open(local(New_York, 2021, 6, 21, 23, 30)));
        assert!(!cal.is_open(local(New_York, 2021, 6, 22, 0, 30)));
        assert!(cal.is_open(local(New_York, 2021, 6, 22, 1, 0)));
        let mon = local(New_York, 2021, 6, 21, 0, 0);
        assert_eq!(cal.elapsed(mon, mon + TimeDelta::days(2)), hours(46));
        assert_eq!(
            cal.add(local(New_York, 2021, 6, 21, 22, 30), hours(1))
                .unwrap(),
            local(New_York, 2021, 6, 22, 1, 30)
        );
    }

    #[test]
    fn shift_replaces_weekly_hours() {
        let cal = BusinessCalendar::builder(New_York)
            .weekdays(&["09:00-17:00"])
            .shift(date(2021, 12, 24), &["09:00-12:00"])
            .shift(date(2021, 12, 26), &["10:00-11:00"])
            .build()
            .unwrap();
        let fri = local(New_York, 2021, 12, 24, 0, 0);
        assert_eq!(cal.elapsed(fri, fri + TimeDelta::days(1)), hours(3));
        assert!(!cal.is_open(local(New_York, 2021, 12, 24, 13, 0)));
        // The Sunday shift opens a normally closed day.
        assert_eq!(
            cal.add(local(New_York, 2021, 12, 24, 11, 0), hours(2))
                .unwrap(),
            local(New_York, 2021, 12, 27, 9, 0)
        );
    }

    #[test]
    fn end_at_24_00() {
        let cal = BusinessCalendar::builder(New_York)
            .hours(Weekday::Mon, &["18:00-24:00"])
            .hours(Weekday::Tue, &["00:00-02:00"])
            .build()
            .unwrap();
        let mon = local(New_York, 2021, 6, 21, 12, 0);
        assert_eq!(cal.elapsed(mon, mon + TimeDelta::days(1)), hours(8));
        // Midnight is inside one continuous open stretch.
        assert!(cal.is_open(local(New_York, 2021, 6, 22, 0, 0)));
        assert_eq!(
            cal.add(local(New_York, 2021, 6, 21, 23, 0), hours(2))
                .unwrap(),
            local(New_York, 2021, 6, 22, 1, 0)
        );
    }

    #[test]
    fn overnight_shift_into_a_holiday() {
        let cal = BusinessCalendar::builder(New_York)
            .hours(Weekday::Fri, &["22:00-06:00"])
            .hours(Weekday::Sat, &["22:00-06:00"])
            .holiday(date(2021, 12, 25))
            .build()
            .unwrap();
        let fri_23 = local(New_York, 2021, 12, 24, 23, 0);
        // Four hours from Friday 23:00 runs past midnight into the holiday, to 03:00.
        assert_eq!(
            cal.add(fri_23, hours(4)).unwrap(),
            local(New_York, 2021, 12, 25, 3, 0)
        );
        // Eight hours: the shift ends at 06:00 after 7, the Saturday one is
        // cancelled, the next is Friday 31st 22:00.
        assert_eq!(
            cal.add(fri_23, hours(8)).unwrap(),
            local(New_York, 2021, 12, 31, 23, 0)
        );
    }

    #[test]
    fn add_days_examples() {
        let cal = BusinessCalendar::builder(New_York)
            .weekdays(&["09:00-17:00"])
            .holiday(date(2021, 7, 5))
            .build()
            .unwrap();
        let fri_11 = local(New_York, 2021, 7, 2, 11, 0);
        assert_eq!(
            cal.add_days(fri_11, 1).unwrap(),
            local(New_York, 2021, 7, 6, 11, 0)
        );
        assert_eq!(
            cal.add_days(fri_11, 5).unwrap(),
            local(New_York, 2021, 7, 12, 11, 0)
        );
        assert_eq!(cal.add_days(fri_11, 0).unwrap(), fri_11);
        // After hours: same time of day, then the next opening.
        let fri_20 = local(New_York, 2021, 7, 2, 20, 0);
        assert_eq!(
            cal.add_days(fri_20, 1).unwrap(),
            local(New_York, 2021, 7, 7, 9, 0)
        );
        // From a Saturday, one business day later is Tuesday (Monday is a holiday).
        let sat_10 = local(New_York, 2021, 7, 3, 10, 0);
        assert_eq!(
            cal.add_days(sat_10, 1).unwrap(),
            local(New_York, 2021, 7, 6, 10, 0)
        );
        // Far ahead: 260 business days is 52 weeks minus the one holiday.
        let later = cal
            .add_days(local(New_York, 2021, 6, 1, 10, 0), 260)
            .unwrap();
        assert_eq!(later, local(New_York, 2022, 6, 1, 10, 0));
    }

    #[test]
    fn add_days_across_dst_keeps_local_time() {
        let cal = nine_to_five();
        let fri = local(New_York, 2021, 3, 12, 10, 0);
        assert_eq!(
            cal.add_days(fri, 1).unwrap(),
            local(New_York, 2021, 3, 15, 10, 0)
        );
    }

    #[test]
    fn sub_examples() {
        let cal = nine_to_five();
        let tue_10 = local(New_York, 2021, 6, 22, 10, 0);
        assert_eq!(
            cal.sub(tue_10, hours(1)).unwrap(),
            local(New_York, 2021, 6, 22, 9, 0)
        );
        // Counting back, one hour runs out at Monday's closing time; the
        // latest instant from which an hour reaches 10:00 is Tuesday 09:00,
        // not Monday 17:00.
        assert_ne!(
            cal.sub(tue_10, hours(1)).unwrap(),
            local(New_York, 2021, 6, 21, 17, 0)
        );
        // One more hour back reaches Monday 16:00 (latest instant with 2 h to go).
        assert_eq!(
            cal.sub(tue_10, hours(2)).unwrap(),
            local(New_York, 2021, 6, 21, 16, 0)
        );
        // From a closed instant: Tuesday 08:00, one hour back is Monday 16:00.
        let tue_08 = local(New_York, 2021, 6, 22, 8, 0);
        assert_eq!(
            cal.sub(tue_08, hours(1)).unwrap(),
            local(New_York, 2021, 6, 21, 16, 0)
        );
        assert_eq!(cal.sub(tue_10, TimeDelta::zero()).unwrap(), tue_10);
        // Negative durations mirror.
        assert_eq!(
            cal.add(tue_10, hours(-2)).unwrap(),
            cal.sub(tue_10, hours(2)).unwrap()
        );
        assert_eq!(
            cal.sub(tue_10, hours(-2)).unwrap(),
            cal.add(tue_10, hours(2)).unwrap()
        );
    }

    #[test]
    fn sub_seconds_precision() {
        let cal = nine_to_five();
        let t = local(New_York, 2021, 6, 22, 10, 0) + TimeDelta::nanoseconds(123_456_789);
        let d = TimeDelta::seconds(3601) + TimeDelta::nanoseconds(7);
        let u = cal.add(t, d).unwrap();
        assert_eq!(u - t, d);
        assert_eq!(cal.elapsed(t, u), d);
        assert_eq!(cal.sub(u, d).unwrap(), t);
    }

    #[test]
    fn never_opening_again_is_an_error_not_a_loop() {
        let cal = BusinessCalendar::builder(New_York)
            .shift(date(2021, 12, 24), &["09:00-12:00"])
            .build()
            .unwrap();
        let before = local(New_York, 2021, 12, 1, 0, 0);
        let after = local(New_York, 2022, 1, 1, 0, 0);
        assert_eq!(
            cal.next_open(before).unwrap(),
            local(New_York, 2021, 12, 24, 9, 0)
        );
        assert_eq!(
            cal.add(before, hours(2)).unwrap(),
            local(New_York, 2021, 12, 24, 11, 0)
        );
        // Three hours run out exactly at the last closing time: there is no
        // next opening to land on.
        assert_eq!(
            cal.add(before, hours(3)),
            Err(CalendarError::RunsOut {
                start: before,
                needed: hours(3)
            })
        );
        assert_eq!(
            cal.add(before, hours(4)),
            Err(CalendarError::RunsOut {
                start: before,
                needed: hours(4)
            })
        );
        assert_eq!(
            cal.next_open(after),
            Err(CalendarError::NeverOpens { after })
        );
        assert_eq!(
            cal.sub(before, hours(1)),
            Err(CalendarError::RunsOutBefore {
                end: before,
                needed: hours(1)
            })
        );
        assert_eq!(cal.elapsed(before, after), hours(3));
        assert_eq!(
            cal.add_days(before, 2),
            Err(CalendarError::NotEnoughDays {
                start: before,
                days: 2
            })
        );
        assert_eq!(
            cal.add_days(before, 1).unwrap(),
            local(New_York, 2021, 12, 24, 9, 0)
        );
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        let cals = [
            BusinessCalendar::always(),
            nine_to_five(),
            BusinessCalendar::builder(Los_Angeles)
                .shift(date(2021, 12, 24), &["09:00-12:00"])
                .build()
                .unwrap(),
            BusinessCalendar::builder(chrono_tz::Australia::Lord_Howe)
                .hours(Weekday::Sun, &["00:00:01-00:00:02"])
                .build()
                .unwrap(),
        ];
        let instants = [
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
            DateTime::UNIX_EPOCH,
        ];
        let deltas = [
            TimeDelta::MAX,
            TimeDelta::MIN,
            TimeDelta::zero(),
            TimeDelta::nanoseconds(1),
        ];
        for cal in &cals {
            for &t in &instants {
                let _ = cal.is_open(t);
                let _ = cal.next_open(t);
                let _ = cal.add_days(t, u32::MAX);
                let _ = cal.add_days(t, 1);
                for &u in &instants {
                    let _ = cal.elapsed(t, u);
                }
                for &d in &deltas {
                    let _ = cal.add(t, d);
                    let _ = cal.sub(t, d);
                }
            }
        }
        let t = local(New_York, 2021, 6, 21, 10, 0);
        assert_eq!(
            nine_to_five().add(t, TimeDelta::MAX),
            Err(CalendarError::OutOfRange)
        );
        assert_eq!(
            BusinessCalendar::always().add_days(t, u32::MAX),
            Err(CalendarError::OutOfRange)
        );
        // Far future (after the zone's last known transition) still works.
        let far = local(New_York, 3021, 6, 21, 10, 0);
        assert_eq!(
            nine_to_five().add(far, hours(8)).unwrap(),
            far + TimeDelta::days(1)
        );
    }

    /// Answers of a fixed set of queries spread over five centuries.
    fn spread_answers(cal: &BusinessCalendar, order: &[usize]) -> Vec<String> {
        let starts = [1750, 1850, 1918, 2021, 2101, 2250].map(|y| local(New_York, y, 3, 10, 12, 0));
        order
            .iter()
            .map(|&i| {
                let t = starts[i % starts.len()];
                format!(
                    "{:?} {:?} {:?} {:?} {}",
                    cal.add(t, hours(300)),
                    cal.sub(t, hours(41)),
                    cal.add_days(t, 9),
                    cal.elapsed(t - TimeDelta::days(40), t + TimeDelta::days(400)),
                    cal.is_open(t)
                )
            })
            .collect()
    }

    fn office_with_far_holidays() -> BusinessCalendar {
        BusinessCalendar::builder(New_York)
            .weekdays(&["08:00-18:00"])
            .hours(Weekday::Sun, &["01:30-03:00"])
            .holiday(date(1750, 3, 12))
            .holiday(date(2021, 3, 15))
            .holiday(date(2250, 3, 11))
            .build()
            .expect("valid calendar")
    }

    #[test]
    fn answers_do_not_depend_on_which_query_comes_first() {
        // The tables are computed lazily from the first chunk a query
        // reaches; the answers must not show it.
        let forwards: Vec<usize> = (0..6).collect();
        let reference = spread_answers(&office_with_far_holidays(), &forwards);
        for first in 0..6 {
            let order: Vec<usize> = (first..first + 6).rev().collect();
            let mut answers = spread_answers(&office_with_far_holidays(), &order);
            answers.reverse();
            answers.rotate_right(first);
            assert_eq!(answers, reference, "first query at index {first}");
        }
    }

    #[test]
    fn concurrent_first_queries_agree() {
        let forwards: Vec<usize> = (0..6).collect();
        let reference = spread_answers(&office_with_far_holidays(), &forwards);
        let shared = office_with_far_holidays();
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..6)
                .map(|first| {
                    let cal = shared.clone();
                    let reference = &reference;
                    scope.spawn(move || {
                        let order: Vec<usize> = (first..first + 6).collect();
                        let mut answers = spread_answers(&cal, &order);
                        answers.rotate_right(first);
                        assert_eq!(&answers, reference, "thread starting at {first}");
                    })
                })
                .collect();
            for handle in handles {
                assert!(handle.join().is_ok());
            }
        });
    }

    #[test]
    fn elapsed_over_long_ranges_matches_day_by_day_sums() {
        let cal = BusinessCalendar::builder(New_York)
            .weekdays(&["09:00-17:00"])
            .hours(Weekday::Sun, &["22:00-02:00"])
            .holiday(date(2021, 7, 5))
            .holiday(date(2021, 11, 25))
            .break_on(date(2021, 3, 8), &["01:00-01:30", "12:00-13:00"])
            .shift(date(2021, 12, 24), &["09:00-12:00"])
            .build()
            .unwrap();
        let start = local(New_York, 2020, 12, 30, 15, 7);
        let mut t = start;
        let mut sum = TimeDelta::zero();
        for _ in 0..800 {
            let next = t + TimeDelta::hours(13);
            sum += cal.elapsed(t, next);
            t = next;
        }
        assert_eq!(cal.elapsed(start, t), sum);
        assert_eq!(cal.add(start, sum).unwrap(), cal.next_open(t).unwrap());
        // 52 weeks * 40 h + 4 Sunday nights, minus holidays, break, short day.
        assert!(sum > hours(1900));
    }

    // ---- serde ----

    const SAMPLE: &str = r#"{"time_zone":"America/New_York","hours":{"mon":["09:00-17:00"],"sat":["09:00-12:00","13:00-17:00"],"sun":["22:00-06:00"]},"holidays":["2021-12-25"],"breaks":{"2021-03-05":["12:00-13:00"]},"shifts":{"2021-12-24":["09:00-12:00"]}}"#;

    #[test]
    fn serde_round_trip_json_and_toml() {
        let cal: BusinessCalendar = serde_json::from_str(SAMPLE).unwrap();
        assert_eq!(serde_json::to_string(&cal).unwrap(), SAMPLE);
        let toml_text = toml::to_string(&cal).unwrap();
        let back: BusinessCalendar = toml::from_str(&toml_text).unwrap();
        assert_eq!(back, cal);
        let always = serde_json::to_string(&BusinessCalendar::default()).unwrap();
        assert_eq!(always, r#"{"time_zone":"UTC","hours":"always"}"#);
        let parsed: BusinessCalendar = serde_json::from_str(r#"{"hours": "always"}"#).unwrap();
        assert_eq!(parsed, BusinessCalendar::always());
        let seconds: BusinessCalendar =
            serde_json::from_str(r#"{"hours": {"tue": ["09:00:30-17:00", "20:00-00:00"]}}"#)
                .unwrap();
        assert_eq!(
            serde_json::to_string(&seconds).unwrap(),
            r#"{"time_zone":"UTC","hours":{"tue":["09:00:30-17:00","20:00-24:00"]}}"#
        );
        // Semantics survive the trip.
        let t = local(New_York, 2021, 12, 23, 16, 0);
        assert_eq!(
            back.add(t, hours(5)).unwrap(),
            cal.add(t, hours(5)).unwrap()
        );
    }

    #[test]
    fn toml_policy_shape() {
        let text = r#"
            time_zone = "America/New_York"
            holidays = ["2021-12-25"]

            [hours]
            mon = ["09:00-17:00"]
            sat = ["09:00-12:00", "13:00-17:00"]
            sun = ["22:00-06:00"]

            [breaks]
            "2021-03-05" = ["12:00-13:00"]

            [shifts]
            "2021-12-24" = ["09:00-12:00"]
        "#;
        let from_toml: BusinessCalendar = toml::from_str(text).unwrap();
        let from_json: BusinessCalendar = serde_json::from_str(SAMPLE).unwrap();
        assert_eq!(from_toml, from_json);
        assert_eq!(from_toml.time_zone(), New_York);
    }

    #[track_caller]
    fn config_error(json: &str) -> String {
        let err = serde_json::from_str::<BusinessCalendar>(json)
            .unwrap_err()
            .to_string();
        // serde_json appends the position; keep our message only.
        match err.rfind(" at line ") {
            Some(i) => err[..i].to_owned(),
            None => err,
        }
    }

    #[test]
    fn config_error_messages() {
        let cases = [
            (
                r#"{"time_zone": "Mars/Olympus", "hours": "always"}"#,
                r#"time_zone: unknown time zone "Mars/Olympus": expected an IANA name such as "America/New_York""#,
            ),
            (
                r#"{"hours": "sometimes"}"#,
                r#"hours: unknown keyword "sometimes": expected "always" or a table of weekdays"#,
            ),
            (
                r#"{"hours": {"mo": ["09:00-17:00"]}}"#,
                r#"hours.mo: unknown day "mo": expected one of mon, tue, wed, thu, fri, sat, sun"#,
            ),
            (
                r#"{"hours": {"mon": ["09:00-17:00"], "mon": ["10:00-11:00"]}}"#,
                "hours.mon: the day is given twice",
            ),
            (
                r#"{"hours": {"mon": ["09:00-25:00"]}}"#,
                r#"hours.mon[0]: invalid time "25:00": expected HH:MM between 00:00 and 24:00"#,
            ),
            (
                r#"{"hours": {"mon": ["08:00-09:00", "9:00-17:00"]}}"#,
                r#"hours.mon[1]: invalid time "9:00": expected HH:MM between 00:00 and 24:00"#,
            ),
            (
                r#"{"hours": {"tue": ["09:60-17:00"]}}"#,
                r#"hours.tue[0]: invalid time "09:60": expected HH:MM between 00:00 and 24:00"#,
            ),
            (
                r#"{"hours": {"tue": ["24:30-17:00"]}}"#,
                r#"hours.tue[0]: invalid time "24:30": expected HH:MM between 00:00 and 24:00"#,
            ),
            (
                r#"{"hours": {"wed": ["0900-1700"]}}"#,
                r#"hours.wed[0]: invalid time "0900": expected HH:MM between 00:00 and 24:00"#,
            ),
            (
                r#"{"hours": {"wed": ["09:00"]}}"#,
                r#"hours.wed[0]: invalid interval "09:00": expected HH:MM-HH:MM"#,
            ),
            (
                r#"{"hours": {"thu": ["09:00-09:00"]}}"#,
                r#"hours.thu[0]: empty interval "09:00-09:00": the end equals the start (write 00:00-24:00 for a whole day)"#,
            ),
            (
                r#"{"hours": {"fri": ["24:00-06:00"]}}"#,
                r#"hours.fri[0]: invalid interval "24:00-06:00": 24:00 can only end an interval"#,
            ),
            (
                r#"{"hours": {"mon": []}}"#,
                "hours: the calendar is never open: give weekly hours or date-specific shifts",
            ),
            (
                "{}",
                "hours: the calendar is never open: give weekly hours or date-specific shifts",
            ),
            (
                r#"{"hours": "always", "holidays": ["2021-12-25", "2021-02-30"]}"#,
                r#"holidays[1]: invalid date "2021-02-30": expected YYYY-MM-DD"#,
            ),
            (
                r#"{"hours": "always", "holidays": ["2021-3-5"]}"#,
                r#"holidays[0]: invalid date "2021-3-5": expected YYYY-MM-DD"#,
            ),
            (
                r#"{"hours": "always", "breaks": {"March 5": ["12:00-13:00"]}}"#,
                r#"breaks.March 5: invalid date "March 5": expected YYYY-MM-DD"#,
            ),
            (
                r#"{"hours": "always", "breaks": {"2021-03-05": ["12:00-13:00", "13:00-12"]}}"#,
                r#"breaks.2021-03-05[1]: invalid time "12": expected HH:MM between 00:00 and 24:00"#,
            ),
            (
                r#"{"hours": "always", "shifts": {"2021-12-24": ["09:00-09:00"]}}"#,
                r#"shifts.2021-12-24[0]: empty interval "09:00-09:00": the end equals the start (write 00:00-24:00 for a whole day)"#,
            ),
            (
                r#"{"hours": "always", "holidays": ["2021-12-24"], "shifts": {"2021-12-24": ["09:00-12:00"]}}"#,
                "shifts.2021-12-24: the date is also a holiday: keep one of them",
            ),
        ];
        for (json, message) in cases {
            assert_eq!(config_error(json), message, "for {json}");
        }
        assert!(config_error(r#"{"hours": "always", "typo": 1}"#).contains("unknown field `typo`"));
    }

    #[test]
    fn builder_reports_the_first_error_with_the_same_messages() {
        let err = BusinessCalendar::builder(New_York)
            .hours(Weekday::Mon, &["09:00-17:00", "18:00-18:00"])
            .hours(Weekday::Tue, &["25:00-26:00"])
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"hours.mon[1]: empty interval "18:00-18:00": the end equals the start (write 00:00-24:00 for a whole day)"#
        );
        let err = BusinessCalendar::builder(New_York)
            .weekdays(&["09:00-17:00"])
            .break_on(date(2021, 3, 5), &["noon"])
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"breaks.2021-03-05[0]: invalid interval "noon": expected HH:MM-HH:MM"#
        );
        let err = BusinessCalendar::builder(New_York)
            .weekdays(&["09:00-17:00"])
            .holiday(date(2021, 12, 24))
            .shift(date(2021, 12, 24), &["09:00-12:00"])
            .build()
            .unwrap_err();
        assert_eq!(
            err,
            CalendarConfigError::ShiftOnHoliday {
                date: date(2021, 12, 24)
            }
        );
    }

    #[test]
    fn calendar_error_messages() {
        let t = Utc.with_ymd_and_hms(2021, 6, 21, 14, 0, 0).unwrap();
        let cases = [
            (
                CalendarError::NeverOpens { after: t },
                "the calendar is never open at or after 2021-06-21 14:00:00 UTC",
            ),
            (
                CalendarError::RunsOut {
                    start: t,
                    needed: TimeDelta::minutes(90),
                },
                "the calendar has less than 5400s of business time after 2021-06-21 14:00:00 UTC",
            ),
            (
                CalendarError::RunsOutBefore {
                    end: t,
                    needed: TimeDelta::milliseconds(1500),
                },
                "the calendar has less than 1.5s of business time before 2021-06-21 14:00:00 UTC",
            ),
            (
                CalendarError::NotEnoughDays { start: t, days: 3 },
                "the calendar has fewer than 3 business days after 2021-06-21 14:00:00 UTC",
            ),
            (
                CalendarError::OutOfRange,
                "the result is beyond the range of dates chrono can represent",
            ),
        ];
        for (err, message) in cases {
            assert_eq!(err.to_string(), message);
        }
    }

    // ---- properties ----

    /// A slow, obviously correct model: every interval and break of every
    /// date near the range, converted with chrono-tz directly, and a
    /// minute-by-minute walk.
    struct Reference {
        open: Vec<(i64, i64)>,
        closed: Vec<(i64, i64)>,
        /// The date each `open` interval belongs to.
        owner: Vec<NaiveDate>,
    }

    fn reference_utc(tz: Tz, day: NaiveDate, secs: i64) -> i64 {
        let naive = day.and_time(chrono::NaiveTime::MIN) + TimeDelta::seconds(secs);
        match tz.from_local_datetime(&naive) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.timestamp(),
            LocalResult::None => {
                let gap = chrono_tz::GapInfo::new(&naive, &tz).expect("a gap");
                let before = gap.begin.expect("gap start").1.fix().local_minus_utc();
                naive.and_utc().timestamp() - i64::from(before)
            }
        }
    }

    impl Reference {
        fn new(spec: &Spec, from: NaiveDate, to: NaiveDate) -> Reference {
            let mut r = Reference {
                open: Vec::new(),
                closed: Vec::new(),
                owner: Vec::new(),
            };
            let mut day = from - TimeDelta::days(2);
            while day <= to + TimeDelta::days(2) {
                let weekly = &spec.weekly[spec::weekday_index(day.weekday())];
                let hours: &[Span] = if spec.holidays.contains(&day) {
                    &[]
                } else {
                    spec.shifts.get(&day).unwrap_or(weekly)
                };
                let convert = |s: &Span| {
                    let (a, b) = s.bounds();
                    (
                        reference_utc(spec.tz, day, a),
                        reference_utc(spec.tz, day, b),
                    )
                };
                r.open.extend(hours.iter().map(convert));
                r.owner.resize(r.open.len(), day);
                r.closed
                    .extend(spec.breaks.get(&day).into_iter().flatten().map(convert));
                day += TimeDelta::days(1);
            }
            r
        }

        fn is_open(&self, u: i64) -> bool {
            self.open.iter().any(|&(a, b)| a <= u && u < b)
                && !self.closed.iter().any(|&(a, b)| a <= u && u < b)
        }

        /// Whether some interval of `day` keeps time outside every break.
        fn is_business_day(&self, day: NaiveDate) -> bool {
            let mut closed = self.closed.clone();
            closed.sort_unstable();
            self.open.iter().zip(&self.owner).any(|(&(a, b), &owner)| {
                if owner != day {
                    return false;
                }
                // Sweep the breaks from `a`; open time remains if a gap shows.
                let mut covered_to = a;
                for &(c, d) in &closed {
                    if c > covered_to {
                        break;
                    }
                    covered_to = covered_to.max(d);
                }
                covered_to < b
            })
        }
    }

    const ZONES: [Tz; 7] = [
        chrono_tz::UTC,
        New_York,
        Los_Angeles,
        chrono_tz::Europe::London,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Asia::Kolkata,
        chrono_tz::Pacific::Apia,
    ];

    /// Dates near DST changes of the zones above, a quiet date, the end of
    /// local mean time in New York, the last and first changes in chrono-tz's
    /// New York data, Samoa skipping 2011-12-30, and dates beyond the data.
    const BASES: [(i32, u32, u32); 13] = [
        (2021, 3, 14),
        (2021, 11, 7),
        (2021, 3, 28),
        (2021, 10, 31),
        (2021, 4, 4),
        (2021, 10, 3),
        (2021, 6, 21),
        (1883, 11, 18),
        (1918, 3, 31),
        (2099, 11, 1),
        (2011, 12, 30),
        (2250, 6, 1),
        (1750, 1, 1),
    ];

    fn span_text(start_min: u32, len_min: u32) -> String {
        let end = (start_min + len_min) % 1440;
        let end = if end == 0 { 1440 } else { end };
        format!(
            "{:02}:{:02}-{:02}:{:02}",
            start_min / 60,
            start_min % 60,
            end / 60,
            end % 60
        )
    }

    fn spans() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec((0u32..1440, 1u32..1440), 0..3)
            .prop_map(|v| v.into_iter().map(|(s, l)| span_text(s, l)).collect())
    }

    #[derive(Debug, Clone)]
    struct Case {
        cal: BusinessCalendar,
        base: NaiveDate,
    }

    fn calendars() -> impl Strategy<Value = Case> {
        (
            0..ZONES.len(),
            0..BASES.len(),
            prop::array::uniform7(spans()),
            prop::collection::vec(-5i64..5, 0..3),
            prop::collection::vec((-5i64..5, 0u32..1440, 1u32..600), 0..3),
            prop::collection::vec((-5i64..5, spans()), 0..3),
        )
            .prop_map(|(z, b, weekly, holidays, breaks, shifts)| {
                let (y, m, d) = BASES[b];
                let base = date(y, m, d);
                let mut builder = BusinessCalendar::builder(ZONES[z]);
                let days = [
                    Weekday::Mon,
                    Weekday::Tue,
                    Weekday::Wed,
                    Weekday::Thu,
                    Weekday::Fri,
                    Weekday::Sat,
                    Weekday::Sun,
                ];
                let mut any = false;
                for (day, spans) in days.into_iter().zip(&weekly) {
                    any |= !spans.is_empty();
                    let refs: Vec<&str> = spans.iter().map(String::as_str).collect();
                    builder = builder.hours(day, &refs);
                }
                if !any {
                    builder = builder.hours(Weekday::Wed, &["09:00-17:00"]);
                }
                for h in holidays {
                    builder = builder.holiday(base + TimeDelta::days(h));
                }
                for (o, s, l) in breaks {
                    builder = builder.break_on(base + TimeDelta::days(o), &[&span_text(s, l)]);
                }
                for (o, spans) in shifts {
                    let day = base + TimeDelta::days(o);
                    if builder.spec.holidays.contains(&day) {
                        continue;
                    }
                    let refs: Vec<&str> = spans.iter().map(String::as_str).collect();
                    builder = builder.shift(day, &refs);
                }
                Case {
                    cal: builder.build().expect("generated calendars are valid"),
                    base,
                }
            })
    }

    fn instant(case: &Case, offset_secs: i64, nanos: u32) -> DateTime<Utc> {
        let midnight = case.base.and_time(chrono::NaiveTime::MIN).and_utc();
        midnight
            + TimeDelta::seconds(offset_secs)
            + TimeDelta::nanoseconds(i64::from(nanos % 3 * 250_000_000))
    }

    const WEEK: i64 = 7 * 86_400;

    proptest! {
        #[test]
        fn elapsed_of_add_is_the_duration(case in calendars(), o in -WEEK..WEEK, n in 0u32..3, d in 0i64..(200 * 3600)) {
            let t = instant(&case, o, n);
            let d = TimeDelta::seconds(d) + TimeDelta::nanoseconds(i64::from(n));
            let u = case.cal.add(t, d).unwrap();
            prop_assert!(u >= t);
            prop_assert_eq!(case.cal.elapsed(t, u), d);
            prop_assert!(case.cal.is_open(u), "add's result {} is not open", u);
        }

        #[test]
        fn add_is_monotone(case in calendars(), o in -WEEK..WEEK, dt in 0i64..(3 * 86_400), d in 0i64..(100 * 3600), dd in 0i64..(50 * 3600)) {
            let t = instant(&case, o, 0);
            let d1 = TimeDelta::seconds(d);
            let a = case.cal.add(t, d1).unwrap();
            prop_assert!(a <= case.cal.add(t + TimeDelta::seconds(dt), d1).unwrap());
            prop_assert!(a <= case.cal.add(t, d1 + TimeDelta::seconds(dd)).unwrap());
        }

        #[test]
        fn add_composes(case in calendars(), o in -WEEK..WEEK, a in 0i64..(100 * 3600), b in 0i64..(100 * 3600)) {
            let t = instant(&case, o, 1);
            let (a, b) = (TimeDelta::seconds(a), TimeDelta::seconds(b));
            let step = case.cal.add(case.cal.add(t, a).unwrap(), b).unwrap();
            prop_assert_eq!(step, case.cal.add(t, a + b).unwrap());
        }

        #[test]
        fn long_adds_compose(case in calendars(), o in -WEEK..WEEK, a in 0i64..(3000 * 3600), b in 0i64..(3000 * 3600)) {
            let t = instant(&case, o, 0);
            let (a, b) = (TimeDelta::seconds(a), TimeDelta::seconds(b));
            let u = case.cal.add(t, a + b).unwrap();
            prop_assert_eq!(case.cal.add(case.cal.add(t, a).unwrap(), b).unwrap(), u);
            prop_assert_eq!(case.cal.elapsed(t, u), a + b);
        }

        #[test]
        fn sub_inverts_add_on_open_instants(case in calendars(), o in -WEEK..WEEK, n in 0u32..3, d in 0i64..(150 * 3600)) {
            let x = case.cal.next_open(instant(&case, o, n)).unwrap();
            prop_assert!(case.cal.is_open(x));
            let d = TimeDelta::seconds(d);
            let later = case.cal.add(x, d).unwrap();
            prop_assert_eq!(case.cal.sub(later, d).unwrap(), x);
            let earlier = case.cal.sub(x, d).unwrap();
            prop_assert_eq!(case.cal.add(earlier, d).unwrap(), x);
            prop_assert_eq!(case.cal.elapsed(earlier, x), d);
        }

        #[test]
        fn elapsed_is_additive(case in calendars(), o in -WEEK..WEEK, a in 0i64..WEEK, b in 0i64..WEEK) {
            let t = instant(&case, o, 2);
            let u = t + TimeDelta::seconds(a);
            let v = u + TimeDelta::seconds(b);
            let cal = &case.cal;
            prop_assert_eq!(cal.elapsed(t, u) + cal.elapsed(u, v), cal.elapsed(t, v));
            prop_assert_eq!(cal.elapsed(v, t), TimeDelta::zero());
        }

        #[test]
        fn is_open_agrees_with_elapsed(case in calendars(), o in -WEEK..WEEK, n in 0u32..3) {
            let t = instant(&case, o, n);
            let tiny = TimeDelta::nanoseconds(1);
            prop_assert_eq!(case.cal.is_open(t), case.cal.elapsed(t, t + tiny) == tiny);
        }

        #[test]
        fn agrees_with_the_reference(case in calendars(), start_min in -(4 * 1440i64)..(4 * 1440), len_min in 0i64..(3 * 1440)) {
            let from = instant(&case, start_min * 60, 0);
            let to = from + TimeDelta::minutes(len_min);
            let reference = Reference::new(case.cal.spec(), from.date_naive(), to.date_naive());
            // Minute by minute, and at every boundary (boundaries are not on
            // whole minutes when the offset has seconds, as local mean time does).
            let (a, b) = (from.timestamp(), to.timestamp());
            let mut points: Vec<i64> = (0..len_min).map(|m| a + m * 60).collect();
            points.extend(reference.open.iter().chain(&reference.closed).flat_map(|&(x, y)| [x, y]));
            points.push(b);
            points.retain(|&p| a <= p && p <= b);
            points.sort_unstable();
            points.dedup();
            let mut open_secs = 0;
            for pair in points.windows(2) {
                // Openness is constant between consecutive boundaries.
                let open = reference.is_open(pair[0]);
                let at = DateTime::from_timestamp(pair[0], 0).unwrap();
                prop_assert_eq!(case.cal.is_open(at), open, "is_open at {}", at);
                open_secs += if open { pair[1] - pair[0] } else { 0 };
            }
            prop_assert_eq!(case.cal.elapsed(from, to), TimeDelta::seconds(open_secs));
        }

        #[test]
        fn serde_round_trip(case in calendars()) {
            let json = serde_json::to_string(&case.cal).unwrap();
            let back: BusinessCalendar = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&back, &case.cal);
            let toml_text = toml::to_string(&case.cal).unwrap();
            let back: BusinessCalendar = toml::from_str(&toml_text).unwrap();
            prop_assert_eq!(&back, &case.cal);
        }

        #[test]
        fn add_days_lands_on_an_open_instant_after_n_business_days(case in calendars(), o in -WEEK..WEEK, n in 1u32..15) {
            let t = instant(&case, o, n);
            let u = case.cal.add_days(t, n).unwrap();
            prop_assert!(case.cal.is_open(u));
            prop_assert!(u > t);
            // The reference: count dates owning open hours, keep the local
            // time of day, then go to the next opening.
            let tz = case.cal.time_zone();
            let local = t.with_timezone(&tz).naive_local();
            let tod = local - local.date().and_time(chrono::NaiveTime::MIN);
            let horizon = local.date() + TimeDelta::days(7 * i64::from(n) + 14);
            let reference = Reference::new(case.cal.spec(), local.date(), horizon);
            let mut day = local.date();
            let mut left = n;
            while left > 0 && day < horizon {
                day += TimeDelta::days(1);
                if reference.is_business_day(day) {
                    left -= 1;
                }
            }
            prop_assert_eq!(left, 0);
            let secs = tod.num_seconds();
            let nanos = tod - TimeDelta::seconds(secs);
            let target = DateTime::from_timestamp(reference_utc(tz, day, secs), 0).unwrap() + nanos;
            prop_assert_eq!(u, case.cal.next_open(target).unwrap());
        }
    }
}

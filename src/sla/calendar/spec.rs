//! The calendar as written: parsing, validation and the serde shape.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::CalendarConfigError;

/// Seconds in a civil day (`24:00`).
const DAY: u32 = 86_400;

/// Weekday keys, Monday first.
pub(super) const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A local time span `[start, end)` in seconds after midnight. `end` is in
/// `1..=86_400`; `end < start` means the span runs past midnight into the
/// next day. `end == start` is rejected at parse time.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Span {
    pub(super) start: u32,
    pub(super) end: u32,
}

impl Span {
    /// The whole day, `00:00-24:00`.
    pub(super) const WHOLE_DAY: Span = Span { start: 0, end: DAY };

    /// Start and end in seconds relative to the midnight starting the day;
    /// the end may exceed one day for an overnight span.
    pub(super) fn bounds(self) -> (i64, i64) {
        let end = if self.end > self.start {
            self.end
        } else {
            self.end + DAY
        };
        (i64::from(self.start), i64::from(end))
    }

    /// Parses `HH:MM-HH:MM` (seconds optional: `HH:MM:SS`). `field` names the
    /// value in error messages (it is only called for those).
    pub(super) fn parse(
        field: &dyn Fn() -> String,
        text: &str,
    ) -> Result<Span, CalendarConfigError> {
        let invalid = || CalendarConfigError::InvalidInterval {
            field: field(),
            value: text.to_owned(),
        };
        let (a, b) = text.split_once('-').ok_or_else(invalid)?;
        let start = parse_time(field, a.trim())?;
        let end = parse_time(field, b.trim())?;
        if start == DAY {
            return Err(CalendarConfigError::MidnightStart {
                field: field(),
                value: text.to_owned(),
            });
        }
        if start == end || (end == 0 && start == 0) {
            return Err(CalendarConfigError::EmptyInterval {
                field: field(),
                value: text.to_owned(),
            });
        }
        // `00:00` as an end means midnight of the next day, like `24:00`.
        let end = if end == 0 { DAY } else { end };
        Ok(Span { start, end })
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_time(f, self.start)?;
        f.write_str("-")?;
        write_time(f, self.end)
    }
}

fn write_time(f: &mut fmt::Formatter<'_>, secs: u32) -> fmt::Result {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if s == 0 {
        write!(f, "{h:02}:{m:02}")
    } else {
        write!(f, "{h:02}:{m:02}:{s:02}")
    }
}

/// `HH:MM` or `HH:MM:SS`, from `00:00` to `24:00`.
fn parse_time(field: &dyn Fn() -> String, text: &str) -> Result<u32, CalendarConfigError> {
    let invalid = || CalendarConfigError::InvalidTime {
        field: field(),
        value: text.to_owned(),
    };
    let mut parts = text.split(':');
    let mut next = |required: bool| -> Result<Option<u32>, CalendarConfigError> {
        match parts.next() {
            Some(p) if p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse().map(Some).map_err(|_| invalid())
            }
            None if !required => Ok(None),
            _ => Err(invalid()),
        }
    };
    let h = next(true)?.ok_or_else(invalid)?;
    let m = next(true)?.ok_or_else(invalid)?;
    let s = next(false)?.unwrap_or(0);
    if next(false)?.is_some() || h > 24 || m > 59 || s > 59 || (h == 24 && (m, s) != (0, 0)) {
        return Err(invalid());
    }
    Ok(h * 3600 + m * 60 + s)
}

/// `YYYY-MM-DD`.
pub(super) fn parse_date(field: &str, text: &str) -> Result<NaiveDate, CalendarConfigError> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    shaped
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| CalendarConfigError::InvalidDate {
            field: field.to_owned(),
            value: text.to_owned(),
        })
}

pub(super) fn parse_spans(field: &str, texts: &[String]) -> Result<Vec<Span>, CalendarConfigError> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| Span::parse(&|| format!("{field}[{i}]"), t))
        .collect()
}

/// The validated calendar as written by its author.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Spec {
    pub(super) tz: Tz,
    /// Weekly hours, Monday first, in the order given.
    pub(super) weekly: [Vec<Span>; 7],
    pub(super) holidays: BTreeSet<NaiveDate>,
    pub(super) breaks: BTreeMap<NaiveDate, Vec<Span>>,
    pub(super) shifts: BTreeMap<NaiveDate, Vec<Span>>,
}

impl Spec {
    pub(super) fn always(tz: Tz) -> Spec {
        Spec {
            tz,
            weekly: std::array::from_fn(|_| vec![Span::WHOLE_DAY]),
            holidays: BTreeSet::new(),
            breaks: BTreeMap::new(),
            shifts: BTreeMap::new(),
        }
    }

    /// Checks the rules that involve more than one field.
    pub(super) fn validate(&self) -> Result<(), CalendarConfigError> {
        if let Some(date) = self.shifts.keys().find(|d| self.holidays.contains(d)) {
            return Err(CalendarConfigError::ShiftOnHoliday { date: *date });
        }
        let weekly_open = self.weekly.iter().any(|d| !d.is_empty());
        let shift_open = self.shifts.values().any(|s| !s.is_empty());
        if !weekly_open && !shift_open {
            return Err(CalendarConfigError::NeverOpen);
        }
        Ok(())
    }

    /// The last date the calendar opens on, when it closes for good after
    /// it: no weekly hours, only dated shifts (weekly hours open every
    /// week, and holidays and breaks are finitely many). `None` for a
    /// calendar that keeps opening.
    pub(super) fn last_open_date(&self) -> Option<NaiveDate> {
        if self.weekly.iter().any(|d| !d.is_empty()) {
            return None;
        }
        self.shifts
            .iter()
            .rev()
            .find(|(_, spans)| !spans.is_empty())
            .map(|(date, _)| *date)
    }

    /// The shortest closing inside a working day of the weekly hours (a
    /// closed stretch between two open stretches of one local date, such as
    /// a lunch break or a split shift; not the closing overnight or over a
    /// weekend, which every business-hours target is written to span), in
    /// local seconds, with the weekday (Monday 0) and local time it starts
    /// at; `None` when there is none. Dated exceptions (holidays, breaks,
    /// shifts) and DST are left out: they are one-offs, and the weekly
    /// pattern is what targets are written against.
    pub(super) fn shortest_weekly_gap(&self) -> Option<(i64, usize, i64)> {
        let day = i64::from(DAY);
        let mut open: Vec<(i64, i64)> = Vec::new();
        for week in 0..3 {
            for (d, spans) in self.weekly.iter().enumerate() {
                let base = (week * 7 + i64::try_from(d).unwrap_or(0)) * day;
                open.extend(spans.iter().map(|span| {
                    let (s, e) = span.bounds();
                    (base + s, base + e)
                }));
            }
        }
        open.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::new();
        for (s, e) in open {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        // Gaps that begin in the middle week see whole stretches on both
        // sides, however the weekly hours wrap around the week.
        merged
            .windows(2)
            .map(|w| (w[1].0 - w[0].1, w[0].1))
            .filter(|(len, from)| {
                (7 * day..14 * day).contains(from)
                    && from % day != 0
                    && from / day == (from + len) / day
            })
            .min_by_key(|(len, from)| (*len, *from))
            .map(|(len, from)| {
                let local = from - 7 * day;
                let weekday = usize::try_from(local / day).unwrap_or(0) % 7;
                (len, weekday, local % day)
            })
    }

    fn is_always(&self) -> bool {
        self.weekly.iter().all(|d| d == &[Span::WHOLE_DAY])
    }
}

pub(super) fn weekday_index(day: Weekday) -> usize {
    day.num_days_from_monday() as usize
}

/// The serde shape: `{"time_zone", "hours", "holidays", "breaks", "shifts"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Repr {
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    hours: Option<HoursRepr>,
    #[serde(default)]
    holidays: Vec<String>,
    #[serde(default)]
    breaks: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    shifts: BTreeMap<String, Vec<String>>,
}

/// `"always"` or a table of weekday keys in the order written.
pub(super) enum HoursRepr {
    Keyword(String),
    Days(Vec<(String, Vec<String>)>),
}

impl<'de> Deserialize<'de> for HoursRepr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HoursRepr;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "\"always\" or a table of weekdays (mon..sun) to lists of \"HH:MM-HH:MM\"",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<HoursRepr, E> {
                Ok(HoursRepr::Keyword(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HoursRepr, A::Error> {
                let mut days = Vec::new();
                while let Some(entry) = map.next_entry::<String, Vec<String>>()? {
                    days.push(entry);
                }
                Ok(HoursRepr::Days(days))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl TryFrom<Repr> for Spec {
    type Error = CalendarConfigError;

    fn try_from(repr: Repr) -> Result<Spec, CalendarConfigError> {
        let tz = match repr.time_zone {
            None => Tz::UTC,
            Some(name) => name
                .parse::<Tz>()
                .map_err(|_| CalendarConfigError::UnknownTimeZone { value: name })?,
        };
        let mut weekly: [Vec<Span>; 7] = Default::default();
        match repr.hours {
            None => {}
            Some(HoursRepr::Keyword(k)) if k == "always" => weekly = Spec::always(tz).weekly,
            Some(HoursRepr::Keyword(k)) => {
                return Err(CalendarConfigError::UnknownHoursKeyword { value: k });
            }
            Some(HoursRepr::Days(days)) => {
                let mut seen = [false; 7];
                for (key, spans) in days {
                    let Some(i) = DAY_KEYS.iter().position(|k| *k == key) else {
                        return Err(CalendarConfigError::UnknownDay { value: key });
                    };
                    if seen[i] {
                        return Err(CalendarConfigError::DuplicateDay { value: key });
                    }
                    seen[i] = true;
                    weekly[i] = parse_spans(&format!("hours.{key}"), &spans)?;
                }
            }
        }
        let holidays = repr
            .holidays
            .iter()
            .enumerate()
            .map(|(i, d)| parse_date(&format!("holidays[{i}]"), d))
            .collect::<Result<_, _>>()?;
        let dated = |name: &str, map: BTreeMap<String, Vec<String>>| {
            map.into_iter()
                .map(|(date, spans)| {
                    let field = format!("{name}.{date}");
                    Ok((parse_date(&field, &date)?, parse_spans(&field, &spans)?))
                })
                .collect::<Result<BTreeMap<_, _>, CalendarConfigError>>()
        };
        let spec = Spec {
            tz,
            weekly,
            holidays,
            breaks: dated("breaks", repr.breaks)?,
            shifts: dated("shifts", repr.shifts)?,
        };
        spec.validate()?;
        Ok(spec)
    }
}

struct Spans<'a>(&'a [Span]);

impl Serialize for Spans<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(ToString::to_string))
    }
}

struct Weekly<'a>(&'a Spec);

impl Serialize for Weekly<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_always() {
            return s.serialize_str("always");
        }
        let days = self
            .0
            .weekly
            .iter()
            .zip(DAY_KEYS)
            .filter(|(d, _)| !d.is_empty());
        let mut map = s.serialize_map(None)?;
        for (spans, key) in days {
            map.serialize_entry(key, &Spans(spans))?;
        }
        map.end()
    }
}

struct Dated<'a>(&'a BTreeMap<NaiveDate, Vec<Span>>);

impl Serialize for Dated<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(
            self.0
                .iter()
                .map(|(d, spans)| (d.format("%Y-%m-%d").to_string(), Spans(spans))),
        )
    }
}

impl Serialize for Spec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("time_zone", self.tz.name())?;
        map.serialize_entry("hours", &Weekly(self))?;
        if !self.holidays.is_empty() {
            let days: Vec<String> = self
                .holidays
                .iter()
                .map(|d| d.format("%Y-%m-%d").to_string())
                .collect();
            map.serialize_entry("holidays", &days)?;
        }
        if !self.breaks.is_empty() {
            map.serialize_entry("breaks", &Dated(&self.breaks))?;
        }
        if !self.shifts.is_empty() {
            map.serialize_entry("shifts", &Dated(&self.shifts))?;
        }
        map.end()
    }
}

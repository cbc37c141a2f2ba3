//! The `calendar` target: the laws of business-time arithmetic.

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::de::IgnoredAny;

use super::steer::{Steer, base, document, draw, runner};
use super::{Depth, Finding, Target};
use crate::sla::{BusinessCalendar, CalendarError};
use crate::testing::calendars;

/// How many rounds of instants and durations one input checks at most.
const ROUNDS: usize = 4;

fn finding(law: &str, detail: impl Into<String>) -> Finding {
    Finding::new(Target::Calendar, law, detail)
}

/// The `calendar` target: a business calendar, then instants and durations
/// on which its arithmetic is checked against the laws its docs state
/// ([`BusinessCalendar`]'s "Business time").
///
/// The calendar is the JSON document the input starts with (the shape of a
/// policy file's calendars); for an input that does not start with a JSON
/// object, its first byte picks one of 256 calendars of the testing kit's
/// [`calendars`](crate::testing::calendars) strategy (so that a fuzzer
/// spends its time on the arithmetic: building a calendar costs more than
/// all the laws). The target keeps the last 256 calendars it built, by
/// their bytes; a calendar is checked to round-trip through JSON when it is
/// built. The bytes after the
/// calendar steer up to four rounds of three instants `t <= u <= v` (near
/// clock changes, anywhere in chrono's range, at its extremes, in leap
/// seconds), two durations `d`, `e` (up to `TimeDelta::MAX`) and a number
/// of business days `n`.
///
/// The laws, for each round: no method panics, and an error's message is
/// not empty; `is_open(t)` exactly when `next_open(t) == t`, and
/// `next_open(t)` is open, not before `t`, and equals `add(t, 0)` and
/// `add_days(t, 0)`; `add(t, d)` is open, not before `t`, and
/// `elapsed(t, add(t, d)) == d`; for an open `t`, `sub(add(t, d), d) ==
/// t`; `add` is monotone in `t` and in `d` (and where the later answer
/// exists, the earlier one does); `add(add(t, d), e) == add(t, d + e)`,
/// both or neither existing; `sub(u, d)` is not after `u`, is open for
/// `d > 0`, has `elapsed(sub(u, d), u) == d`, and for an open `u`,
/// `add(sub(u, d), d) == u`; negative durations mirror (for `d > 0`,
/// `add(t, -d) == sub(t, d)` and `sub(t, -d) == add(t, d)`); `elapsed(t, u) + elapsed(u, v)
/// == elapsed(t, v)`, `elapsed(t, u) <= u - t`, `elapsed(u, t) == 0` for
/// `t < u`; `add_days(t, n)` is open and not before `t`, and monotone in
/// `n`; a JSON round trip gives an equal calendar. A leap second counts as
/// the last nanosecond of its second, as the calendar documents.
///
/// # Errors
/// The [`Finding`] of the first law broken.
///
/// # Example
/// ```
/// use escalate::testing::fuzz::{calendar, Depth};
/// let weekdays = br#"{"time_zone": "America/New_York", "hours": {"mon": ["09:00-17:00"],
///   "tue": ["09:00-17:00"], "wed": ["22:00-06:00"]}, "holidays": ["2021-03-15"]}"#;
/// assert_eq!(calendar(weekdays)?, Depth::Exercised);
/// assert_eq!(calendar(br#"{"hours": {"mon": ["09:00-25:00"]}}"#)?, Depth::Rejected);
/// // Bytes that are not JSON make a calendar, and steer the instants.
/// assert_eq!(calendar(&[9; 80])?, Depth::Exercised);
/// # Ok::<(), escalate::testing::fuzz::Finding>(())
/// ```
pub fn calendar(data: &[u8]) -> Result<Depth, Finding> {
    // The calendar's bytes: the JSON document, or the first bytes.
    let (head, rest) = match document::<IgnoredAny>(data) {
        Some((Ok(_), rest)) => (&data[..data.len() - rest.len()], rest),
        Some((Err(_), _)) => (data, &[][..]),
        None => data.split_at(data.len().min(1)),
    };
    let Some(calendar) = cached(head)? else {
        return Ok(Depth::Rejected);
    };
    let mut steer = Steer::new(rest);
    let mut answered = false;
    for round in 0..ROUNDS {
        if round > 0 && steer.is_empty() {
            break;
        }
        let t = steer.instant(base());
        let mut instants = [t, steer.instant(t), steer.instant(t)];
        instants.sort_unstable();
        let (d, e) = (steer.duration(), steer.duration());
        let n = match steer.byte() {
            b @ 0..=239 => u32::from(b % 12),
            b @ 240..=254 => u32::from(b) * 977,
            _ => steer.u32(),
        };
        answered |= laws(&calendar, instants, d, e, n)?;
    }
    Ok(if answered {
        Depth::Exercised
    } else {
        Depth::Parsed
    })
}

thread_local! {
    /// The calendars built lately, by the bytes they were built from: a
    /// fuzzer mutates the bytes after a calendar as often as the calendar,
    /// and building one costs far more than the laws (its tables).
    static CACHE: RefCell<HashMap<Vec<u8>, Option<BusinessCalendar>>> =
        RefCell::new(HashMap::new());
}

/// The most calendars [`CACHE`] keeps.
const CACHED: usize = 256;

/// The calendar of `head` (a JSON document, or a byte for the strategy),
/// `None` for a document that is not a calendar; built, and checked to
/// round-trip through JSON, the first time these bytes are seen.
fn cached(head: &[u8]) -> Result<Option<BusinessCalendar>, Finding> {
    if let Some(hit) = CACHE.with(|c| c.borrow().get(head).cloned()) {
        return Ok(hit);
    }
    let calendar = match document::<BusinessCalendar>(head) {
        Some((Ok(calendar), _)) => Some(calendar),
        Some((Err(error), _)) => {
            if error.to_string().trim().is_empty() {
                return Err(finding("a refusal says what is wrong", "an empty message"));
            }
            None
        }
        None => draw(&calendars(), &mut runner(head)),
    };
    if let Some(calendar) = &calendar {
        round_trip(calendar)?;
    }
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHED {
            c.clear();
        }
        c.insert(head.to_vec(), calendar.clone());
    });
    Ok(calendar)
}

fn round_trip(calendar: &BusinessCalendar) -> Result<(), Finding> {
    let json = serde_json::to_string(calendar)
        .map_err(|e| finding("a calendar writes to json", e.to_string()))?;
    match serde_json::from_str::<BusinessCalendar>(&json) {
        Ok(again) if again == *calendar => Ok(()),
        Ok(_) => Err(finding(
            "json round trip",
            format!("written and read back, the calendar differs: {json}"),
        )),
        Err(e) => Err(finding(
            "json round trip",
            format!("written, then refused: {e}: {json}"),
        )),
    }
}

/// An instant in nanoseconds since 1970, a leap second counting as the
/// last nanosecond of its second.
fn ns(t: DateTime<Utc>) -> i128 {
    i128::from(t.timestamp()) * 1_000_000_000
        + i128::from(t.timestamp_subsec_nanos().min(999_999_999))
}

/// A duration in nanoseconds.
fn dns(d: TimeDelta) -> i128 {
    i128::from(d.num_seconds()) * 1_000_000_000 + i128::from(d.subsec_nanos())
}

/// Two answers equal, leap seconds counted as the calendar counts them.
fn same(
    a: &Result<DateTime<Utc>, CalendarError>,
    b: &Result<DateTime<Utc>, CalendarError>,
) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => ns(*x) == ns(*y),
        (Err(x), Err(y)) => x == y,
        _ => false,
    }
}

/// Reads an answer's message (it must not be empty) and turns the answer
/// into an option.
fn answer(
    r: &Result<DateTime<Utc>, CalendarError>,
    what: &str,
) -> Result<Option<DateTime<Utc>>, Finding> {
    match r {
        Ok(x) => Ok(Some(*x)),
        Err(error) if error.to_string().trim().is_empty() => Err(finding(
            "an error says what is wrong",
            format!("{what}: {error:?}"),
        )),
        Err(_) => Ok(None),
    }
}

/// The laws for instants `t <= u <= v`, durations `d` and `e` (zero or
/// more) and `n` business days; whether `add(t, d)` had an answer.
#[allow(clippy::too_many_lines)] // the laws, one after the other, as the docs list them
#[allow(clippy::similar_names, clippy::many_single_char_names)] // t, u, v, d, e, n are the docs' names
fn laws(
    c: &BusinessCalendar,
    [t, u, v]: [DateTime<Utc>; 3],
    d: TimeDelta,
    e: TimeDelta,
    n: u32,
) -> Result<bool, Finding> {
    let show = |what: &str| {
        format!("{what}; t = {t:?}, u = {u:?}, v = {v:?}, d = {d:?}, e = {e:?}, n = {n}")
    };

    // Opening.
    let next = c.next_open(t);
    if c.is_open(t) != same(&next, &Ok(t)) {
        return Err(finding(
            "open exactly when next_open is the instant itself",
            show(&format!(
                "is_open(t) = {}, next_open(t) = {next:?}",
                c.is_open(t)
            )),
        ));
    }
    if let Some(x) = answer(&next, "next_open(t)")?
        && (ns(x) < ns(t) || !c.is_open(x))
    {
        return Err(finding(
            "next_open is open and not before the instant",
            show(&format!("next_open(t) = {x:?}")),
        ));
    }
    for (name, other) in [
        ("add(t, 0)", c.add(t, TimeDelta::zero())),
        ("add_days(t, 0)", c.add_days(t, 0)),
    ] {
        if !same(&other, &next) {
            return Err(finding(
                "add(t, 0) and add_days(t, 0) are next_open(t)",
                show(&format!("{name} = {other:?}, next_open(t) = {next:?}")),
            ));
        }
    }

    // Adding.
    let add_td = c.add(t, d);
    let x = answer(&add_td, "add(t, d)")?;
    if let Some(x) = x {
        if ns(x) < ns(t) || !c.is_open(x) {
            return Err(finding(
                "add is open and not before the instant",
                show(&format!("add(t, d) = {x:?}, open: {}", c.is_open(x))),
            ));
        }
        let elapsed = c.elapsed(t, x);
        if dns(elapsed) != dns(d) {
            return Err(finding(
                "elapsed(t, add(t, d)) == d",
                show(&format!("add(t, d) = {x:?}, elapsed {elapsed:?}")),
            ));
        }
        if c.is_open(t) {
            let back = c.sub(x, d);
            if !same(&back, &Ok(t)) {
                return Err(finding(
                    "sub(add(t, d), d) == t for an open t",
                    show(&format!("add(t, d) = {x:?}, sub of it = {back:?}")),
                ));
            }
        }
    }
    // Monotone: where the later answer exists, the earlier one does, and
    // is not after it.
    let add_ud = c.add(u, d);
    let add_te = c.add(t, e);
    answer(&add_ud, "add(u, d)")?;
    answer(&add_te, "add(t, e)")?;
    let (early, late) = if d <= e {
        (&add_td, &add_te)
    } else {
        (&add_te, &add_td)
    };
    for (law, early, late) in [
        ("add is monotone in the instant", &add_td, &add_ud),
        ("add is monotone in the duration", early, late),
    ] {
        if let Ok(late) = late
            && !early.as_ref().is_ok_and(|early| ns(*early) <= ns(*late))
        {
            return Err(finding(
                law,
                show(&format!(
                    "add(t, d) = {add_td:?}, add(u, d) = {add_ud:?}, add(t, e) = {add_te:?}"
                )),
            ));
        }
    }
    if let Some(sum) = d.checked_add(&e) {
        let whole = c.add(t, sum);
        let steps = add_td.clone().and_then(|x| c.add(x, e));
        answer(&whole, "add(t, d + e)")?;
        answer(&steps, "add(add(t, d), e)")?;
        if !(same(&whole, &steps) || (whole.is_err() && steps.is_err())) {
            return Err(finding(
                "add(add(t, d), e) == add(t, d + e)",
                show(&format!(
                    "add(add(t, d), e) = {steps:?}, add(t, d + e) = {whole:?}"
                )),
            ));
        }
    }

    // Subtracting.
    let sub_ud = c.sub(u, d);
    if let Some(w) = answer(&sub_ud, "sub(u, d)")? {
        let elapsed = c.elapsed(w, u);
        if ns(w) > ns(u) || dns(elapsed) != dns(d) || (d > TimeDelta::zero() && !c.is_open(w)) {
            return Err(finding(
                "sub(u, d) is open, not after u, and d of business time before it",
                show(&format!(
                    "sub(u, d) = {w:?}, open: {}, elapsed to u {elapsed:?}",
                    c.is_open(w)
                )),
            ));
        }
        if c.is_open(u) {
            let again = c.add(w, d);
            if !same(&again, &Ok(u)) {
                return Err(finding(
                    "add(sub(u, d), d) == u for an open u",
                    show(&format!("sub(u, d) = {w:?}, add of it = {again:?}")),
                ));
            }
        }
    }
    if let Some(minus) = TimeDelta::zero()
        .checked_sub(&d)
        .filter(|_| d > TimeDelta::zero())
    {
        let pairs = [
            ("add(t, -d)", c.add(t, minus), "sub(t, d)", c.sub(t, d)),
            ("sub(t, -d)", c.sub(t, minus), "add(t, d)", add_td.clone()),
        ];
        for (a_name, a, b_name, b) in pairs {
            answer(&a, a_name)?;
            answer(&b, b_name)?;
            if !same(&a, &b) {
                return Err(finding(
                    "negative durations mirror",
                    show(&format!("{a_name} = {a:?}, {b_name} = {b:?}")),
                ));
            }
        }
    }

    // Elapsed.
    let (tu, uv, tv) = (c.elapsed(t, u), c.elapsed(u, v), c.elapsed(t, v));
    if dns(tu) + dns(uv) != dns(tv) {
        return Err(finding(
            "elapsed(t, u) + elapsed(u, v) == elapsed(t, v)",
            show(&format!("{tu:?} + {uv:?} against {tv:?}")),
        ));
    }
    if dns(tu) > ns(u) - ns(t) || dns(tu) < 0 {
        return Err(finding(
            "elapsed(t, u) is between zero and u - t",
            show(&format!("elapsed(t, u) = {tu:?}")),
        ));
    }
    if ns(t) < ns(u) && c.elapsed(u, t) != TimeDelta::zero() {
        return Err(finding(
            "elapsed backwards is zero",
            show(&format!("elapsed(u, t) = {:?}", c.elapsed(u, t))),
        ));
    }

    // Business days.
    let days = c.add_days(t, n);
    if let Some(y) = answer(&days, "add_days(t, n)")?
        && (ns(y) < ns(t) || !c.is_open(y))
    {
        return Err(finding(
            "add_days is open and not before the instant",
            show(&format!("add_days(t, n) = {y:?}, open: {}", c.is_open(y))),
        ));
    }
    if let Some(m) = n.checked_add(1) {
        let more = c.add_days(t, m);
        if let Some(z) = answer(&more, "add_days(t, n + 1)")?
            && !days.as_ref().is_ok_and(|y| ns(*y) <= ns(z))
        {
            return Err(finding(
                "add_days is monotone in the days",
                show(&format!(
                    "add_days(t, n) = {days:?}, add_days(t, n + 1) = {z:?}"
                )),
            ));
        }
    }
    Ok(x.is_some())
}

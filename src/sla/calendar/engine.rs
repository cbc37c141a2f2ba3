//! Business time as arithmetic on a cumulative function.
//!
//! Time is cut into *slots*, one per local date: slot `D` is the UTC span
//! from local midnight starting `D` to the one starting `D + 1` (both read
//! with the DST rules of [`Zone::to_utc`]). A slot holds the open UTC
//! intervals that fall inside it, whichever date they belong to.
//!
//! `cum(t)` is the business time from an arbitrary origin to `t`. It is the
//! open seconds of all slots before `t`'s slot plus the open time inside
//! that slot before `t`. The per-slot sum is arithmetic: a *regular* slot
//! (no exception nearby, no offset change nearby) holds the weekly pattern
//! shifted by a constant offset, so its open seconds depend on the weekday
//! only; whole weeks are counted by multiplication. The few *special* slots
//! (near holidays, breaks, shifts and DST transitions) are computed once at
//! construction and stored with running totals of how much they differ from
//! the regular pattern. Every query is then a few binary searches.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};

use super::spec::{Span, Spec};
use super::zone::{DAY, Index, Zone};

/// Nanoseconds per second.
pub(super) const NANOS: i128 = 1_000_000_000;

/// Days from 0001-01-01 (day 1 of the common era) to 1970-01-01.
const EPOCH_CE: i64 = 719_163;

/// Day number (days since 1970-01-01) of a date.
pub(super) fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - EPOCH_CE
}

/// Weekday index (Monday 0) of a day number; 1970-01-01 was a Thursday.
fn weekday(day: i64) -> usize {
    // rem_euclid(7) is in 0..7.
    usize::try_from((day + 3).rem_euclid(7)).unwrap_or(0)
}

/// Day numbers beyond chrono's date range (about ±262 000 years); queries
/// that would go past them stop with an error.
pub(super) const DAY_LIMIT: i64 = 100_000_000;

/// The measures kept per slot.
#[derive(Clone, Copy)]
pub(super) enum Measure {
    /// Open seconds in the slot.
    Seconds,
    /// 1 when the date is a business day (it owns open hours), else 0.
    BusinessDays,
}

/// A slot computed at construction.
#[derive(Debug)]
struct Special {
    day: i64,
    /// UTC seconds of the slot's bounds.
    start: i64,
    end: i64,
    /// Range in `Engine::intervals`.
    lo: u32,
    hi: u32,
    /// Open seconds and business-day flag of this slot.
    value: [i64; 2],
    /// Cumulative measures at the start of this slot.
    at_start: [i64; 2],
    /// Sum over specials up to and including this one of (value - regular value).
    delta_through: [i64; 2],
}

/// Where a UTC instant falls.
#[derive(Clone, Copy)]
pub(super) struct Slot<'a> {
    pub(super) day: i64,
    /// How many special slots come before this one.
    before: usize,
    /// Absolute UTC second the relative intervals are shifted by.
    base: i64,
    /// Open intervals, relative to `base`.
    intervals: &'a [(i64, i64)],
}

impl Slot<'_> {
    fn iter(&self) -> impl Iterator<Item = (i128, i128)> + '_ {
        let base = i128::from(self.base);
        self.intervals.iter().map(move |&(a, b)| {
            (
                (base + i128::from(a)) * NANOS,
                (base + i128::from(b)) * NANOS,
            )
        })
    }
}

/// The arithmetic form of a calendar.
#[derive(Debug)]
pub(super) struct Engine {
    zone: Arc<Zone>,
    /// Regular slot contents per weekday, relative to local midnight.
    regular: [Vec<(i64, i64)>; 7],
    /// Regular measures per weekday, and their prefix sums over a week.
    per_day: [[i64; 7]; 2],
    week_prefix: [[i64; 8]; 2],
    specials: Vec<Special>,
    /// `specials[i].day`, indexed for fast searches.
    special_days: Index,
    /// Cumulative measures at the end of each special slot, per measure.
    special_ends: [Vec<i64>; 2],
    intervals: Vec<(i64, i64)>,
}

/// Why an inverse lookup found no day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Exhausted {
    /// The measure never reaches the target (it stops growing).
    Above,
    /// The measure is already at or above the target everywhere.
    Below,
    /// The answer is beyond chrono's dates.
    Range,
}

fn merge(v: &mut Vec<(i64, i64)>) {
    v.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(v.len());
    for &(a, b) in v.iter() {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    *v = out;
}

/// `open` minus `closed`, both sorted and merged.
fn subtract(open: &[(i64, i64)], closed: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out = Vec::with_capacity(open.len());
    for &(a, b) in open {
        let mut a = a;
        for &(c, d) in closed {
            if d <= a || c >= b {
                continue;
            }
            if c > a {
                out.push((a, c));
            }
            a = a.max(d);
        }
        if a < b {
            out.push((a, b));
        }
    }
    out
}

fn total(v: &[(i64, i64)]) -> i64 {
    v.iter().map(|(a, b)| b - a).sum()
}

/// Hours and breaks per date, as the slot computation sees them.
struct Rules<'a> {
    spec: &'a Spec,
    /// Use only the weekly hours (for the regular pattern).
    weekly_only: bool,
}

impl Rules<'_> {
    fn date(day: i64) -> Option<NaiveDate> {
        let ce = i32::try_from(day + EPOCH_CE).ok()?;
        NaiveDate::from_num_days_from_ce_opt(ce)
    }

    fn hours(&self, day: i64) -> &[Span] {
        let weekly = &self.spec.weekly[weekday(day)];
        if self.weekly_only {
            return weekly;
        }
        match Self::date(day) {
            Some(d) if self.spec.holidays.contains(&d) => &[],
            Some(d) => self.spec.shifts.get(&d).map_or(weekly, Vec::as_slice),
            None => weekly,
        }
    }

    fn breaks(&self, day: i64) -> &[Span] {
        if self.weekly_only {
            return &[];
        }
        Self::date(day)
            .and_then(|d| self.spec.breaks.get(&d))
            .map_or(&[], Vec::as_slice)
    }
}

/// UTC intervals of spans belonging to `day`.
fn to_utc(zone: &Zone, day: i64, spans: &[Span], out: &mut Vec<(i64, i64)>) {
    for span in spans {
        let (a, b) = span.bounds();
        let (ua, ub) = (zone.to_utc(day * DAY + a), zone.to_utc(day * DAY + b));
        if ub > ua {
            out.push((ua, ub));
        }
    }
}

/// The content of slot `day`: start, end, open intervals (absolute UTC
/// seconds) and whether `day` owns open hours.
fn compute_slot(zone: &Zone, rules: &Rules<'_>, day: i64) -> (i64, i64, Vec<(i64, i64)>, bool) {
    let start = zone.to_utc(day * DAY);
    let end = zone.to_utc((day + 1) * DAY).max(start);
    let mut open = Vec::new();
    let mut closed = Vec::new();
    // Two days back: when a DST gap swallows a whole date (Samoa skipped
    // 2011-12-30), a shift from the day before it continues in the slot after.
    for d in day - 2..=day + 1 {
        to_utc(zone, d, rules.hours(d), &mut open);
        to_utc(zone, d, rules.breaks(d), &mut closed);
    }
    merge(&mut open);
    merge(&mut closed);
    let mut inside: Vec<(i64, i64)> = subtract(&open, &closed)
        .into_iter()
        .filter_map(|(a, b)| {
            let (a, b) = (a.max(start), b.min(end));
            (a < b).then_some((a, b))
        })
        .collect();
    merge(&mut inside);
    let mut own = Vec::new();
    to_utc(zone, day, rules.hours(day), &mut own);
    merge(&mut own);
    let owns_hours = !subtract(&own, &closed).is_empty();
    (start, end, inside, owns_hours)
}

impl Engine {
    pub(super) fn new(spec: &Spec) -> Engine {
        let zone = Zone::of(spec.tz);
        let utc = Zone::fixed_utc();
        let weekly = Rules {
            spec,
            weekly_only: true,
        };
        let mut regular: [Vec<(i64, i64)>; 7] = Default::default();
        let mut per_day = [[0; 7]; 2];
        for (w, slot) in regular.iter_mut().enumerate() {
            // Day -3 (1969-12-29) is a Monday.
            let day = i64::try_from(w).unwrap_or(0) - 3;
            let (start, _, iv, owns) = compute_slot(&utc, &weekly, day);
            *slot = iv.iter().map(|&(a, b)| (a - start, b - start)).collect();
            per_day[0][w] = total(&iv);
            per_day[1][w] = i64::from(owns);
        }
        let mut week_prefix = [[0; 8]; 2];
        for m in 0..2 {
            for w in 0..7 {
                week_prefix[m][w + 1] = week_prefix[m][w] + per_day[m][w];
            }
        }
        let mut engine = Engine {
            zone,
            regular,
            per_day,
            week_prefix,
            specials: Vec::new(),
            special_days: Index::new(Vec::new(), 0, 0),
            special_ends: [Vec::new(), Vec::new()],
            intervals: Vec::new(),
        };
        engine.compute_specials(spec);
        engine
    }

    fn compute_specials(&mut self, spec: &Spec) {
        let mut days: Vec<i64> = Vec::new();
        let dates = spec
            .holidays
            .iter()
            .chain(spec.breaks.keys())
            .chain(spec.shifts.keys());
        for date in dates {
            let d = day_number(*date);
            days.extend(d - 1..=d + 1);
        }
        for t in self.zone.transitions() {
            let lo = (t.at + i64::from(t.before.min(t.after))).div_euclid(DAY);
            let hi = (t.at + i64::from(t.before.max(t.after))).div_euclid(DAY);
            days.extend(lo - 1..=hi + 1);
        }
        days.sort_unstable();
        days.dedup();
        let rules = Rules {
            spec,
            weekly_only: false,
        };
        let mut delta = [0i64; 2];
        for day in days {
            let (start, end, iv, owns) = compute_slot(&self.zone, &rules, day);
            let w = weekday(day);
            let value = [total(&iv), i64::from(owns)];
            if self.is_regular(day, start, end, &iv, value) {
                continue;
            }
            let lo = u32::try_from(self.intervals.len()).unwrap_or(u32::MAX);
            self.intervals.extend_from_slice(&iv);
            let hi = u32::try_from(self.intervals.len()).unwrap_or(u32::MAX);
            for m in 0..2 {
                delta[m] += value[m] - self.per_day[m][w];
            }
            self.specials.push(Special {
                day,
                start,
                end,
                lo,
                hi,
                value,
                at_start: [0; 2],
                delta_through: delta,
            });
        }
        let (first, last) = (
            self.specials.first().map_or(0, |s| s.day),
            self.specials.last().map_or(0, |s| s.day),
        );
        self.special_days = Index::new(self.specials.iter().map(|s| s.day).collect(), first, last);
        for i in 0..self.specials.len() {
            let day = self.specials[i].day;
            let at_start = [
                self.prefix_i64(Measure::Seconds, day),
                self.prefix_i64(Measure::BusinessDays, day),
            ];
            self.specials[i].at_start = at_start;
        }
        for m in 0..2 {
            self.special_ends[m] = self
                .specials
                .iter()
                .map(|s| s.at_start[m] + s.value[m])
                .collect();
        }
    }

    /// Whether a computed slot equals the regular pattern under a constant
    /// offset, so that it need not be stored.
    fn is_regular(
        &self,
        day: i64,
        start: i64,
        end: i64,
        iv: &[(i64, i64)],
        value: [i64; 2],
    ) -> bool {
        let off = i64::from(self.zone.offset_at(start));
        let w = weekday(day);
        start == day * DAY - off
            && end == start + DAY
            && i64::from(self.zone.offset_at(end - 1)) == off
            && value == [self.per_day[0][w], self.per_day[1][w]]
            && iv.len() == self.regular[w].len()
            && iv
                .iter()
                .zip(&self.regular[w])
                .all(|(&(a, b), &(c, d))| a - start == c && b - start == d)
    }

    fn regular_prefix(&self, m: Measure, day: i64) -> i128 {
        let m = m as usize;
        // Days are at most about 10^14 in magnitude (instants are clamped
        // in `secs_of`), so weeks times a week's seconds fit in i128 easily
        // and the division is done in i64.
        let k = day.saturating_add(3);
        let w = usize::try_from(k.rem_euclid(7)).unwrap_or(0);
        i128::from(k.div_euclid(7)) * i128::from(self.week_prefix[m][7])
            + i128::from(self.week_prefix[m][w])
    }

    /// The measure summed over all slots before `day` (from an arbitrary origin).
    pub(super) fn prefix(&self, m: Measure, day: i64) -> i128 {
        let i = self.special_days.count_lt(day);
        self.prefix_at(m, day, i)
    }

    /// [`prefix`](Self::prefix) when `before` specials precede `day`.
    fn prefix_at(&self, m: Measure, day: i64, before: usize) -> i128 {
        let delta = before
            .checked_sub(1)
            .map_or(0, |j| self.specials[j].delta_through[m as usize]);
        self.regular_prefix(m, day) + i128::from(delta)
    }

    fn prefix_i64(&self, m: Measure, day: i64) -> i64 {
        // Special days are real dates, so the prefix fits easily.
        i64::try_from(self.prefix(m, day)).unwrap_or(0)
    }

    /// The day `D` with `prefix(D) < target <= prefix(D + 1)`.
    pub(super) fn find(&self, m: Measure, target: i128) -> Result<i64, Exhausted> {
        self.find_at(m, target, 0).map(|(day, _)| day)
    }

    /// [`find`](Self::find), also returning how many specials precede the
    /// day. `hint`: a number of specials known to end below `target`.
    fn find_at(&self, m: Measure, target: i128, hint: usize) -> Result<(i64, usize), Exhausted> {
        let mi = m as usize;
        let next = first_reaching(&self.special_ends[mi], hint, target);
        let delta = match next.checked_sub(1) {
            Some(prev) => self.specials[prev].delta_through[mi],
            None => 0,
        };
        if let Some(s) = self.specials.get(next)
            && i128::from(s.at_start[mi]) < target
        {
            return Ok((s.day, next));
        }
        let week = i128::from(self.week_prefix[mi][7]);
        if week == 0 {
            return Err(if next == self.specials.len() {
                Exhausted::Above
            } else {
                Exhausted::Below
            });
        }
        let r = target - i128::from(delta);
        let week64 = self.week_prefix[mi][7];
        let (q, _) = div_rem(r - 1, week64);
        let rem = r - q * week; // in 1..=week
        let w = (0..7)
            .find(|&w| i128::from(self.week_prefix[mi][w + 1]) >= rem)
            .unwrap_or(6);
        let day = q * 7 + i128::try_from(w).unwrap_or(0) - 3;
        i64::try_from(day)
            .map(|day| (day, next))
            .map_err(|_| Exhausted::Range)
    }

    /// The slot of day `day`.
    /// The slot of `day`, when `before` specials precede it.
    fn slot_at(&self, day: i64, before: usize) -> Slot<'_> {
        match self.specials.get(before) {
            Some(s) if s.day == day => self.special_slot(s, before),
            _ => Slot {
                day,
                before,
                base: self.zone.to_utc(day * DAY),
                intervals: &self.regular[weekday(day)],
            },
        }
    }

    fn special_slot(&self, s: &Special, index: usize) -> Slot<'_> {
        let lo = s.lo as usize;
        let hi = (s.hi as usize).min(self.intervals.len()).max(lo);
        Slot {
            day: s.day,
            before: index,
            base: 0,
            intervals: &self.intervals[lo..hi],
        }
    }

    /// The slot holding UTC second `u`.
    pub(super) fn locate(&self, u: i64) -> Slot<'_> {
        let off = i64::from(self.zone.offset_at(u));
        let d = (u + off).div_euclid(DAY);
        let i = self.special_days.count_lt(d - 2);
        let mut before = i;
        for (k, s) in self.specials[i..]
            .iter()
            .enumerate()
            .take_while(|(_, s)| s.day <= d + 2)
        {
            if s.start <= u && u < s.end {
                return self.special_slot(s, i + k);
            }
            if s.day < d {
                before = i + k + 1;
            }
        }
        Slot {
            day: d,
            before,
            base: d * DAY - off,
            intervals: &self.regular[weekday(d)],
        }
    }

    /// Business time (ns) from the origin to instant `t` (ns).
    pub(super) fn cum(&self, t: i128) -> i128 {
        self.cum_hint(t).0
    }

    /// [`cum`](Self::cum), and a hint for [`latest_at`](Self::latest_at)
    /// with targets above it.
    pub(super) fn cum_hint(&self, t: i128) -> (i128, usize) {
        let slot = self.locate(secs_of(t));
        let before: i128 = slot.iter().map(|(a, b)| (t.min(b) - a).max(0)).sum();
        let cum = self.prefix_at(Measure::Seconds, slot.day, slot.before) * NANOS + before;
        (cum, slot.before)
    }

    /// Whether instant `t` (ns) is open.
    pub(super) fn is_open(&self, t: i128) -> bool {
        self.locate(secs_of(t)).iter().any(|(a, b)| a <= t && t < b)
    }

    /// The smallest instant (ns) at which `cum` equals `target`.
    pub(super) fn inverse(&self, target: i128, hint: usize) -> Result<i128, Exhausted> {
        let (q, r) = div_rem(target, NANOS_I64);
        let c = q + i128::from(r != 0);
        let (day, before) = self.find_at(Measure::Seconds, c, hint)?;
        check_day(day)?;
        let slot = self.slot_at(day, before);
        let mut rem = target - self.prefix_at(Measure::Seconds, day, before) * NANOS;
        let mut last = None;
        for (a, b) in slot.iter() {
            if rem <= b - a {
                return Ok(a + rem);
            }
            rem -= b - a;
            last = Some(b);
        }
        // Unreachable when the tables are consistent; stay total anyway.
        last.ok_or(Exhausted::Above)
    }

    /// The latest instant (ns) at which `cum` is at most `target`; it is an
    /// open instant.
    ///
    /// `hint` is the second value of [`cum_hint`](Self::cum_hint) for an
    /// instant whose `cum` is at most `target`, or 0.
    pub(super) fn latest_at(&self, target: i128, hint: usize) -> Result<i128, Exhausted> {
        Ok(self.inverse(target + 1, hint)? - 1)
    }

    /// The local date and the nanoseconds since local midnight of `t`.
    pub(super) fn local(&self, t: i128) -> (i64, i128) {
        let u = secs_of(t);
        let off = i64::from(self.zone.offset_at(u));
        let day = (u + off).div_euclid(DAY);
        (day, t - i128::from(day * DAY - off) * NANOS)
    }

    /// The UTC instant (ns) of local date `day` at `tod` ns after midnight.
    pub(super) fn local_to_instant(&self, day: i64, tod: i128) -> i128 {
        let (secs, sub) = div_rem(tod, NANOS_I64);
        let l = i128::from(day) * i128::from(DAY) + secs;
        let l = i64::try_from(l).unwrap_or(if l > 0 { i64::MAX / 2 } else { i64::MIN / 2 });
        i128::from(self.zone.to_utc(l)) * NANOS + sub
    }
}

/// The first index `i >= from` with `ends[i] >= target`, or `ends.len()`;
/// every `ends[i]` with `i < from` must be below `target`. Gallops from
/// `from`, so the cost grows with the distance, not the length.
fn first_reaching(ends: &[i64], from: usize, target: i128) -> usize {
    let len = ends.len();
    let mut lo = from.min(len);
    let mut hi = lo;
    let mut step = 1;
    while hi < len && i128::from(ends[hi]) < target {
        lo = hi + 1;
        hi = from.saturating_add(step).min(len);
        step = step.saturating_mul(2);
    }
    let lo = lo.min(hi);
    lo + ends[lo..hi].partition_point(|&e| i128::from(e) < target)
}

/// Floor division and remainder of an `i128` by a positive `i64`, with a
/// fast path when the dividend fits in an `i64` (128-bit division is slow).
pub(super) fn div_rem(a: i128, b: i64) -> (i128, i128) {
    if let Ok(a) = i64::try_from(a) {
        (a.div_euclid(b).into(), a.rem_euclid(b).into())
    } else {
        let b = i128::from(b);
        (a.div_euclid(b), a.rem_euclid(b))
    }
}

const NANOS_I64: i64 = 1_000_000_000;

/// Keeps day arithmetic (`day * DAY`) far from overflow.
pub(super) fn check_day(day: i64) -> Result<(), Exhausted> {
    if (-DAY_LIMIT..=DAY_LIMIT).contains(&day) {
        Ok(())
    } else {
        Err(Exhausted::Range)
    }
}

/// Whole seconds of an instant in ns, saturated to a range where day
/// arithmetic cannot overflow.
fn secs_of(t: i128) -> i64 {
    let (s, _) = div_rem(t, NANOS_I64);
    let limit = i128::from(i64::MAX / 4);
    i64::try_from(s.clamp(-limit, limit)).unwrap_or(0)
}

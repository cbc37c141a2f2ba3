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
//! (near holidays, breaks, shifts and DST transitions) are stored with
//! running totals of how much they differ from the regular pattern. Every
//! query is then a few lookups.
//!
//! Special slots are found lazily, in chunks of [`CHUNK_DAYS`] days: only
//! chunks that can hold one exist (those spanning the zone's transitions,
//! 1800-2101, and those near an exception date), and each is computed the
//! first time a query reaches it. The running totals start at the first
//! chunk computed (the *anchor*) and grow outwards from it, one chunk at a
//! time; `cum` is only ever used in differences, so the origin does not
//! show. Building a calendar therefore costs a few microseconds, and a
//! query pays for the chunks between the anchor and its instant once.

use std::sync::{Arc, OnceLock};

use chrono::{Datelike, NaiveDate};

use super::spec::{Span, Spec};
use super::zone::{Cells, DAY, MAX_OFFSET, Zone};

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

/// Days per chunk of special slots; chunk `k` holds days
/// `k * CHUNK_DAYS .. (k + 1) * CHUNK_DAYS`.
const CHUNK_DAYS: i64 = 64;

/// The measures kept per slot.
#[derive(Clone, Copy)]
pub(super) enum Measure {
    /// Open seconds in the slot.
    Seconds,
    /// 1 when the date is a business day (it owns open hours), else 0.
    BusinessDays,
}

/// A special slot.
#[derive(Debug)]
struct Special {
    day: i64,
    /// UTC seconds of the slot's bounds.
    start: i64,
    end: i64,
    /// Range in `Chunk::intervals`.
    lo: u32,
    hi: u32,
    /// Open seconds and business-day flag of this slot.
    value: [i64; 2],
    /// Cumulative measures at the start of this slot.
    at_start: [i64; 2],
    /// Sum over specials from the anchor up to and including this one of
    /// (value - regular value).
    delta_through: [i64; 2],
}

/// The special slots of one chunk of days.
#[derive(Debug)]
struct Chunk {
    /// `day.div_euclid(CHUNK_DAYS)` of its days.
    key: i64,
    specials: Vec<Special>,
    intervals: Vec<(i64, i64)>,
    /// Sum of (value - regular value) over the specials from the anchor to
    /// this chunk (negative below the anchor), and through its last one.
    base: [i64; 2],
    end: [i64; 2],
    /// Cumulative measures at the end of each special, per measure.
    special_ends: [Vec<i64>; 2],
    /// Cumulative measures at the chunk's first day and past its last.
    lower: [i64; 2],
    upper: [i64; 2],
}

/// The chunk given for a position past the end (never reached: positions
/// come from the engine's own lookups).
static EMPTY: Chunk = Chunk {
    key: 0,
    specials: Vec::new(),
    intervals: Vec::new(),
    base: [0; 2],
    end: [0; 2],
    special_ends: [Vec::new(), Vec::new()],
    lower: [0; 2],
    upper: [0; 2],
};

/// Where a day stands among the special slots: `idx` specials of the chunk
/// at position `pos` come before it, and every special of earlier chunks.
#[derive(Clone, Copy, Debug)]
pub(super) struct At<'a> {
    pos: usize,
    idx: usize,
    /// The chunk at `pos`.
    chunk: &'a Chunk,
}

/// Where a UTC instant falls.
#[derive(Clone, Copy)]
pub(super) struct Slot<'a> {
    pub(super) day: i64,
    at: At<'a>,
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
    spec: Spec,
    zone: Arc<Zone>,
    /// Regular slot contents per weekday, relative to local midnight.
    regular: [Vec<(i64, i64)>; 7],
    /// Regular measures per weekday, and their prefix sums over a week.
    per_day: [[i64; 7]; 2],
    week_prefix: [[i64; 8]; 2],
    /// Days whose slot may differ because of an exception (a day before,
    /// on and after each holiday, break and shift), sorted.
    exception_days: Vec<i64>,
    /// Chunk keys that can hold special slots: `below` (exceptions before
    /// the zone's transitions), then the `zone_len` keys from `zone_lo`
    /// (those the zone's transitions reach), then `above`. Their index in
    /// this order is the chunk's *position*; there are `len` of them.
    below: Vec<i64>,
    zone_lo: i64,
    zone_len: usize,
    above: Vec<i64>,
    len: usize,
    chunks: Cells<Chunk>,
    /// The position computed first; running totals start there.
    anchor: OnceLock<usize>,
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

/// Sorts intervals and merges those that overlap or touch, in place.
fn merge(v: &mut Vec<(i64, i64)>) {
    v.sort_unstable();
    let mut n: usize = 0;
    for i in 0..v.len() {
        let (a, b) = v[i];
        match n.checked_sub(1).map(|last| &mut v[last]) {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => {
                v[n] = (a, b);
                n += 1;
            }
        }
    }
    v.truncate(n);
}

/// `open` minus `closed` (both sorted and merged), into `out`.
fn subtract(open: &[(i64, i64)], closed: &[(i64, i64)], out: &mut Vec<(i64, i64)>) {
    out.clear();
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
}

/// Whether anything of `open` is outside `closed` (both sorted and merged).
fn any_left(open: &[(i64, i64)], closed: &[(i64, i64)]) -> bool {
    open.iter().any(|&(a, b)| {
        let mut a = a;
        for &(c, d) in closed {
            if d <= a || c >= b {
                continue;
            }
            if c > a {
                return true;
            }
            a = a.max(d);
        }
        a < b
    })
}

/// Buffers reused across slot computations.
#[derive(Default)]
struct Scratch {
    open: Vec<(i64, i64)>,
    closed: Vec<(i64, i64)>,
    own: Vec<(i64, i64)>,
    /// The open intervals of the slot last computed.
    inside: Vec<(i64, i64)>,
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

/// The content of slot `day`: start, end and whether `day` owns open
/// hours; its open intervals (absolute UTC seconds) are left in
/// `scratch.inside`.
fn compute_slot(
    zone: &Zone,
    rules: &Rules<'_>,
    day: i64,
    scratch: &mut Scratch,
) -> (i64, i64, bool) {
    let start = zone.to_utc(day * DAY);
    let end = zone.to_utc((day + 1) * DAY).max(start);
    let Scratch {
        open,
        closed,
        own,
        inside,
    } = scratch;
    open.clear();
    closed.clear();
    // Two days back: when a DST gap swallows a whole date (Samoa skipped
    // 2011-12-30), a shift from the day before it continues in the slot after.
    for d in day - 2..=day + 1 {
        to_utc(zone, d, rules.hours(d), open);
        to_utc(zone, d, rules.breaks(d), closed);
    }
    merge(open);
    merge(closed);
    subtract(open, closed, inside);
    inside.retain_mut(|(a, b)| {
        (*a, *b) = ((*a).max(start), (*b).min(end));
        a < b
    });
    merge(inside);
    own.clear();
    to_utc(zone, day, rules.hours(day), own);
    merge(own);
    let owns_hours = any_left(own, closed);
    (start, end, owns_hours)
}

/// A chunk's special slots before their running totals are known.
struct Raw {
    specials: Vec<Special>,
    intervals: Vec<(i64, i64)>,
    /// Sum of (value - regular value) over its specials.
    total: [i64; 2],
}

/// Where a chunk's running totals come from: the end of the chunk before
/// it, or the start of the chunk after it.
#[derive(Clone, Copy)]
enum Base {
    After([i64; 2]),
    Before([i64; 2]),
}

fn to_i64(x: i128) -> i64 {
    // Chunks hold real dates, so their cumulative measures fit easily.
    i64::try_from(x).unwrap_or(if x < 0 { i64::MIN } else { i64::MAX })
}

impl Engine {
    pub(super) fn new(spec: Spec) -> Engine {
        let zone = Zone::of(spec.tz);
        let utc = Zone::fixed(0);
        let weekly = Rules {
            spec: &spec,
            weekly_only: true,
        };
        let mut regular: [Vec<(i64, i64)>; 7] = Default::default();
        let mut per_day = [[0; 7]; 2];
        let mut scratch = Scratch::default();
        for (w, slot) in regular.iter_mut().enumerate() {
            // Day -3 (1969-12-29) is a Monday.
            let day = i64::try_from(w).unwrap_or(0) - 3;
            let (start, _, owns) = compute_slot(&utc, &weekly, day, &mut scratch);
            let iv = &scratch.inside;
            *slot = iv.iter().map(|&(a, b)| (a - start, b - start)).collect();
            per_day[0][w] = total(iv);
            per_day[1][w] = i64::from(owns);
        }
        let mut week_prefix = [[0; 8]; 2];
        for m in 0..2 {
            for w in 0..7 {
                week_prefix[m][w + 1] = week_prefix[m][w] + per_day[m][w];
            }
        }
        let mut exception_days: Vec<i64> = Vec::new();
        let dates = spec
            .holidays
            .iter()
            .chain(spec.breaks.keys())
            .chain(spec.shifts.keys());
        for date in dates {
            let d = day_number(*date);
            exception_days.extend(d - 1..=d + 1);
        }
        exception_days.sort_unstable();
        exception_days.dedup();
        // Transitions at `at` in the zone's span make days within
        // MAX_OFFSET (plus one day) of `at / DAY` special.
        let (zone_lo, zone_hi) = if zone.has_transitions() {
            let (from, to) = Zone::span();
            (
                ((from - MAX_OFFSET).div_euclid(DAY) - 1).div_euclid(CHUNK_DAYS),
                ((to + MAX_OFFSET).div_euclid(DAY) + 1).div_euclid(CHUNK_DAYS),
            )
        } else {
            (0, -1)
        };
        let mut keys: Vec<i64> = exception_days
            .iter()
            .map(|d| d.div_euclid(CHUNK_DAYS))
            .filter(|k| !(zone_lo..=zone_hi).contains(k))
            .collect();
        keys.dedup();
        let split = keys.partition_point(|&k| k < zone_lo);
        let above = keys.split_off(split);
        let zone_len = usize::try_from(zone_hi - zone_lo + 1).unwrap_or(0);
        let len = keys.len() + zone_len + above.len();
        Engine {
            spec,
            zone,
            regular,
            per_day,
            week_prefix,
            exception_days,
            below: keys,
            zone_lo,
            zone_len,
            above,
            len,
            chunks: Cells::new(len),
            anchor: OnceLock::new(),
        }
    }

    /// The calendar as written.
    pub(super) fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The chunk key at position `p` (`p < len()`).
    fn key(&self, p: usize) -> i64 {
        let (b, z) = (self.below.len(), self.zone_len);
        if p < b {
            self.below[p]
        } else if p < b + z {
            self.zone_lo + i64::try_from(p - b).unwrap_or(0)
        } else {
            self.above.get(p - b - z).copied().unwrap_or(i64::MAX)
        }
    }

    /// The last position whose key is at most `k`.
    fn position_le(&self, k: i64) -> Option<usize> {
        // Keys below the zone's, the zone's, and those above, in order.
        let zone = if k < self.zone_lo {
            0
        } else {
            usize::try_from(k - self.zone_lo)
                .map_or(usize::MAX, |n| n.saturating_add(1))
                .min(self.zone_len)
        };
        if self.below.is_empty() && self.above.is_empty() {
            return zone.checked_sub(1);
        }
        let below = self.below.partition_point(|&x| x <= k);
        let above = self.above.partition_point(|&x| x <= k);
        (below + zone + above).checked_sub(1)
    }

    /// The chunk at position `p`, computed (with those between it and the
    /// anchor) on first use.
    fn chunk(&self, p: usize) -> &Chunk {
        match self.chunks.get(p) {
            Some(c) => c,
            None => self.materialize(p),
        }
    }

    #[cold]
    fn materialize(&self, p: usize) -> &Chunk {
        if p >= self.len {
            return &EMPTY;
        }
        let anchor = *self.anchor.get_or_init(|| p);
        let init = |q: usize, base: Base| {
            self.chunks
                .get_or_init(q, || self.compute_chunk(self.key(q), base))
                .unwrap_or(&EMPTY)
        };
        let mut chunk = init(anchor, Base::After([0; 2]));
        if p > anchor {
            for q in anchor + 1..=p {
                chunk = init(q, Base::After(chunk.end));
            }
        } else {
            for q in (p..anchor).rev() {
                chunk = init(q, Base::Before(chunk.base));
            }
        }
        chunk
    }

    /// The special slots of chunk `key`, with running totals from `base`.
    fn compute_chunk(&self, key: i64, base: Base) -> Chunk {
        let raw = self.raw_chunk(key);
        let base = match base {
            Base::After(b) => b,
            Base::Before(next) => [next[0] - raw.total[0], next[1] - raw.total[1]],
        };
        let Raw {
            mut specials,
            intervals,
            total: _,
        } = raw;
        let mut delta = base;
        for s in &mut specials {
            let w = weekday(s.day);
            let before = delta;
            for (m, d) in delta.iter_mut().enumerate() {
                *d += s.value[m] - self.per_day[m][w];
            }
            s.delta_through = delta;
            s.at_start = [
                to_i64(self.regular_prefix(Measure::Seconds, s.day) + i128::from(before[0])),
                to_i64(self.regular_prefix(Measure::BusinessDays, s.day) + i128::from(before[1])),
            ];
        }
        let special_ends = [0, 1].map(|m| {
            specials
                .iter()
                .map(|s| s.at_start[m] + s.value[m])
                .collect()
        });
        let (first, past) = (key * CHUNK_DAYS, (key + 1) * CHUNK_DAYS);
        let measures = [Measure::Seconds, Measure::BusinessDays];
        Chunk {
            key,
            specials,
            intervals,
            base,
            end: delta,
            special_ends,
            lower: [0, 1]
                .map(|m| to_i64(self.regular_prefix(measures[m], first) + i128::from(base[m]))),
            upper: [0, 1]
                .map(|m| to_i64(self.regular_prefix(measures[m], past) + i128::from(delta[m]))),
        }
    }

    /// The special slots among the days of chunk `key`: those near an
    /// exception or an offset change that differ from the regular pattern.
    fn raw_chunk(&self, key: i64) -> Raw {
        let (first, past) = (key * CHUNK_DAYS, (key + 1) * CHUNK_DAYS);
        let mut days: Vec<i64> = {
            let from = self.exception_days.partition_point(|&d| d < first);
            let to = self.exception_days.partition_point(|&d| d < past);
            self.exception_days[from..to].to_vec()
        };
        // A transition makes the days from one before its earliest local
        // date to one after its latest special; MAX_OFFSET bounds how far
        // those are from `at`.
        let window = MAX_OFFSET + DAY;
        self.zone
            .for_each_transition(first * DAY - window, past * DAY + window, |t| {
                let lo = (t.at + i64::from(t.before.min(t.after))).div_euclid(DAY);
                let hi = (t.at + i64::from(t.before.max(t.after))).div_euclid(DAY);
                days.extend((lo - 1..=hi + 1).filter(|d| (first..past).contains(d)));
            });
        days.sort_unstable();
        days.dedup();
        let rules = Rules {
            spec: &self.spec,
            weekly_only: false,
        };
        let mut raw = Raw {
            specials: Vec::new(),
            intervals: Vec::new(),
            total: [0; 2],
        };
        let mut scratch = Scratch::default();
        for day in days {
            let (start, end, owns) = compute_slot(&self.zone, &rules, day, &mut scratch);
            let iv = &scratch.inside;
            let w = weekday(day);
            let value = [total(iv), i64::from(owns)];
            if self.is_regular(day, start, end, iv, value) {
                continue;
            }
            let lo = u32::try_from(raw.intervals.len()).unwrap_or(u32::MAX);
            raw.intervals.extend_from_slice(iv);
            let hi = u32::try_from(raw.intervals.len()).unwrap_or(u32::MAX);
            for (m, t) in raw.total.iter_mut().enumerate() {
                *t += value[m] - self.per_day[m][w];
            }
            raw.specials.push(Special {
                day,
                start,
                end,
                lo,
                hi,
                value,
                at_start: [0; 2],
                delta_through: [0; 2],
            });
        }
        raw
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

    /// Where `day` stands among the special slots.
    fn at_day(&self, day: i64) -> At<'_> {
        let k = day.div_euclid(CHUNK_DAYS);
        match self.position_le(k) {
            None => self.start(),
            Some(pos) => {
                let chunk = self.chunk(pos);
                let idx = if chunk.key == k {
                    chunk.specials.partition_point(|s| s.day < day)
                } else {
                    chunk.specials.len()
                };
                At { pos, idx, chunk }
            }
        }
    }

    /// Before every chunk.
    fn start(&self) -> At<'_> {
        At {
            pos: 0,
            idx: 0,
            chunk: self.chunk(0),
        }
    }

    /// The measure summed over all slots before `day` (from an arbitrary
    /// origin), and where `day` stands (a hint for [`find`](Self::find)).
    pub(super) fn prefix(&self, m: Measure, day: i64) -> (i128, At<'_>) {
        let at = self.at_day(day);
        (self.prefix_at(m, day, at), at)
    }

    /// The sum of (value - regular value) over the specials before `at`.
    fn delta(m: Measure, at: At<'_>) -> i64 {
        match at.idx.checked_sub(1).and_then(|j| at.chunk.specials.get(j)) {
            Some(s) => s.delta_through[m as usize],
            None => at.chunk.base[m as usize],
        }
    }

    /// [`prefix`](Self::prefix) of `day`, which stands at `at`.
    fn prefix_at(&self, m: Measure, day: i64, at: At<'_>) -> i128 {
        self.regular_prefix(m, day) + i128::from(Self::delta(m, at))
    }

    /// The day `D` with `prefix(D) < target <= prefix(D + 1)`, searched from
    /// around `hint`.
    pub(super) fn find<'a>(
        &'a self,
        m: Measure,
        target: i128,
        hint: At<'a>,
    ) -> Result<i64, Exhausted> {
        self.find_at(m, target, hint).map(|(day, _)| day)
    }

    /// [`find`](Self::find), also returning where the day stands.
    fn find_at<'a>(
        &'a self,
        m: Measure,
        target: i128,
        hint: At<'a>,
    ) -> Result<(i64, At<'a>), Exhausted> {
        let mi = m as usize;
        let n = self.len;
        if n == 0 {
            return self.regular_find(m, target, 0, self.start(), Exhausted::Above);
        }
        let mut p = hint.pos.min(n - 1);
        // Each step moves one chunk towards the answer; the bound only
        // guards against inconsistent tables.
        for _ in 0..=n {
            let c = if p == hint.pos {
                hint.chunk
            } else {
                self.chunk(p)
            };
            if target <= i128::from(c.lower[mi]) {
                if p == 0 {
                    let at = At {
                        pos: 0,
                        idx: 0,
                        chunk: c,
                    };
                    return self.regular_find(m, target, c.base[mi], at, Exhausted::Below);
                }
                // Between the chunk before and this one, the pattern is regular.
                let gap_start = (self.key(p - 1) + 1) * CHUNK_DAYS;
                let below = self.regular_prefix(m, gap_start) + i128::from(c.base[mi]);
                if target > below {
                    let at = At {
                        pos: p,
                        idx: 0,
                        chunk: c,
                    };
                    return self.regular_find(m, target, c.base[mi], at, Exhausted::Below);
                }
                p -= 1;
            } else if target > i128::from(c.upper[mi]) {
                let at = At {
                    pos: p,
                    idx: c.specials.len(),
                    chunk: c,
                };
                if p + 1 == n {
                    return self.regular_find(m, target, c.end[mi], at, Exhausted::Above);
                }
                let gap_end = self.key(p + 1) * CHUNK_DAYS;
                let above = self.regular_prefix(m, gap_end) + i128::from(c.end[mi]);
                if target <= above {
                    return self.regular_find(m, target, c.end[mi], at, Exhausted::Above);
                }
                p += 1;
            } else {
                let ends = &c.special_ends[mi];
                let next = ends.partition_point(|&e| i128::from(e) < target);
                if let Some(s) = c.specials.get(next)
                    && i128::from(s.at_start[mi]) < target
                {
                    let at = At {
                        pos: p,
                        idx: next,
                        chunk: c,
                    };
                    return Ok((s.day, at));
                }
                let delta = match next.checked_sub(1) {
                    Some(prev) => c.specials[prev].delta_through[mi],
                    None => c.base[mi],
                };
                let at = At {
                    pos: p,
                    idx: next,
                    chunk: c,
                };
                let exhausted = if next == c.specials.len() {
                    Exhausted::Above
                } else {
                    Exhausted::Below
                };
                return self.regular_find(m, target, delta, at, exhausted);
            }
        }
        Err(Exhausted::Range)
    }

    /// The day reaching `target` where the pattern is regular and the
    /// specials before sum to `delta`.
    fn regular_find<'a>(
        &self,
        m: Measure,
        target: i128,
        delta: i64,
        at: At<'a>,
        exhausted: Exhausted,
    ) -> Result<(i64, At<'a>), Exhausted> {
        let mi = m as usize;
        let week64 = self.week_prefix[mi][7];
        if week64 == 0 {
            return Err(exhausted);
        }
        let week = i128::from(week64);
        let r = target - i128::from(delta);
        let (q, _) = div_rem(r - 1, week64);
        let rem = r - q * week; // in 1..=week
        let w = (0..7)
            .find(|&w| i128::from(self.week_prefix[mi][w + 1]) >= rem)
            .unwrap_or(6);
        let day = q * 7 + i128::try_from(w).unwrap_or(0) - 3;
        i64::try_from(day)
            .map(|day| (day, at))
            .map_err(|_| Exhausted::Range)
    }

    /// The slot of `day`, which stands at `at`.
    fn slot_at<'a>(&'a self, day: i64, at: At<'a>) -> Slot<'a> {
        match at.chunk.specials.get(at.idx) {
            Some(s) if s.day == day => Self::special_slot(s, at),
            _ => Slot {
                day,
                at,
                base: self.zone.to_utc(day * DAY),
                intervals: &self.regular[weekday(day)],
            },
        }
    }

    fn special_slot<'a>(s: &Special, at: At<'a>) -> Slot<'a> {
        let c = at.chunk;
        let lo = s.lo as usize;
        let hi = (s.hi as usize).min(c.intervals.len()).max(lo);
        Slot {
            day: s.day,
            at,
            base: 0,
            intervals: &c.intervals[lo..hi],
        }
    }

    /// The slot holding UTC second `u`.
    pub(super) fn locate(&self, u: i64) -> Slot<'_> {
        let off = i64::from(self.zone.offset_at(u));
        let d = (u + off).div_euclid(DAY);
        // A special slot of a nearby day may hold `u` (DST shifts slots).
        let (k0, k1) = (
            (d - 2).div_euclid(CHUNK_DAYS),
            (d + 2).div_euclid(CHUNK_DAYS),
        );
        let kd = d.div_euclid(CHUNK_DAYS);
        let keys = [k0, k1];
        let keys = if k0 == k1 { &keys[..1] } else { &keys[..] };
        let mut at = None;
        for &k in keys {
            let Some(pos) = self.position_le(k) else {
                continue;
            };
            let c = self.chunk(pos);
            if c.key != k {
                if k == kd {
                    at = Some(At {
                        pos,
                        idx: c.specials.len(),
                        chunk: c,
                    });
                }
                continue;
            }
            let from = c.specials.partition_point(|s| s.day < d - 2);
            for (i, s) in c.specials[from..]
                .iter()
                .enumerate()
                .take_while(|(_, s)| s.day <= d + 2)
            {
                if s.start <= u && u < s.end {
                    let at = At {
                        pos,
                        idx: from + i,
                        chunk: c,
                    };
                    return Self::special_slot(s, at);
                }
            }
            if k == kd {
                at = Some(At {
                    pos,
                    idx: from + c.specials[from..].partition_point(|s| s.day < d),
                    chunk: c,
                });
            }
        }
        Slot {
            day: d,
            at: at.unwrap_or_else(|| self.start()),
            base: d * DAY - off,
            intervals: &self.regular[weekday(d)],
        }
    }

    /// Business time (ns) from the origin to instant `t` (ns), and where
    /// its slot stands (a hint for [`latest_at`](Self::latest_at)).
    pub(super) fn cum(&self, t: i128) -> (i128, At<'_>) {
        let slot = self.locate(secs_of(t));
        let before: i128 = slot.iter().map(|(a, b)| (t.min(b) - a).max(0)).sum();
        let cum = self.prefix_at(Measure::Seconds, slot.day, slot.at) * NANOS + before;
        (cum, slot.at)
    }

    /// Whether instant `t` (ns) is open.
    pub(super) fn is_open(&self, t: i128) -> bool {
        self.locate(secs_of(t)).iter().any(|(a, b)| a <= t && t < b)
    }

    /// The smallest instant (ns) at which `cum` equals `target`.
    fn inverse<'a>(&'a self, target: i128, hint: At<'a>) -> Result<i128, Exhausted> {
        let (q, r) = div_rem(target, NANOS_I64);
        let c = q + i128::from(r != 0);
        let (day, at) = self.find_at(Measure::Seconds, c, hint)?;
        check_day(day)?;
        let slot = self.slot_at(day, at);
        let mut rem = target - self.prefix_at(Measure::Seconds, day, at) * NANOS;
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
    /// `hint` is where to start searching: the second value of
    /// [`cum`](Self::cum) for an instant near the answer.
    pub(super) fn latest_at<'a>(&'a self, target: i128, hint: At<'a>) -> Result<i128, Exhausted> {
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

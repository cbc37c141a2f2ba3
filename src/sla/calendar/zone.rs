//! UTC offset transitions of a `chrono_tz::Tz`, as a sorted table.
//!
//! `chrono-tz` does not expose its transition table, so it is rediscovered
//! once per zone and process by sampling the offset once a day between 1800
//! and 2101 (the span its data covers; outside it the offset is constant)
//! and bisecting every change down to the second. The table is shared by all
//! calendars of that zone.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::Tz;

/// Seconds in a civil day.
pub(super) const DAY: i64 = 86_400;

/// First and last sampled instants (1800-01-01 and 2101-01-01, UTC).
const SCAN_FROM: i64 = -5_364_662_400;
const SCAN_TO: i64 = 4_133_980_800;

/// One change of the UTC offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Transition {
    /// First UTC second (Unix time) with the new offset.
    pub(super) at: i64,
    /// Offset (seconds east of UTC) before `at`.
    pub(super) before: i32,
    /// Offset from `at` on.
    pub(super) after: i32,
}

impl Transition {
    /// The first local second after the gap or repeated span this
    /// transition creates; local times before it use `before`.
    fn local_key(&self) -> i64 {
        self.at + i64::from(self.before.max(self.after))
    }
}

/// A sorted list of numbers with a bucket table over `[from, to]`, so that
/// counting the keys `<= x` is a lookup plus a search among a few.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Index {
    keys: Vec<i64>,
    from: i64,
    shift: u32,
    /// `buckets[b]`: number of keys below `from + b * 2^shift`.
    buckets: Vec<usize>,
}

impl Index {
    /// Indexes `keys` (sorted) for queries mostly in `[from, to]`; the table
    /// has at most about four buckets per key.
    pub(super) fn new(keys: Vec<i64>, from: i64, to: i64) -> Index {
        let span = to.saturating_sub(from).max(1);
        let limit = i64::try_from(keys.len())
            .unwrap_or(i64::MAX / 8)
            .saturating_mul(4)
            + 64;
        let mut shift = 0;
        while shift < 62 && (span >> shift) > limit {
            shift += 1;
        }
        let count = (span >> shift) + 2;
        let buckets = (0..count)
            .map(|b| {
                let edge = from.saturating_add(b << shift);
                keys.partition_point(|&k| k < edge)
            })
            .collect();
        Index {
            keys,
            from,
            shift,
            buckets,
        }
    }

    /// The number of keys `<= x`.
    pub(super) fn count_le(&self, x: i64) -> usize {
        self.count_where(x, |k| k <= x)
    }

    /// The number of keys `< x`.
    pub(super) fn count_lt(&self, x: i64) -> usize {
        self.count_where(x, |k| k < x)
    }

    fn count_where(&self, x: i64, below: impl Fn(i64) -> bool) -> usize {
        let b = x.saturating_sub(self.from) >> self.shift;
        let (lo, hi) = match usize::try_from(b) {
            Ok(b) if b + 1 < self.buckets.len() => (self.buckets[b], self.buckets[b + 1]),
            Ok(_) => (self.buckets.last().copied().unwrap_or(0), self.keys.len()),
            Err(_) => (0, self.buckets.first().copied().unwrap_or(0)),
        };
        // `k <= x` may also hold for the first key of the next bucket.
        let hi = (hi + 1).min(self.keys.len());
        let lo = lo.min(hi);
        lo + self.keys[lo..hi].partition_point(|&k| below(k))
    }
}

/// The offsets of one time zone over all time.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Zone {
    initial: i32,
    transitions: Vec<Transition>,
    /// `at` of each transition.
    utc: Index,
    /// `local_key()` of each transition.
    local: Index,
}

impl Zone {
    /// The shared table for `tz`, computed on first use.
    pub(super) fn of(tz: Tz) -> Arc<Zone> {
        type Cache = Mutex<Vec<(Tz, Arc<Zone>)>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
        if let Some(zone) = cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|(z, _)| *z == tz)
            .map(|(_, zone)| Arc::clone(zone))
        {
            return zone;
        }
        // Computed outside the lock; a racing thread computes the same table.
        let zone = Arc::new(Zone::scan(tz));
        let mut guard = cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, existing)) = guard.iter().find(|(z, _)| *z == tz) {
            return Arc::clone(existing);
        }
        guard.push((tz, Arc::clone(&zone)));
        zone
    }

    fn scan(tz: Tz) -> Zone {
        let offset = |u: i64| -> i32 {
            DateTime::from_timestamp(u, 0).map_or(0, |t| {
                tz.offset_from_utc_datetime(&t.naive_utc())
                    .fix()
                    .local_minus_utc()
            })
        };
        let initial = offset(SCAN_FROM);
        let mut transitions = Vec::new();
        let mut a = SCAN_FROM;
        let mut off_a = initial;
        while a < SCAN_TO {
            let b = (a + DAY).min(SCAN_TO);
            let off_b = offset(b);
            // Find every change in (a, b]: bisect for the first second whose
            // offset differs from `off_a`, record it, continue from there.
            while off_a != off_b {
                let (mut lo, mut hi) = (a, b); // offset(lo) == off_a, offset(hi) != off_a
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if offset(mid) == off_a {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                let after = offset(hi);
                transitions.push(Transition {
                    at: hi,
                    before: off_a,
                    after,
                });
                a = hi;
                off_a = after;
            }
            a = b;
            off_a = off_b;
        }
        Zone::new(initial, transitions)
    }

    fn new(initial: i32, transitions: Vec<Transition>) -> Zone {
        Zone {
            initial,
            utc: Index::new(
                transitions.iter().map(|t| t.at).collect(),
                SCAN_FROM,
                SCAN_TO,
            ),
            local: Index::new(
                transitions.iter().map(Transition::local_key).collect(),
                SCAN_FROM,
                SCAN_TO,
            ),
            transitions,
        }
    }

    /// A zone with a fixed offset of zero (used for the weekly pattern).
    pub(super) fn fixed_utc() -> Zone {
        Zone::new(0, Vec::new())
    }

    pub(super) fn transitions(&self) -> &[Transition] {
        &self.transitions
    }

    /// The offset in effect at UTC second `u`.
    pub(super) fn offset_at(&self, u: i64) -> i32 {
        let i = self.utc.count_le(u);
        match i.checked_sub(1) {
            Some(j) => self.transitions[j].after,
            None => self.initial,
        }
    }

    /// The UTC second of local second `l` (seconds since 1970-01-01T00:00
    /// local). A local time in a gap or in a repeated span is read with the
    /// offset in effect before the transition: a nonexistent time moves
    /// forward by the gap, an ambiguous one takes its first occurrence.
    pub(super) fn to_utc(&self, l: i64) -> i64 {
        let i = self.local.count_le(l);
        let off = match self.transitions.get(i) {
            Some(t) => t.before,
            None => self.transitions.last().map_or(self.initial, |t| t.after),
        };
        l - i64::from(off)
    }
}

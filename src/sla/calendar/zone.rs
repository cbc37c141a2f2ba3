//! UTC offset transitions of a `chrono_tz::Tz`, found lazily.
//!
//! `chrono-tz` does not expose its transition table, so it is rediscovered
//! by sampling the offset once a day between 1800 and 2101 (the span its
//! data covers; outside it the offset is constant) and bisecting every
//! change down to the second. The span is cut into chunks of
//! [`CHUNK_DAYS`] days; a chunk is scanned the first time a calendar needs
//! it, and the result is shared by all calendars of the zone in the
//! process. A chunk starts on a sampled day, so the transitions found are
//! the same as those of one scan of the whole span.

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::Tz;

/// Seconds in a civil day.
pub(super) const DAY: i64 = 86_400;

/// First and last sampled instants (1800-01-01 and 2101-01-01, UTC).
const SCAN_FROM: i64 = -5_364_662_400;
const SCAN_TO: i64 = 4_133_980_800;

/// Days per scanned chunk; chunk `j` starts at UTC second
/// `(FIRST_CHUNK + j) * CHUNK` (or at `SCAN_FROM` for the first one).
const CHUNK_DAYS: i64 = 64;
const CHUNK: i64 = CHUNK_DAYS * DAY;
const FIRST_CHUNK: i64 = SCAN_FROM.div_euclid(CHUNK);
const LAST_CHUNK: i64 = (SCAN_TO - 1).div_euclid(CHUNK);

/// More than any UTC offset (chrono-tz's are within ±16 hours): local and
/// UTC seconds of one instant are less than this apart.
pub(super) const MAX_OFFSET: i64 = 2 * DAY;

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

/// A fixed number of cells, each computed on first use and then read
/// without locking. Cells are allocated in groups on first use, so that
/// an unused table costs a few bytes per group.
pub(super) struct Cells<T> {
    groups: Box<[OnceLock<Group<T>>]>,
}

/// [`GROUP`] cells of a [`Cells`].
type Group<T> = Box<[OnceLock<T>]>;

/// Cells per group.
const GROUP: usize = 64;

impl<T> Cells<T> {
    pub(super) fn new(len: usize) -> Cells<T> {
        Cells {
            groups: std::iter::repeat_with(OnceLock::new)
                .take(len.div_ceil(GROUP))
                .collect(),
        }
    }

    /// Cell `i`, if it is computed.
    pub(super) fn get(&self, i: usize) -> Option<&T> {
        self.groups.get(i / GROUP)?.get()?.get(i % GROUP)?.get()
    }

    /// Cell `i`, computed by `f` if it is not yet; `None` when `i` is past
    /// the end.
    pub(super) fn get_or_init(&self, i: usize, f: impl FnOnce() -> T) -> Option<&T> {
        let group = self
            .groups
            .get(i / GROUP)?
            .get_or_init(|| std::iter::repeat_with(OnceLock::new).take(GROUP).collect());
        Some(group.get(i % GROUP)?.get_or_init(f))
    }
}

impl<T> fmt::Debug for Cells<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let computed = self
            .groups
            .iter()
            .filter_map(OnceLock::get)
            .flat_map(|g| g.iter())
            .filter(|c| c.get().is_some())
            .count();
        write!(f, "Cells {{ computed: {computed} }}")
    }
}

/// The transitions of one chunk.
#[derive(Debug)]
struct Chunk {
    /// The chunk's first second and the first second after it.
    from: i64,
    to: i64,
    /// Offset in effect at the chunk's first second.
    start: i32,
    /// Transitions with `at` in `(first second, end]`, in order.
    transitions: Box<[Transition]>,
}

/// The offsets of one time zone over all time.
pub(super) struct Zone {
    /// `None` for a zone without transitions.
    tz: Option<Tz>,
    /// Offset before `SCAN_FROM` (and always, for a zone without transitions).
    initial: i32,
    /// Offset from `SCAN_TO` on.
    last: i32,
    chunks: Cells<Chunk>,
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Zone")
            .field("tz", &self.tz)
            .field("chunks", &self.chunks)
            .finish_non_exhaustive()
    }
}

/// The offset of `tz` at UTC second `u`, as the scan samples it.
fn sample(tz: Tz, u: i64) -> i32 {
    DateTime::from_timestamp(u, 0).map_or(0, |t| {
        tz.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc()
    })
}

/// The transitions of `tz` in `(from, to]` (`from` on the daily grid of the
/// scan), and the offset at `from`. Samples the offset once a day and
/// bisects every change down to the second.
fn scan(tz: Tz, from: i64, to: i64) -> Chunk {
    let offset = |u: i64| sample(tz, u);
    let start = offset(from);
    let mut transitions = Vec::new();
    let mut a = from;
    let mut off_a = start;
    while a < to {
        let b = (a + DAY).min(to);
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
    Chunk {
        from,
        to,
        start,
        transitions: transitions.into_boxed_slice(),
    }
}

/// Whether chrono-tz's `tz` has a constant offset. `Etc/*` zones are fixed
/// offsets by definition (a test checks every one against a full scan).
fn is_fixed(tz: Tz) -> bool {
    tz == Tz::UTC || tz.name().starts_with("Etc/")
}

impl Zone {
    /// The shared table for `tz`; its chunks are scanned on first use.
    pub(super) fn of(tz: Tz) -> Arc<Zone> {
        type Cache = Mutex<Vec<(Tz, Arc<Zone>)>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
        let mut guard = cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, zone)) = guard.iter().find(|(z, _)| *z == tz) {
            return Arc::clone(zone);
        }
        let zone = Arc::new(Zone::new(tz));
        guard.push((tz, Arc::clone(&zone)));
        zone
    }

    fn new(tz: Tz) -> Zone {
        let initial = sample(tz, SCAN_FROM);
        if is_fixed(tz) {
            return Zone::fixed(initial);
        }
        let count = usize::try_from(LAST_CHUNK - FIRST_CHUNK + 1).unwrap_or(0);
        Zone {
            tz: Some(tz),
            initial,
            last: sample(tz, SCAN_TO),
            chunks: Cells::new(count),
        }
    }

    /// A zone with a constant offset.
    pub(super) fn fixed(offset: i32) -> Zone {
        Zone {
            tz: None,
            initial: offset,
            last: offset,
            chunks: Cells::new(0),
        }
    }

    /// Whether the zone's offset ever changes.
    pub(super) fn has_transitions(&self) -> bool {
        self.tz.is_some()
    }

    /// The span in which transitions can lie: `(SCAN_FROM, SCAN_TO]`.
    pub(super) fn span() -> (i64, i64) {
        (SCAN_FROM, SCAN_TO)
    }

    /// Chunk `j`: its bounds and transitions, scanned on first use.
    fn chunk(&self, j: usize) -> Option<&Chunk> {
        match self.chunks.get(j) {
            Some(chunk) => Some(chunk),
            None => self.scan_chunk(j),
        }
    }

    #[cold]
    fn scan_chunk(&self, j: usize) -> Option<&Chunk> {
        let tz = self.tz?;
        let (from, to) = Self::bounds(j);
        self.chunks.get_or_init(j, || scan(tz, from, to))
    }

    /// The first and last UTC second of chunk `j` (`j` in range).
    fn bounds(j: usize) -> (i64, i64) {
        let n = i64::try_from(j).unwrap_or(0);
        (
            ((FIRST_CHUNK + n) * CHUNK).max(SCAN_FROM),
            ((FIRST_CHUNK + n + 1) * CHUNK).min(SCAN_TO),
        )
    }

    /// The chunk holding UTC second `u`, for `u` in `[SCAN_FROM, SCAN_TO)`.
    fn chunk_index(u: i64) -> Option<usize> {
        if !(SCAN_FROM..SCAN_TO).contains(&u) {
            return None;
        }
        usize::try_from(u.div_euclid(CHUNK) - FIRST_CHUNK).ok()
    }

    /// The offset in effect at UTC second `u`.
    pub(super) fn offset_at(&self, u: i64) -> i32 {
        if self.tz.is_none() || u < SCAN_FROM {
            return self.initial;
        }
        let Some(chunk) = Self::chunk_index(u).and_then(|j| self.chunk(j)) else {
            return self.last;
        };
        chunk
            .transitions
            .iter()
            .take_while(|t| t.at <= u)
            .last()
            .map_or(chunk.start, |t| t.after)
    }

    /// Calls `f` with every transition whose `at` is in `[from, to]`, in
    /// order.
    pub(super) fn for_each_transition(&self, from: i64, to: i64, mut f: impl FnMut(Transition)) {
        if self.tz.is_none() {
            return;
        }
        let (from, to) = (from.max(SCAN_FROM + 1), to.min(SCAN_TO));
        if from > to {
            return;
        }
        let (Some(first), Some(last)) = (Self::chunk_index(from - 1), Self::chunk_index(to - 1))
        else {
            return;
        };
        for j in first..=last {
            if let Some(chunk) = self.chunk(j) {
                chunk
                    .transitions
                    .iter()
                    .filter(|t| (from..=to).contains(&t.at))
                    .for_each(|t| f(*t));
            }
        }
    }

    /// The UTC second of local second `l` (seconds since 1970-01-01T00:00
    /// local). A local time in a gap or in a repeated span is read with the
    /// offset in effect before the transition: a nonexistent time moves
    /// forward by the gap, an ambiguous one takes its first occurrence.
    pub(super) fn to_utc(&self, l: i64) -> i64 {
        if self.tz.is_none() {
            return l - i64::from(self.initial);
        }
        // The offset before the first transition whose local key is after
        // `l`. Local keys are within MAX_OFFSET of `at`, so that transition
        // is the first one in (l - MAX_OFFSET, l + MAX_OFFSET] with a key
        // after `l`, or else the first one after l + MAX_OFFSET, whose
        // `before` is the offset at l + MAX_OFFSET (also when there is none).
        let (from, to) = (
            l.saturating_sub(MAX_OFFSET - 1),
            l.saturating_add(MAX_OFFSET),
        );
        // Usually one chunk holds every transition with `at` in
        // [from, to] (it holds those in (chunk.from, chunk.to]).
        if let Some(chunk) = Self::chunk_index(l).and_then(|j| self.chunk(j))
            && chunk.from < from
            && to <= chunk.to
        {
            let mut off = chunk.start;
            for t in &chunk.transitions {
                if t.at > to {
                    break;
                }
                if t.at >= from && t.local_key() > l {
                    return l - i64::from(t.before);
                }
                off = t.after;
            }
            return l - i64::from(off);
        }
        // Transitions lie in (SCAN_FROM, SCAN_TO]; the one at `at` is in
        // the chunk holding second `at - 1`.
        let (Some(first), Some(last)) = (
            Self::chunk_index(from.max(SCAN_FROM + 1) - 1),
            Self::chunk_index(to.min(SCAN_TO) - 1),
        ) else {
            return l - i64::from(self.offset_at(to));
        };
        // Also tracks the offset at `to`: after the last transition up to it.
        let mut off = self.initial;
        for j in first..=last {
            let Some(chunk) = self.chunk(j) else { continue };
            off = chunk.start;
            for t in &chunk.transitions {
                if t.at > to {
                    break;
                }
                if t.at >= from && t.local_key() > l {
                    return l - i64::from(t.before);
                }
                off = t.after;
            }
        }
        l - i64::from(off)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole span in one scan, as the table was computed before it was
    /// cut into chunks.
    fn full_scan(tz: Tz) -> Vec<Transition> {
        scan(tz, SCAN_FROM, SCAN_TO).transitions.into_vec()
    }

    fn chunked(tz: Tz) -> Vec<Transition> {
        let zone = Zone::new(tz);
        let mut all = Vec::new();
        zone.for_each_transition(i64::MIN / 4, i64::MAX / 4, |t| all.push(t));
        all
    }

    #[test]
    fn chunks_find_the_transitions_of_one_whole_scan() {
        for tz in [
            chrono_tz::America::New_York,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Pacific::Apia,
            chrono_tz::Europe::Moscow,
        ] {
            let whole = full_scan(tz);
            assert!(whole.len() > 20, "{tz}: {} transitions", whole.len());
            assert_eq!(chunked(tz), whole, "{tz}");
        }
    }

    #[test]
    fn etc_zones_and_utc_have_no_transitions() {
        let fixed: Vec<Tz> = chrono_tz::TZ_VARIANTS
            .iter()
            .copied()
            .filter(|tz| is_fixed(*tz))
            .collect();
        assert!(fixed.len() > 20);
        for tz in fixed {
            assert_eq!(full_scan(tz), [], "{tz}");
            let zone = Zone::of(tz);
            assert!(!zone.has_transitions());
            assert_eq!(zone.offset_at(0), sample(tz, 0), "{tz}");
        }
    }

    /// The lookups before chunking: a binary search over the whole table.
    fn reference_offset(initial: i32, all: &[Transition], u: i64) -> i32 {
        let i = all.partition_point(|t| t.at <= u);
        i.checked_sub(1).map_or(initial, |j| all[j].after)
    }

    fn reference_to_utc(initial: i32, all: &[Transition], l: i64) -> i64 {
        let i = all.partition_point(|t| t.local_key() <= l);
        let off = match all.get(i) {
            Some(t) => t.before,
            None => all.last().map_or(initial, |t| t.after),
        };
        l - i64::from(off)
    }

    #[test]
    fn lookups_agree_with_a_search_over_the_whole_table() {
        for tz in [
            chrono_tz::America::New_York,
            chrono_tz::Pacific::Apia,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Asia::Kolkata,
        ] {
            let all = full_scan(tz);
            let zone = Zone::new(tz);
            let initial = sample(tz, SCAN_FROM);
            // Around every transition, at chunk edges, and beyond the span.
            let mut points: Vec<i64> = all
                .iter()
                .flat_map(|t| {
                    let key = t.local_key();
                    [t.at - 1, t.at, t.at + 1, key - 1, key, key + 1, key - 7200]
                })
                .collect();
            points.extend((FIRST_CHUNK..=LAST_CHUNK + 1).flat_map(|c| {
                let edge = c * CHUNK;
                [
                    edge - MAX_OFFSET,
                    edge - 1,
                    edge,
                    edge + 1,
                    edge + MAX_OFFSET,
                ]
            }));
            points.extend([SCAN_FROM - DAY, SCAN_FROM, SCAN_TO, SCAN_TO + DAY]);
            points.extend([i64::MIN / 8, i64::MAX / 8]);
            for u in points {
                assert_eq!(
                    zone.offset_at(u),
                    reference_offset(initial, &all, u),
                    "{tz} offset at {u}"
                );
                assert_eq!(
                    zone.to_utc(u),
                    reference_to_utc(initial, &all, u),
                    "{tz} to_utc {u}"
                );
            }
        }
    }

    #[test]
    fn local_keys_are_in_order_and_offsets_small_in_every_zone() {
        // `to_utc` relies on both; checked for a sample of zones per run
        // (all of them take about two seconds in a release build).
        for tz in chrono_tz::TZ_VARIANTS.iter().step_by(37) {
            let all = full_scan(*tz);
            assert!(
                all.windows(2).all(|w| w[0].local_key() < w[1].local_key()),
                "{tz}"
            );
            assert!(
                all.iter()
                    .all(|t| i64::from(t.before.abs().max(t.after.abs())) < MAX_OFFSET / 2),
                "{tz}"
            );
        }
    }
}

//! Reading the fuzzer's bytes: a JSON document and the bytes after it, and
//! choices, instants and durations steered by those bytes.

use chrono::{DateTime, TimeDelta, Utc};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::de::DeserializeOwned;

/// The JSON document at the start of `data` and the bytes after it; `None`
/// when `data` does not start with a JSON object or array.
pub(super) fn document<T: DeserializeOwned>(
    data: &[u8],
) -> Option<(Result<T, serde_json::Error>, &[u8])> {
    let start = data.iter().position(|b| !b.is_ascii_whitespace())?;
    if !matches!(data[start], b'{' | b'[') {
        return None;
    }
    let mut stream = serde_json::Deserializer::from_slice(data).into_iter::<T>();
    let value = stream.next()?;
    let end = stream.byte_offset().min(data.len());
    Some((value, &data[end..]))
}

/// A test runner whose random choices come from a generator seeded by a
/// hash of `bytes`.
///
/// Not proptest's pass-through source, which would read the choices from
/// the bytes themselves: it halves what is left at every `prop_flat_map`
/// (the policy strategies have many, one per rule), then gives zeros, and
/// rand's unbiased sampling of a range rejects zeros for ever. So the
/// bytes choose a random case, and a fuzzer steers the shape through
/// the choices that the target reads from the bytes directly.
pub(super) fn runner(bytes: &[u8]) -> TestRunner {
    // FNV-1a, then splitmix64 for the 16 bytes of the seed.
    let mut state = hash(bytes);
    let mut seed = [0u8; 16];
    for chunk in seed.chunks_mut(8) {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    let rng = TestRng::from_seed(RngAlgorithm::XorShift, &seed);
    TestRunner::new_with_rng(Config::default(), rng)
}

/// The FNV-1a hash of `bytes`.
pub(super) fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A value of `strategy` drawn with `runner`; `None` when the strategy
/// gives up (too many rejections).
pub(super) fn draw<S: Strategy>(strategy: &S, runner: &mut TestRunner) -> Option<S::Value> {
    strategy.new_tree(runner).ok().map(|tree| tree.current())
}

/// 2021-03-05 19:00 UTC (14:00 in New York), where the testing kit's
/// command sequences start.
pub(super) fn base() -> DateTime<Utc> {
    DateTime::from_timestamp(BASE, 0).unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// Choices read from bytes, zeros once the bytes run out.
pub(super) struct Steer<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// 2021-03-05 19:00 UTC, where the kit's command sequences start.
const BASE: i64 = 1_614_970_800;

/// Instants where something happens in the zones the kit and the examples
/// use (clocks change in New York, Berlin, Lord Howe, Sydney), and the ends
/// of the years a case works with (1900 to 9999), as seconds since 1970.
const MARKS: [i64; 12] = [
    BASE,
    1_615_705_200,   // 2021-03-14 07:00 UTC: New York springs forward
    1_636_264_800,   // 2021-11-07 06:00 UTC: New York falls back
    1_616_893_200,   // 2021-03-28 01:00 UTC: Berlin springs forward
    1_635_642_000,   // 2021-10-31 01:00 UTC: Berlin falls back
    1_617_465_600,   // 2021-04-03 15:00 UTC: Lord Howe's half hour
    1_633_190_400,   // 2021-10-02 16:00 UTC: Sydney springs forward
    -2_208_988_800,  // 1900-01-01
    253_402_300_799, // 9999-12-31 23:59:59
    0,
    253_086_076_800, // 9989-12-31
    951_782_400,     // 2000-02-29
];

impl<'a> Steer<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Steer { bytes, at: 0 }
    }

    /// Whether every byte has been read.
    pub(super) fn is_empty(&self) -> bool {
        self.at >= self.bytes.len()
    }

    pub(super) fn byte(&mut self) -> u8 {
        let b = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    pub(super) fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    pub(super) fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    pub(super) fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }

    /// A number below `n` (0 when `n` is 0).
    pub(super) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        usize::from(self.u16()) % n
    }

    /// Nanoseconds: mostly none, sometimes any, sometimes the last of the
    /// second.
    fn nanos(&mut self) -> u32 {
        match self.byte() % 8 {
            0..=4 => 0,
            5 => 999_999_999,
            _ => self.u32() % 1_000_000_000,
        }
    }

    /// An offset in seconds, at most `2^bits` either way.
    fn offset(&mut self, bits: u32) -> i64 {
        let span = 1u64 << bits.min(40);
        let raw = if bits > 32 {
            self.u64()
        } else {
            u64::from(self.u32())
        };
        let magnitude = i64::try_from(raw % span).unwrap_or(0);
        if self.byte().is_multiple_of(2) {
            magnitude
        } else {
            -magnitude
        }
    }

    /// An instant: near a mark (clock changes, the edges of the years a
    /// case works with), near `near`, at or near chrono's extremes, or
    /// anywhere chrono can represent; with nanoseconds now and then, and
    /// now and then in a leap second.
    pub(super) fn instant(&mut self, near: DateTime<Utc>) -> DateTime<Utc> {
        let kind = self.byte();
        let secs = match kind % 10 {
            0..=2 => MARKS[self.below(MARKS.len())] + self.offset(18),
            3 | 4 => near.timestamp() + self.offset(20),
            5 => BASE + self.offset(32),
            6 => DateTime::<Utc>::MIN_UTC.timestamp() + self.offset(40).abs(),
            7 => DateTime::<Utc>::MAX_UTC.timestamp() - self.offset(40).abs(),
            8 => {
                let (lo, hi) = (
                    DateTime::<Utc>::MIN_UTC.timestamp(),
                    DateTime::<Utc>::MAX_UTC.timestamp(),
                );
                let span = u64::try_from(hi - lo).unwrap_or(u64::MAX);
                lo + i64::try_from(self.u64() % span).unwrap_or(0)
            }
            _ => near.timestamp(),
        };
        let nanos = if kind >= 250 {
            // A leap second: chrono allows it at the 59th second of a minute.
            1_000_000_000 + self.nanos()
        } else {
            self.nanos()
        };
        let secs = if kind >= 250 {
            secs - secs.rem_euclid(60) + 59
        } else {
            secs
        };
        DateTime::from_timestamp(secs, nanos)
            .or_else(|| DateTime::from_timestamp(secs, 0))
            .unwrap_or(near)
    }

    /// A duration, zero or more: small, a round number of minutes, hours,
    /// days or weeks, large, up to the longest a `TimeDelta` holds, or one
    /// of the extremes.
    pub(super) fn duration(&mut self) -> TimeDelta {
        let nanos = i64::from(self.nanos());
        let d = match self.byte() % 9 {
            0 => TimeDelta::seconds(i64::from(self.u16())),
            1 => TimeDelta::minutes(i64::from(self.u16())),
            2 => TimeDelta::hours(i64::from(self.byte())),
            3 => TimeDelta::days(i64::from(self.u16() % 4000)),
            4 => TimeDelta::weeks(i64::from(self.byte())),
            5 => TimeDelta::seconds(i64::from(self.u32())),
            6 => TimeDelta::try_milliseconds(i64::try_from(self.u64() >> 1).unwrap_or(0))
                .unwrap_or(TimeDelta::MAX),
            7 => [
                TimeDelta::zero(),
                TimeDelta::nanoseconds(1),
                TimeDelta::MAX,
                TimeDelta::seconds(10_000 * 31_557_600),
            ][self.below(4)],
            _ => TimeDelta::zero(),
        };
        d.checked_add(&TimeDelta::nanoseconds(nanos)).unwrap_or(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::prop;

    #[test]
    fn a_document_is_followed_by_its_bytes() {
        let (value, rest) = document::<Vec<u8>>(b" [1, 2]\x00\xff").unwrap();
        assert_eq!(value.unwrap(), vec![1, 2]);
        assert_eq!(rest, b"\x00\xff");
        assert!(document::<Vec<u8>>(b"x[1]").is_none());
        assert!(document::<Vec<u8>>(b"[1,").unwrap().0.is_err());
    }

    #[test]
    fn bytes_run_out_as_zeros() {
        let mut steer = Steer::new(&[7]);
        assert!(!steer.is_empty());
        assert_eq!(steer.byte(), 7);
        assert!(steer.is_empty());
        assert_eq!(steer.u64(), 0);
        assert_eq!(steer.below(5), 0);
        assert_eq!(steer.duration(), TimeDelta::seconds(0));
    }

    #[test]
    fn instants_reach_chrono_s_extremes_and_leap_seconds() {
        let near = DateTime::from_timestamp(BASE, 0).unwrap();
        let min = Steer::new(&[6, 0, 0, 0, 0, 0]).instant(near);
        assert_eq!(min, DateTime::<Utc>::MIN_UTC);
        let leap = Steer::new(&[250, 0, 0, 0, 0, 0, 0]).instant(near);
        assert!(leap.timestamp_subsec_nanos() >= 1_000_000_000, "{leap:?}");
    }

    #[test]
    fn a_strategy_reads_its_choices_from_the_bytes() {
        let many = prop::collection::vec(0u32..1000, 50);
        let a = draw(&many, &mut runner(&[1, 2, 3]));
        assert_eq!(a, draw(&many, &mut runner(&[1, 2, 3])));
        assert_ne!(a, draw(&many, &mut runner(&[1, 2, 4])));
        assert!(draw(&many, &mut runner(&[])).is_some());
    }
}

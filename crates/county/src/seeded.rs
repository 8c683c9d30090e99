//! Randomness that repeats. Every value the generator makes comes from a ChaCha stream keyed by
//! the spec's seed and a purpose label (and, for a family, its index), so the same spec always
//! gives the same county, and family *i* never depends on families before it.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::{Date, Duration};
use uuid::Uuid;

/// A seeded random stream that also hands out UUIDv7-shaped ids. The ids' timestamps are
/// synthetic (they count up from `next_ms`), so they still sort in the order things were made
/// without reading the real clock.
pub(crate) struct Stream {
    rng: ChaCha8Rng,
    next_ms: u64,
}

impl Stream {
    /// A stream for one purpose: `label` keeps the county's stream and each family's apart even
    /// when their numbers collide.
    pub(crate) fn new(seed: u64, index: u64, label: &[u8; 16], first_ms: u64) -> Self {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        key[8..16].copy_from_slice(&index.to_le_bytes());
        key[16..].copy_from_slice(label);
        Self {
            rng: ChaCha8Rng::from_seed(key),
            next_ms: first_ms,
        }
    }

    /// A fresh id: 80 seeded random bits behind a synthetic millisecond timestamp.
    pub(crate) fn uuid(&mut self) -> Uuid {
        let mut bytes = [0u8; 10];
        self.rng.fill_bytes(&mut bytes);
        let id = uuid::Builder::from_unix_timestamp_millis(self.next_ms, &bytes).into_uuid();
        self.next_ms = self.next_ms.saturating_add(1);
        id
    }

    /// A number in `lo..=hi` (just `lo` if the range is empty).
    pub(crate) fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo { lo } else { self.rng.random_range(lo..=hi) }
    }

    /// True with probability `percent` in 100.
    pub(crate) fn percent(&mut self, percent: u32) -> bool {
        self.rng.random_range(0..100) < percent
    }

    /// Any index below `len` (0 when `len` is 0, so callers must use `get`).
    pub(crate) fn index(&mut self, len: usize) -> usize {
        if len == 0 { 0 } else { self.rng.random_range(0..len) }
    }

    /// One item of a non-empty constant list.
    pub(crate) fn pick<const N: usize>(&mut self, list: &[&'static str; N]) -> &'static str {
        list.get(self.index(N)).copied().unwrap_or_default()
    }

    /// A letter allowed in the inward code of a postcode (never C, I, K, M, O or V).
    pub(crate) fn inward_letter(&mut self) -> char {
        const LETTERS: &[u8; 20] = b"ABDEFGHJLNPQRSTUWXYZ";
        char::from(LETTERS.get(self.index(LETTERS.len())).copied().unwrap_or(b'A'))
    }
}

/// Milliseconds since the Unix epoch at midnight UTC on `date`, or 0 for dates before it: the
/// base of synthetic id timestamps.
pub(crate) fn unix_ms(date: Date) -> u64 {
    u64::try_from(date.midnight().assume_utc().unix_timestamp())
        .unwrap_or(0)
        .saturating_mul(1000)
}

/// `date` moved `days` forward (negative: back), pinned to the calendar's ends rather than
/// panicking.
pub(crate) fn shift(date: Date, days: i64) -> Date {
    date.saturating_add(Duration::days(days))
}

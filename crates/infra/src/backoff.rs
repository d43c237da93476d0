//! `Backoff`: the one retry rule of every path that waits and tries again — the database, the
//! Pyroscope client, the remote SOR clients and the history writer. Exponential, capped, with
//! jitter so that callers who failed together do not retry together.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// How often and how long to wait between tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait before the first retry; doubled before each further one.
    pub base: Duration,
    /// No wait is longer than this.
    pub max_delay: Duration,
    /// Retries after the first try; `u32::MAX` retries for as long as the caller lives.
    pub max_retries: u32,
}

impl Backoff {
    /// No retries at all.
    pub const NONE: Backoff = Backoff {
        base: Duration::ZERO,
        max_delay: Duration::ZERO,
        max_retries: 0,
    };

    /// Whether retry number `retry` (0-based) may still be made.
    pub fn allows(&self, retry: u32) -> bool {
        retry < self.max_retries
    }

    /// The longest wait before retry `retry` (0-based): `base · 2^retry`, capped, never overflowing.
    pub fn ceiling(&self, retry: u32) -> Duration {
        self.base
            .saturating_mul(2u32.saturating_pow(retry.min(31)))
            .min(self.max_delay)
    }

    /// The wait before retry `retry`: between half the ceiling and the ceiling ("equal jitter"),
    /// so a retry is never much earlier than planned and a crowd of them is spread out.
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        let half = ceiling / 2;
        half + half.mul_f64(unit_random())
    }
}

/// A number in `[0, 1)`, different at each call. `RandomState` is seeded randomly per process
/// and its keys change per instance: enough for jitter, without a random-number crate.
fn unit_random() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Backoff {
        Backoff {
            base: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_retries: 3,
        }
    }

    #[test]
    fn the_ceiling_doubles_and_is_capped() {
        let p = policy();
        assert_eq!(p.ceiling(0), Duration::from_millis(100));
        assert_eq!(p.ceiling(2), Duration::from_millis(400));
        assert_eq!(p.ceiling(10), Duration::from_secs(5));
        assert_eq!(p.ceiling(u32::MAX), Duration::from_secs(5));
    }

    #[test]
    fn delays_are_jittered_between_half_the_ceiling_and_the_ceiling() {
        let p = policy();
        let delays: Vec<Duration> = (0..200).map(|_| p.delay(2)).collect();
        assert!(delays
            .iter()
            .all(|d| *d >= Duration::from_millis(200) && *d <= Duration::from_millis(400)));
        let distinct: std::collections::BTreeSet<_> = delays.iter().collect();
        assert!(
            distinct.len() > 100,
            "only {} distinct delays",
            distinct.len()
        );
    }

    #[test]
    fn retries_stop_at_the_maximum() {
        let p = policy();
        assert!(p.allows(0) && p.allows(2));
        assert!(!p.allows(3));
        assert!(!Backoff::NONE.allows(0));
    }
}

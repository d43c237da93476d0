//! What the leak detector (docs/regressions.md#memory-that-only-grows) reads and says: its
//! settings, and the growth it measured of one function's in-use memory.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use pf_model::{SliceSecs, Slices};

/// The leak detector's settings (`[leaks]`, with the watcher's slices and confirmation).
#[derive(Debug, Clone, PartialEq)]
pub struct LeakSettings {
    /// Slices of the window tested (72: six hours of five-minute slices).
    pub window_slices: usize,
    /// Benjamini–Hochberg level over the functions of the newest summary.
    pub fdr: f64,
    /// Smallest growth over the window suspected, bytes.
    pub min_growth_bytes: u64,
    /// Smallest growth over the window suspected, as a fraction of the level at its start.
    pub min_relative: f64,
    /// Slices after a suspicion before it is decided (`watch.confirm_slices`).
    pub confirm_slices: usize,
    /// Most functions a summary keeps: a slice that kept fewer kept every function it saw.
    pub top_functions: usize,
    /// The watcher's slice grid.
    pub slices: Slices,
}

impl LeakSettings {
    /// Summaries an examination passes (newest included): the window, and the slice before it,
    /// which tells whether the window's first slice starts a new segment.
    pub fn history_slices(&self) -> usize {
        self.window_slices.saturating_add(1)
    }
}

impl Default for LeakSettings {
    fn default() -> Self {
        LeakSettings {
            window_slices: 72,
            fdr: 0.01,
            min_growth_bytes: 16 << 20,
            min_relative: 0.5,
            confirm_slices: 3,
            top_functions: 100,
            slices: Slices {
                slice_secs: SliceSecs::FIVE_MINUTES,
                lag_secs: 0,
            },
        }
    }
}

/// One function's in-use memory growing (docs/regressions.md#memory-that-only-grows): the Theil–Sen
/// line fitted to its bytes over the window tested, and when the process reaches its limit at the
/// rate of every leak.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"bytesPerHour": 2.2e9, "low": 2.05e9, "high": 2.31e9,
    "pValue": 3.1e-25, "since": 1_795_520_000, "fitFrom": 1_795_520_900,
    "through": 1_795_542_200, "startBytes": 41_943_040.0, "currentBytes": 13_421_772_800_u64,
    "totalBytes": 14_763_950_080_u64, "limitBytes": 17_179_869_184_u64,
    "limitReachedAt": 1_795_546_160}))]
pub struct Leak {
    /// The slope of the function's in-use bytes, per hour (Theil–Sen).
    pub bytes_per_hour: f64,
    /// Its 95 % interval (from Kendall's statistic), bytes per hour.
    pub low: f64,
    pub high: f64,
    /// Mann–Kendall's two-sided p-value of the trend (tie-corrected), before Benjamini–Hochberg.
    pub p_value: f64,
    /// Start of the window in which the growth was first suspected, epoch seconds: growing
    /// since at least then.
    pub since: i64,
    /// Start of the first slice of the window the line was fitted to.
    pub fit_from: i64,
    /// Start of the newest slice of that window.
    pub through: i64,
    /// The fitted line's level at `fitFrom`, bytes.
    pub start_bytes: f64,
    /// The function's in-use bytes in the newest slice.
    pub current_bytes: u64,
    /// The whole profile's in-use bytes in the newest slice.
    pub total_bytes: u64,
    /// The memory limit known for the app (`leaks.memory_limit_bytes`, or the registry's
    /// `memoryLimitBytes`), bytes.
    pub limit_bytes: Option<u64>,
    /// When the whole profile's in-use reaches `limitBytes` at the summed slopes of the leaks
    /// found with this one, epoch seconds; null without a limit.
    pub limit_reached_at: Option<i64>,
}

impl Leak {
    /// The leak with when `limit` is reached: the newest slice's end plus the time the rest up
    /// to the limit takes at `growth_per_sec` (the summed slopes of every leak of the series,
    /// bytes per second); its end when the limit is reached already.
    pub fn with_limit(mut self, limit: u64, growth_per_sec: f64, slices: Slices) -> Self {
        self.limit_bytes = Some(limit);
        let end = self.through.saturating_add(slices.slice_secs.secs());
        let left = limit.saturating_sub(self.total_bytes) as f64;
        self.limit_reached_at = if left <= 0.0 {
            Some(end)
        } else if growth_per_sec > 0.0 && growth_per_sec.is_finite() {
            let secs = (left / growth_per_sec).ceil();
            (secs < i64::MAX as f64).then(|| end.saturating_add(secs as i64))
        } else {
            None
        };
        self
    }
}

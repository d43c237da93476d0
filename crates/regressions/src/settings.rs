//! The detectors' settings: the regression detector's (docs/regressions.md) read from the watcher's
//! (they live in `[watch]` because the detector reads the watcher's slices), and the leak
//! detector's (docs/regressions.md#memory-that-only-grows, `[leaks]`).

use serde::Deserialize;

use pf_detection::leaks::LeakSettings;
use pf_detection::model::DetectorSettings;
use pf_watch::WatchSettings;

fn count(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// The detector's settings, from the watcher's (`[watch]`: the detector reads its slices).
pub fn detector_settings(watch: &WatchSettings) -> DetectorSettings {
    DetectorSettings {
        reference_slices: count(watch.reference_slices),
        recent_slices: count(watch.recent_slices),
        watched_slices: count(watch.watched_slices),
        confirm_slices: count(watch.confirm_slices.get()),
        cusum_threshold: watch.cusum_threshold,
        cusum_drift: watch.cusum_drift,
        min_delta_points: watch.min_delta_points,
        min_relative: watch.min_relative,
        top_functions: count(watch.top_functions.get()),
        slices: watch.slices(),
        settle_slices: count(watch.settle_slices.get()),
    }
}

/// `[leaks]`: how in-use memory that only grows is found
/// (docs/regressions.md#memory-that-only-grows).
#[derive(Debug, Clone, Deserialize)]
pub struct LeaksConfig {
    /// Slices of the window each in-use function is tested over.
    pub window_slices: u32,
    /// Benjamini–Hochberg level over the functions of the newest summary.
    pub fdr: f64,
    /// Smallest growth over the window suspected, bytes.
    pub min_growth_bytes: u64,
    /// Smallest growth over the window suspected, as a fraction of the level at its start.
    pub min_relative: f64,
    /// The memory limit of every app's in-use total, bytes; an app's registry metadata
    /// `memoryLimitBytes` wins over it.
    #[serde(default)]
    pub memory_limit_bytes: Option<u64>,
}

impl LeaksConfig {
    /// The offending key and why, if any.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if !(8..=10_000).contains(&self.window_slices) {
            return Err(("leaks.window_slices", "must be between 8 and 10000"));
        }
        if !(self.fdr > 0.0 && self.fdr < 1.0) {
            return Err(("leaks.fdr", "must be above 0 and below 1"));
        }
        if !(self.min_relative >= 0.0 && self.min_relative <= 1000.0) {
            return Err(("leaks.min_relative", "must be between 0 and 1000"));
        }
        if self.memory_limit_bytes == Some(0) {
            return Err(("leaks.memory_limit_bytes", "must be above 0"));
        }
        Ok(())
    }
}

/// The leak detector's settings: `[leaks]`, with the watcher's slices and confirmation.
pub fn leak_settings(watch: &WatchSettings, leaks: &LeaksConfig) -> LeakSettings {
    LeakSettings {
        window_slices: count(leaks.window_slices),
        fdr: leaks.fdr,
        min_growth_bytes: leaks.min_growth_bytes,
        min_relative: leaks.min_relative,
        confirm_slices: count(watch.confirm_slices.get()),
        top_functions: count(watch.top_functions.get()),
        slices: watch.slices(),
    }
}

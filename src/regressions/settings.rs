//! The detector's settings (SPEC §15), read from the watcher's (they live in `[watch]` because
//! the detector reads the watcher's slices).

use super::model::DetectorSettings;
use crate::watch::WatchSettings;

impl DetectorSettings {
    /// The detector's settings, from the watcher's (`[watch]`: the detector reads its slices).
    pub fn of(watch: &WatchSettings) -> Self {
        let count = |n: u32| usize::try_from(n).unwrap_or(usize::MAX);
        DetectorSettings {
            reference_slices: count(watch.reference_slices),
            recent_slices: count(watch.recent_slices),
            confirm_slices: count(watch.confirm_slices.get()),
            fdr: watch.fdr,
            min_delta_points: watch.min_delta_points,
            min_relative: watch.min_relative,
            top_functions: count(watch.top_functions.get()),
            slices: watch.slices(),
            settle_slices: count(watch.settle_slices.get()),
        }
    }
}

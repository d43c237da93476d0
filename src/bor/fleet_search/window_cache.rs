//! A window's fleet from the summaries, kept (SPEC §18): every fleet answer of one window
//! reads the same slices, so their merge, the ranking into each app's top functions and the
//! hotspot grouping are done once and shared by the answers that ask for that window within a
//! short time to live; answers asked while it is being loaded wait for that one load.

use std::sync::Arc;
use std::time::Duration;

use super::tops::FleetTops;
use crate::profile::{AppName, ProfileType, TimeWindow};
use crate::sor::coalescing::Coalescing;
use crate::sor::SorError;
use crate::telemetry::Metrics;

/// Most windows kept at once (each is the fleet's top functions of one type and window).
const WINDOWS_KEPT: u64 = 16;

/// What identifies a window's summaries: the type, the slices (as a window on the slice grid)
/// and the apps asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct WindowKey {
    profile_type: ProfileType,
    slices: TimeWindow,
    apps: Option<Vec<AppName>>,
}

/// The kept windows: `None` when the summaries could not answer the window (it is then
/// answered live until the entry expires).
pub(super) struct WindowCache {
    slice_secs: i64,
    windows: Coalescing<WindowKey, Option<Arc<FleetTops>>>,
}

impl WindowCache {
    /// Windows on a grid of `slice_secs` (the watcher's slices), kept for `ttl` (zero: loads in
    /// flight are shared, nothing is kept), counted as `cache_lookups_total{cache="fleet"}`.
    /// A window kept for half its `ttl` is read again by the next answer that asks for it while
    /// the others are still answered from it: a window asked for steadily (a dashboard, the
    /// current hour) never expires under its callers and never makes them all wait for a read.
    pub(super) fn new(slice_secs: i64, ttl: Duration, metrics: Arc<Metrics>) -> Self {
        WindowCache {
            slice_secs: slice_secs.max(1),
            windows: Coalescing::new("fleet", ttl, WINDOWS_KEPT, |_, _| 1, metrics)
                .with_refresh(ttl / 2),
        }
    }

    /// The window holding the same slice starts as `window`, both ends rounded up to the
    /// grid, so that every `window` ending within one slice shares an entry; `None` when it
    /// holds no slice start.
    pub(super) fn slices_of(&self, window: TimeWindow) -> Option<TimeWindow> {
        let up = |t: i64| {
            t.div_euclid(self.slice_secs)
                .saturating_add(i64::from(t.rem_euclid(self.slice_secs) != 0))
                .saturating_mul(self.slice_secs)
        };
        let (from, to) = (up(window.from), up(window.to));
        (from < to).then_some(TimeWindow { from, to })
    }

    /// The kept answer of `slices`, or `load`'s, loaded once for every caller asking meanwhile.
    pub(super) async fn get_or_load<F>(
        &self,
        profile_type: ProfileType,
        slices: TimeWindow,
        apps: Option<Vec<AppName>>,
        load: F,
    ) -> Result<Option<Arc<FleetTops>>, SorError>
    where
        F: std::future::Future<Output = Result<Option<Arc<FleetTops>>, SorError>>,
    {
        let key = WindowKey {
            profile_type,
            slices,
            apps,
        };
        self.windows.get_or_load(key, load).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> WindowCache {
        WindowCache::new(300, Duration::from_secs(30), Metrics::new(None).unwrap())
    }

    #[test]
    fn windows_ending_within_one_slice_hold_the_same_slices() {
        let cache = cache();
        let slices = |from, to| cache.slices_of(TimeWindow { from, to });
        // Slice starts in [3 601, 7 199): 3 900 … 6 900, as in [3 900, 7 200).
        assert_eq!(
            slices(3_601, 7_199),
            Some(TimeWindow {
                from: 3_900,
                to: 7_200
            })
        );
        assert_eq!(
            slices(3_900, 7_200),
            Some(TimeWindow {
                from: 3_900,
                to: 7_200
            })
        );
        // [3 600, 3 601) holds 3 600; [3 601, 3 899) holds none.
        assert_eq!(
            slices(3_600, 3_601),
            Some(TimeWindow {
                from: 3_600,
                to: 3_900
            })
        );
        assert_eq!(slices(3_601, 3_899), None);
        assert_eq!(slices(-301, -1), Some(TimeWindow { from: -300, to: 0 }));
    }
}

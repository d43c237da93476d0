//! A window's fleet from the summaries, kept
//! (docs/profiles-over-time.md#the-fleet-from-the-summaries): every fleet answer of one
//! window reads the same due slices, so their merge, the ranking into each app's top functions and
//! the hotspot grouping are done once and shared by the answers that ask for that window within a
//! short time to live; answers asked while it is being loaded wait for that one load.

use std::sync::Arc;
use std::time::Duration;

use super::tops::FleetTops;
use pf_infra::sor::coalescing::Coalescing;
use pf_infra::sor::SorError;
use pf_infra::telemetry::Metrics;
use pf_model::{AppName, ProfileType, TimeWindow};

/// The memory the kept windows may take, KiB (SPEC §34: caches are bounded in bytes): a window
/// of 10 000 apps' top functions is tens of megabytes, a window of ten apps a few kilobytes.
const WINDOWS_KIB: u64 = 64 * 1024;

/// What identifies a window's summaries: the type, the due slices (as a window on the slice
/// grid: a window asked a little later, once another slice is due, is another entry) and the
/// apps asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct WindowKey {
    profile_type: ProfileType,
    slices: TimeWindow,
    apps: Option<Vec<AppName>>,
}

/// The kept windows: `None` when the summaries could not answer the window (it is then
/// answered live until the entry expires).
pub(super) struct WindowCache {
    windows: Coalescing<WindowKey, Option<Arc<FleetTops>>>,
}

/// What a kept window weighs, KiB (at least 1).
fn window_kib(_: &WindowKey, window: &Option<Arc<FleetTops>>) -> u32 {
    let bytes = window.as_ref().map_or(0, |w| w.heap_bytes());
    u32::try_from(bytes.div_ceil(1024))
        .unwrap_or(u32::MAX)
        .max(1)
}

impl WindowCache {
    /// Windows kept for `ttl` (zero: loads in flight are shared, nothing is kept), counted as
    /// `cache_lookups_total{cache="fleet"}`. A window kept for half its `ttl` is read again by
    /// the next answer that asks for it while the others are still answered from it: a window
    /// asked for steadily (a dashboard, the current hour) never expires under its callers and
    /// never makes them all wait for a read.
    pub(super) fn new(ttl: Duration, metrics: Arc<Metrics>) -> Self {
        WindowCache {
            windows: Coalescing::new("fleet", ttl, WINDOWS_KIB, window_kib, metrics)
                .with_refresh(ttl / 2),
        }
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
    use crate::scoring::AppTop;
    use crate::tops::Tops;
    use pf_model::FunctionStat;

    fn window(apps: usize, functions: usize) -> Option<Arc<FleetTops>> {
        let tops = (0..apps)
            .map(|a| {
                let functions = (0..functions)
                    .map(|f| FunctionStat {
                        name: format!("com.example.service{a}.Handler.method{f}"),
                        self_percent: 1.0,
                        self_samples: 10,
                        total_samples: 10,
                        part_self_samples: Vec::new(),
                    })
                    .collect();
                AppTop::new(format!("app-{a}"), functions)
            })
            .collect();
        Some(Arc::new(FleetTops::new(Tops {
            tops,
            queried: apps,
            failed: Vec::new(),
            basis: None,
        })))
    }

    #[test]
    fn a_window_weighs_its_bytes_so_a_few_fleet_sized_ones_fill_the_cache() {
        let key = WindowKey {
            profile_type: ProfileType::Cpu,
            slices: TimeWindow { from: 0, to: 300 },
            apps: None,
        };
        let small = window_kib(&key, &window(10, 50));
        let fleet = window_kib(&key, &window(10_000, 50));
        assert!(small < 200, "{small} KiB");
        // 500 000 functions of ~40-byte names and their figures: tens of megabytes, so that
        // the cache keeps a handful of them, not sixteen.
        assert!(fleet > 20 * 1024, "{fleet} KiB");
        assert!(u64::from(fleet) * 4 > WINDOWS_KIB, "{fleet} KiB");
        assert_eq!(window_kib(&key, &None), 1);
    }
}

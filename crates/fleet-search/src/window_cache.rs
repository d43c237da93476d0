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

/// Most windows kept at once (each is the fleet's top functions of one type and window).
const WINDOWS_KEPT: u64 = 16;

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

impl WindowCache {
    /// Windows kept for `ttl` (zero: loads in flight are shared, nothing is kept), counted as
    /// `cache_lookups_total{cache="fleet"}`. A window kept for half its `ttl` is read again by
    /// the next answer that asks for it while the others are still answered from it: a window
    /// asked for steadily (a dashboard, the current hour) never expires under its callers and
    /// never makes them all wait for a read.
    pub(super) fn new(ttl: Duration, metrics: Arc<Metrics>) -> Self {
        WindowCache {
            windows: Coalescing::new("fleet", ttl, WINDOWS_KEPT, |_, _| 1, metrics)
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

//! How fleet search starts: its settings and what it needs from other capabilities.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::FleetSearchService;
use pf_infra::durations;
use pf_infra::telemetry::Metrics;
use pf_model::Slices;
use pf_profiles::ProfileDataSor;
use pf_registry::RegistrySor;
use pf_watch::FleetSummarySor;

/// Fleet Search: how many apps are queried at once and how long each may take.
#[derive(Debug, Clone, Deserialize)]
pub struct FleetSettings {
    pub concurrency: NonZeroUsize,
    #[serde(deserialize_with = "durations::positive_secs")]
    pub app_timeout_secs: Duration,
    /// How long a window read from the watcher's summaries is kept for other answers of the
    /// same window (0: only answers asked while it loads share it).
    #[serde(deserialize_with = "durations::secs")]
    pub summaries_cache_secs: Duration,
}

/// What fleet search reads: profiles, and where present the registry and the watcher's
/// summaries (cut into `slices`).
pub struct FleetNeeds {
    pub profiles: Arc<dyn ProfileDataSor>,
    pub registry: Option<Arc<dyn RegistrySor>>,
    pub summaries: Option<Arc<dyn FleetSummarySor>>,
    pub slices: Slices,
    pub metrics: Arc<Metrics>,
}

/// The fleet search service of `settings`.
pub fn start(settings: &FleetSettings, needs: FleetNeeds) -> FleetSearchService {
    FleetSearchService::new(
        needs.profiles,
        needs.registry,
        settings.concurrency.get(),
        settings.app_timeout_secs,
    )
    .with_summaries(needs.summaries, needs.slices)
    .keeping_windows(settings.summaries_cache_secs, needs.metrics)
}

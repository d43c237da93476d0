//! `FleetSearchService`: searches and ranks the fleet's top functions, from the watcher's
//! summaries or live (see `gather`), and (v2) adds ownership from the registry.

use std::sync::Arc;
use std::time::Duration;

use super::gather::FleetSources;
use super::model::{HotspotRequest, SearchRequest};
use super::report::{Hotspot, HotspotReport, HotspotService, SearchMatch, SearchReport};
use super::scoring;
use super::window_cache::WindowCache;
use pf_http::secrets::shown_channel;
use pf_infra::sor::SorError;
use pf_infra::telemetry::Metrics;
use pf_model::Slices;
use pf_profiles::ProfileDataSor;
use pf_registry::{RegistrySor, Tier};
use pf_watch::FleetSummarySor;

/// Fleet Search, v1 (profiles only) or v2 (with the registry when it can reach it).
pub struct FleetSearchService {
    sources: FleetSources,
}

impl FleetSearchService {
    pub fn new(
        profiles: Arc<dyn ProfileDataSor>,
        registry: Option<Arc<dyn RegistrySor>>,
        concurrency: usize,
        app_timeout: Duration,
    ) -> Self {
        FleetSearchService {
            sources: FleetSources {
                profiles,
                registry,
                summaries: None,
                grid: None,
                cache: None,
                concurrency: concurrency.max(1),
                app_timeout,
            },
        }
    }

    /// Answers from the watcher's summaries when it runs
    /// (docs/profiles-over-time.md#the-fleet-from-the-summaries), for the windows whose due
    /// slices of `grid` (the watcher's) they cover
    /// (docs/profiles-over-time.md#whole-or-live).
    pub fn with_summaries(
        mut self,
        summaries: Option<Arc<dyn FleetSummarySor>>,
        grid: Slices,
    ) -> Self {
        self.sources.summaries = summaries;
        self.sources.grid = Some(grid);
        self
    }

    /// Keeps each window read from the summaries for `ttl`, so that the answers of one
    /// window share its merge; zero shares only loads in flight.
    pub fn keeping_windows(mut self, ttl: Duration, metrics: Arc<Metrics>) -> Self {
        self.sources.cache = Some(WindowCache::new(ttl, metrics));
        self
    }

    /// `GET /search`.
    ///
    /// # Errors
    /// Only app discovery failing; a failing app is listed in `failedApps`.
    pub async fn search(&self, req: &SearchRequest) -> Result<SearchReport, SorError> {
        let gathered = self.sources.gather(&req.scope).await?;
        let matches: Vec<SearchMatch> = scoring::search(&req.function, gathered.tops())
            .into_iter()
            .map(|(app, f)| {
                let service = gathered.registry.as_ref().and_then(|r| r.get(app));
                let bound = gathered.bound(app);
                SearchMatch {
                    app: app.to_owned(),
                    function: f.name.clone(),
                    self_percent: f.self_percent,
                    self_samples: f.self_samples,
                    team_owner: service.map(|s| s.team_owner.clone()),
                    tier: service.map(|s| s.tier),
                    // A webhook's secret is its path: a search shows no one more than a reader
                    // sees (docs/alerting.md#webhooks-stay-secret).
                    notification_channel: service
                        .map(|s| s.notification_channel.as_deref().map(shown_channel)),
                    max_error_samples: bound.map(|b| b.samples),
                    max_error_percent: bound.map(|b| b.percent),
                }
            })
            .collect();
        Ok(SearchReport {
            query: req.function.clone(),
            profile_type: req.scope.profile_type,
            from: req.scope.window.from,
            to: req.scope.window.to,
            labels: req.scope.labels.clone(),
            match_count: matches.len(),
            matches,
            apps_queried: gathered.queried(),
            provenance: gathered.provenance(),
            failed_apps: gathered.failed(),
        })
    }

    /// `GET /fleet/hotspots`.
    ///
    /// # Errors
    /// Only app discovery failing; a failing app is listed in `failedApps`.
    pub async fn hotspots(&self, req: &HotspotRequest) -> Result<HotspotReport, SorError> {
        let gathered = self.sources.gather(&req.scope).await?;
        let registry = gathered.registry.as_ref();
        let hotspots = gathered
            .fleet
            .hotspots(req.limit as usize)
            .iter()
            .map(|h| {
                let services: Vec<HotspotService> = h
                    .services
                    .iter()
                    .map(|(app, self_percent)| {
                        let service = registry.and_then(|r| r.get(app));
                        HotspotService {
                            max_error_percent: gathered.bound(app).map(|b| b.percent),
                            team_owner: service.map(|s| s.team_owner.clone()),
                            tier: service.map(|s| s.tier),
                            app: app.clone(),
                            self_percent: *self_percent,
                        }
                    })
                    .collect();
                let critical_service_count = registry.map(|_| {
                    services
                        .iter()
                        .filter(|s| s.tier == Some(Tier::Critical))
                        .count()
                });
                Hotspot {
                    function: h.function.clone(),
                    service_count: services.len(),
                    max_self_percent: h.max_self_percent,
                    impact_score: h.impact_score,
                    critical_service_count,
                    services,
                }
            })
            .collect();
        Ok(HotspotReport {
            profile_type: req.scope.profile_type,
            from: req.scope.window.from,
            to: req.scope.window.to,
            labels: req.scope.labels.clone(),
            apps_queried: gathered.queried(),
            provenance: gathered.provenance(),
            failed_apps: gathered.failed(),
            hotspots,
        })
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;

//! `FleetSearchService`: queries many apps at once (bounded, with a per-app timeout), searches
//! and ranks their top functions, and (v2) adds ownership from the registry.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};

use super::model::{
    FailedApp, FleetScope, Hotspot, HotspotReport, HotspotRequest, HotspotService, SearchMatch,
    SearchReport, SearchRequest,
};
use super::scoring::{self, AppTop, TOP_FUNCTIONS};
use crate::bor::shown_error;
use crate::profile::AppName;
use crate::sor::profile_data::ProfileQuery;
use crate::sor::registry::{Service, Tier};
use crate::sor::{ProfileDataSor, RegistrySor, SorError};

/// Fleet Search, v1 (profiles only) or v2 (with the registry when it can reach it).
pub struct FleetSearchService {
    profiles: Arc<dyn ProfileDataSor>,
    registry: Option<Arc<dyn RegistrySor>>,
    concurrency: usize,
    app_timeout: Duration,
}

/// The apps' top functions, the apps that failed, and the registry (v2, when readable).
struct Gathered {
    tops: Vec<AppTop>,
    queried: usize,
    failed: Vec<FailedApp>,
    registry: Option<HashMap<String, Service>>,
}

impl FleetSearchService {
    pub fn new(
        profiles: Arc<dyn ProfileDataSor>,
        registry: Option<Arc<dyn RegistrySor>>,
        concurrency: usize,
        app_timeout: Duration,
    ) -> Self {
        FleetSearchService {
            profiles,
            registry,
            concurrency: concurrency.max(1),
            app_timeout,
        }
    }

    /// `GET /search`.
    ///
    /// # Errors
    /// Only app discovery failing; a failing app is listed in `failedApps`.
    pub async fn search(&self, req: &SearchRequest) -> Result<SearchReport, SorError> {
        let gathered = self.gather(&req.scope).await?;
        let matches: Vec<SearchMatch> = scoring::search(&req.function, &gathered.tops)
            .into_iter()
            .map(|(app, f)| {
                let service = gathered.registry.as_ref().and_then(|r| r.get(app));
                SearchMatch {
                    app: app.to_owned(),
                    function: f.name.clone(),
                    self_percent: f.self_percent,
                    self_samples: f.self_samples,
                    team_owner: service.map(|s| s.team_owner.clone()),
                    tier: service.map(|s| s.tier),
                    notification_channel: service.map(|s| s.notification_channel.clone()),
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
            apps_queried: gathered.queried,
            failed_apps: gathered.failed,
        })
    }

    /// `GET /fleet/hotspots`.
    ///
    /// # Errors
    /// Only app discovery failing; a failing app is listed in `failedApps`.
    pub async fn hotspots(&self, req: &HotspotRequest) -> Result<HotspotReport, SorError> {
        let gathered = self.gather(&req.scope).await?;
        let registry = gathered.registry.as_ref();
        let hotspots = scoring::hotspots(&gathered.tops, req.limit as usize)
            .into_iter()
            .map(|h| {
                let services: Vec<HotspotService> = h
                    .services
                    .into_iter()
                    .map(|(app, self_percent)| {
                        let service = registry.and_then(|r| r.get(&app));
                        HotspotService {
                            team_owner: service.map(|s| s.team_owner.clone()),
                            tier: service.map(|s| s.tier),
                            app,
                            self_percent,
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
                    function: h.function,
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
            apps_queried: gathered.queried,
            failed_apps: gathered.failed,
            hotspots,
        })
    }

    /// Discovers the apps (unless named) while reading the registry, then reads every app's
    /// top functions, at most `concurrency` at a time, each within `app_timeout`. The outcome
    /// is sorted by app, so it never depends on which app answered first.
    async fn gather(&self, scope: &FleetScope) -> Result<Gathered, SorError> {
        let apps = async {
            match &scope.apps {
                Some(apps) => Ok(apps.iter().map(ToString::to_string).collect()),
                None => self.profiles.apps(scope.window).await,
            }
        };
        let (apps, registry) = tokio::join!(apps, self.registry());
        let mut apps: Vec<String> = apps?;
        apps.sort();
        apps.dedup();
        let mut outcomes: Vec<(String, Result<AppTop, String>)> =
            stream::iter(apps.iter().cloned())
                .map(|app| async move {
                    let outcome = self.top_functions(&app, scope).await;
                    (app, outcome)
                })
                .buffer_unordered(self.concurrency)
                .collect()
                .await;
        outcomes.sort_by(|(a, _), (b, _)| a.cmp(b));
        let mut tops = Vec::with_capacity(outcomes.len());
        let mut failed = Vec::new();
        for (app, outcome) in outcomes {
            match outcome {
                Ok(top) => tops.push(top),
                Err(error) => failed.push(FailedApp { app, error }),
            }
        }
        Ok(Gathered {
            tops,
            queried: apps.len(),
            failed,
            registry,
        })
    }

    async fn top_functions(&self, app: &str, scope: &FleetScope) -> Result<AppTop, String> {
        // Discovered names come from Pyroscope; one it cannot be asked about fails alone.
        let name: AppName = app
            .parse()
            .map_err(|e: crate::profile::InputError| e.to_string())?;
        let query = ProfileQuery {
            app: name,
            profile_type: scope.profile_type,
            window: scope.window,
            limit: TOP_FUNCTIONS as u32,
            labels: scope.labels.clone(),
        };
        match tokio::time::timeout(self.app_timeout, self.profiles.profile(query)).await {
            Ok(Ok(profile)) => Ok(AppTop::new(app.to_owned(), profile.functions)),
            Ok(Err(e)) => Err(shown_error(&e)),
            Err(_) => Err(format!(
                "no answer within {}s",
                self.app_timeout.as_secs_f64()
            )),
        }
    }

    /// Registered services by app; `None` in v1 or when the registry fails.
    async fn registry(&self) -> Option<HashMap<String, Service>> {
        let registry = self.registry.as_ref()?;
        match registry.list(None).await {
            Ok(services) => Some(
                services
                    .into_iter()
                    .map(|s| (s.app_name.clone(), s))
                    .collect(),
            ),
            Err(e) => {
                tracing::warn!(error = %e, "registry unavailable; answering without ownership");
                None
            }
        }
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;

//! Where a fleet answer's numbers come from: the watcher's summaries of the window in one read
//! (SPEC §18), or one Profile Data query per app (bounded, each with a timeout); and the
//! registry, read once beside either.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};

use super::model::{FleetScope, SourceChoice};
use super::report::{ErrorBound, FailedApp, FleetSource, Provenance};
use super::scoring::{AppTop, TOP_FUNCTIONS};
use super::tops::{FleetTops, SummaryBasis, Tops};
use super::window_cache::WindowCache;
use crate::bor::shown_error;
use crate::profile::fleet_window::{AppWindow, FleetQuery};
use crate::profile::{percent_of, AppName, FunctionStat, TimeWindow};
use crate::sor::profile_data::ProfileQuery;
use crate::sor::registry::Service;
use crate::sor::{FleetSummarySor, ProfileDataSor, RegistrySor, SorError};

/// The SORs a fleet answer reads.
pub(super) struct FleetSources {
    pub(super) profiles: Arc<dyn ProfileDataSor>,
    pub(super) registry: Option<Arc<dyn RegistrySor>>,
    /// The watcher's summaries, when it runs (in-process or at `WATCH_URL`).
    pub(super) summaries: Option<Arc<dyn FleetSummarySor>>,
    /// Windows read from the summaries, kept for other answers of the same window.
    pub(super) cache: Option<WindowCache>,
    pub(super) concurrency: usize,
    pub(super) app_timeout: Duration,
}

/// The apps' top functions (shared with other answers of the window when they come from the
/// summaries) and the registry (v2, when readable).
pub(super) struct Gathered {
    pub(super) fleet: Arc<FleetTops>,
    pub(super) registry: Option<HashMap<String, Service>>,
}

impl Gathered {
    /// The apps' top functions, sorted by app.
    pub(super) fn tops(&self) -> &[AppTop] {
        &self.fleet.tops.tops
    }

    /// How many apps were asked.
    pub(super) fn queried(&self) -> usize {
        self.fleet.tops.queried
    }

    /// The apps that failed (live only).
    pub(super) fn failed(&self) -> Vec<FailedApp> {
        self.fleet.tops.failed.clone()
    }

    /// Where the answer comes from: the summaries (their slices, the largest bound of any
    /// app) or Pyroscope.
    pub(super) fn provenance(&self) -> Provenance {
        match &self.fleet.tops.basis {
            Some(basis) => Provenance {
                source: FleetSource::Summaries,
                slices: Some(basis.slices.clone()),
                max_error_percent: Some(
                    basis.bounds.values().map(|b| b.percent).fold(0.0, f64::max),
                ),
            },
            None => Provenance {
                source: FleetSource::Live,
                slices: None,
                max_error_percent: None,
            },
        }
    }

    /// `app`'s bound, when answered from the summaries.
    pub(super) fn bound(&self, app: &str) -> Option<ErrorBound> {
        self.fleet.tops.basis.as_ref()?.bounds.get(app).copied()
    }
}

impl FleetSources {
    /// The apps' top functions (from the summaries when `scope` allows and the window has
    /// some, else live) while the registry is read.
    ///
    /// # Errors
    /// Only app discovery failing (live); a failing app is listed in `failedApps`.
    pub(super) async fn gather(&self, scope: &FleetScope) -> Result<Gathered, SorError> {
        let (fleet, registry) = tokio::join!(self.tops(scope), self.registry());
        Ok(Gathered {
            fleet: fleet?,
            registry,
        })
    }

    async fn tops(&self, scope: &FleetScope) -> Result<Arc<FleetTops>, SorError> {
        match self.summarized(scope).await {
            Some(fleet) => Ok(fleet),
            None => Ok(Arc::new(FleetTops::new(self.live(scope).await?))),
        }
    }

    /// The summaries' answer; `None` (answer live) when asked for live, when label matchers
    /// are given (summaries are per app, not per label), when the watcher does not run or
    /// fails, or when the window has no summary of some app asked for (of any app, when
    /// none is named). Kept per window when a cache is set.
    async fn summarized(&self, scope: &FleetScope) -> Option<Arc<FleetTops>> {
        if scope.source == SourceChoice::Live || !scope.labels.is_empty() {
            return None;
        }
        let summaries = self.summaries.as_ref()?;
        let loaded = match &self.cache {
            None => read_summaries(summaries.as_ref(), scope, scope.window).await,
            Some(cache) => {
                let slices = cache.slices_of(scope.window)?;
                let load = read_summaries(summaries.as_ref(), scope, slices);
                let (profile_type, apps) = (scope.profile_type, scope.apps.clone());
                cache.get_or_load(profile_type, slices, apps, load).await
            }
        };
        loaded.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the watcher's summaries are unavailable; answering live");
            None
        })
    }

    /// Discovers the apps (unless named), then reads every app's top functions, at most
    /// `concurrency` at a time, each within `app_timeout`. The outcome is sorted by app, so it
    /// never depends on which app answered first.
    async fn live(&self, scope: &FleetScope) -> Result<Tops, SorError> {
        let mut apps: Vec<String> = match &scope.apps {
            Some(apps) => apps.iter().map(ToString::to_string).collect(),
            None => self.profiles.apps(scope.window).await?,
        };
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
        Ok(Tops {
            tops,
            queried: apps.len(),
            failed,
            basis: None,
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

    /// Registered services by app, in one read; `None` in v1 or when the registry fails.
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

/// The summaries of `scope`'s apps and type whose slices start in `window`, ranked; `None`
/// when they do not cover the apps asked for.
async fn read_summaries(
    summaries: &dyn FleetSummarySor,
    scope: &FleetScope,
    window: TimeWindow,
) -> Result<Option<Arc<FleetTops>>, SorError> {
    let query = FleetQuery {
        profile_type: scope.profile_type,
        window,
        apps: scope.apps.clone(),
        top: TOP_FUNCTIONS as u32,
    };
    let windows = summaries.fleet(query).await?;
    let complete = match &scope.apps {
        Some(apps) => apps.len() == windows.len(),
        None => !windows.is_empty(),
    };
    if !complete {
        return Ok(None);
    }
    // Ranking and grouping a fleet is CPU work: on the blocking pool, not the asker's thread.
    let fleet = tokio::task::spawn_blocking(move || {
        let fleet = FleetTops::new(tops_of(windows));
        fleet.hotspots(usize::MAX);
        fleet
    })
    .await
    .map_err(|e| SorError::Unavailable(format!("ranking the fleet failed: {e}")))?;
    Ok(Some(Arc::new(fleet)))
}

/// The apps' merged summaries as the same ranked tops a live query gives: shares from the
/// summed integer counts, as a live profile computes them.
fn tops_of(windows: Vec<AppWindow>) -> Tops {
    let mut slices: Vec<i64> = windows.iter().flat_map(|w| w.slices.clone()).collect();
    slices.sort_unstable();
    slices.dedup();
    let mut bounds = HashMap::with_capacity(windows.len());
    let mut tops = Vec::with_capacity(windows.len());
    for window in windows {
        let total = window.total_samples;
        bounds.insert(
            window.app.clone(),
            ErrorBound {
                samples: window.max_error_samples,
                percent: percent_of(window.max_error_samples, total),
            },
        );
        let functions = window
            .functions
            .into_iter()
            .map(|f| FunctionStat {
                self_percent: percent_of(f.self_samples, total),
                name: f.name,
                self_samples: f.self_samples,
                total_samples: f.total_samples,
                part_self_samples: Vec::new(),
            })
            .collect();
        tops.push(AppTop::new(window.app, functions));
    }
    tops.sort_by(|a, b| a.app.cmp(&b.app));
    Tops {
        queried: tops.len(),
        tops,
        failed: Vec::new(),
        basis: Some(SummaryBasis { slices, bounds }),
    }
}

#[cfg(test)]
#[path = "gather_tests.rs"]
mod tests;

//! Where a fleet answer's numbers come from: the watcher's summaries of the window in one read
//! (docs/profiles-over-time.md#the-fleet-from-the-summaries), or one Profile Data query per
//! app (bounded, each with a timeout); and the registry, read once beside either.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};

use super::model::{FleetScope, SourceChoice};
use super::report::{ErrorBound, FailedApp, FleetSource, Provenance};
use super::scoring::{AppTop, TOP_FUNCTIONS};
use super::summarized::SummaryRead;
use super::tops::{FleetTops, Tops};
use super::window_cache::WindowCache;
use pf_infra::sor::{shown_error, SorError};
use pf_model::{AppName, Slices};
use pf_profiles::{ProfileDataSor, ProfileQuery};
use pf_registry::{RegistrySor, Service};
use pf_watch::FleetSummarySor;

/// The SORs a fleet answer reads.
pub(super) struct FleetSources {
    pub(super) profiles: Arc<dyn ProfileDataSor>,
    pub(super) registry: Option<Arc<dyn RegistrySor>>,
    /// The watcher's summaries, when it runs (in-process or at `WATCH_URL`).
    pub(super) summaries: Option<Arc<dyn FleetSummarySor>>,
    /// The watcher's slices: which of a window's slices it has had its turn at.
    pub(super) grid: Option<Slices>,
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

    /// The apps that failed.
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

    /// The summaries' answer (docs/profiles-over-time.md#the-fleet-from-the-summaries,
    /// docs/profiles-over-time.md#whole-or-live); `None` (answer live) when asked for
    /// live, when label matchers are given (summaries are per app, not per label), when the
    /// watcher does not run or fails, when no slice of the window is due yet, or when the summaries
    /// do not cover every due slice of every app asked (of every app Profile Data lists in the
    /// window, when none is named). Kept per window when a cache is set.
    async fn summarized(&self, scope: &FleetScope) -> Option<Arc<FleetTops>> {
        if scope.source == SourceChoice::Live || !scope.labels.is_empty() {
            return None;
        }
        let summaries = self.summaries.as_ref()?;
        let grid = self.grid?;
        let slices = grid.due_in(scope.window, chrono::Utc::now().timestamp())?;
        let read = SummaryRead {
            profiles: self.profiles.as_ref(),
            summaries: summaries.as_ref(),
            grid,
            scope,
            slices,
        };
        let loaded = match &self.cache {
            None => read.answer().await,
            Some(cache) => {
                let (profile_type, apps) = (scope.profile_type, scope.apps.clone());
                cache
                    .get_or_load(profile_type, slices, apps, read.answer())
                    .await
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
                Err(error) => failed.push(FailedApp {
                    app,
                    error,
                    missing_slices: None,
                }),
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
            .map_err(|e: pf_model::InputError| e.to_string())?;
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

#[cfg(test)]
#[path = "gather_tests.rs"]
mod tests;

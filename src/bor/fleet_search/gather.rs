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
use crate::bor::shown_error;
use crate::profile::fleet_window::{AppWindow, FleetQuery};
use crate::profile::{percent_of, AppName, FunctionStat};
use crate::sor::profile_data::ProfileQuery;
use crate::sor::registry::Service;
use crate::sor::{FleetSummarySor, ProfileDataSor, RegistrySor, SorError};

/// The SORs a fleet answer reads.
pub(super) struct FleetSources {
    pub(super) profiles: Arc<dyn ProfileDataSor>,
    pub(super) registry: Option<Arc<dyn RegistrySor>>,
    /// The watcher's summaries, when it runs (in-process or at `WATCH_URL`).
    pub(super) summaries: Option<Arc<dyn FleetSummarySor>>,
    pub(super) concurrency: usize,
    pub(super) app_timeout: Duration,
}

/// The apps' top functions, the apps that failed, where they came from, and the registry (v2,
/// when readable).
pub(super) struct Gathered {
    pub(super) tops: Vec<AppTop>,
    pub(super) queried: usize,
    pub(super) failed: Vec<FailedApp>,
    pub(super) registry: Option<HashMap<String, Service>>,
    /// `Some` when answered from the summaries.
    pub(super) basis: Option<SummaryBasis>,
}

/// What an answer from the summaries rests on.
pub(super) struct SummaryBasis {
    /// The slices read, ascending.
    pub(super) slices: Vec<i64>,
    /// Each app's bound.
    pub(super) bounds: HashMap<String, ErrorBound>,
}

impl Gathered {
    /// Where the answer comes from: the summaries (their slices, the largest bound of any
    /// app) or Pyroscope.
    pub(super) fn provenance(&self) -> Provenance {
        match &self.basis {
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
        self.basis.as_ref()?.bounds.get(app).copied()
    }
}

/// The apps' top functions: where they came from, and the outcome sorted by app.
struct Tops {
    tops: Vec<AppTop>,
    queried: usize,
    failed: Vec<FailedApp>,
    basis: Option<SummaryBasis>,
}

impl FleetSources {
    /// The apps' top functions (from the summaries when `scope` allows and the window has
    /// some, else live) while the registry is read.
    ///
    /// # Errors
    /// Only app discovery failing (live); a failing app is listed in `failedApps`.
    pub(super) async fn gather(&self, scope: &FleetScope) -> Result<Gathered, SorError> {
        let (tops, registry) = tokio::join!(self.tops(scope), self.registry());
        let tops = tops?;
        Ok(Gathered {
            tops: tops.tops,
            queried: tops.queried,
            failed: tops.failed,
            registry,
            basis: tops.basis,
        })
    }

    async fn tops(&self, scope: &FleetScope) -> Result<Tops, SorError> {
        match self.summarized(scope).await {
            Some(tops) => Ok(tops),
            None => self.live(scope).await,
        }
    }

    /// The summaries' answer; `None` (answer live) when asked for live, when label matchers
    /// are given (summaries are per app, not per label), when the watcher does not run or
    /// fails, or when the window has no summary of some app asked for (of any app, when
    /// none is named).
    async fn summarized(&self, scope: &FleetScope) -> Option<Tops> {
        if scope.source == SourceChoice::Live || !scope.labels.is_empty() {
            return None;
        }
        let summaries = self.summaries.as_ref()?;
        let query = FleetQuery {
            profile_type: scope.profile_type,
            window: scope.window,
            apps: scope.apps.clone(),
            top: TOP_FUNCTIONS as u32,
        };
        let windows = match summaries.fleet(query).await {
            Ok(windows) => windows,
            Err(e) => {
                tracing::warn!(error = %e, "the watcher's summaries are unavailable; answering live");
                return None;
            }
        };
        let complete = match &scope.apps {
            Some(apps) => apps.len() == windows.len(),
            None => !windows.is_empty(),
        };
        complete.then(|| tops_of(windows))
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

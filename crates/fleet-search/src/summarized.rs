//! A fleet answer from the watcher's summaries
//! (docs/profiles-over-time.md#the-fleet-from-the-summaries), given only where they cover
//! its window (docs/profiles-over-time.md#whole-or-live): every due slice of the window
//! worked for every app asked, or, none named, for every app Profile Data lists there (one list
//! call). An app whose slices the watcher tried and could not read is named in `failedApps` with
//! them; any other gap answers live.

use std::collections::HashMap;
use std::sync::Arc;

use super::model::FleetScope;
use super::report::{ErrorBound, FailedApp};
use super::scoring::{AppTop, TOP_FUNCTIONS};
use super::tops::{FleetTops, SummaryBasis, Tops};
use pf_infra::sor::SorError;
use pf_model::{percent_of, FunctionStat, Slices, TimeWindow};
use pf_profiles::ProfileDataSor;
use pf_watch::{covered, AppWindow, CoverageQuery, Covered, FleetQuery, FleetSummarySor};

/// One read of a window from the summaries.
pub(super) struct SummaryRead<'a> {
    pub(super) profiles: &'a dyn ProfileDataSor,
    pub(super) summaries: &'a dyn FleetSummarySor,
    pub(super) grid: Slices,
    pub(super) scope: &'a FleetScope,
    /// The due slices of the scope's window (on the grid).
    pub(super) slices: TimeWindow,
}

impl SummaryRead<'_> {
    /// The apps' tops from the summaries of the due slices, ranked; `None` when the summaries
    /// do not cover them.
    pub(super) async fn answer(self) -> Result<Option<Arc<FleetTops>>, SorError> {
        let scope = self.scope;
        let mut apps: Vec<String> = match &scope.apps {
            Some(apps) => apps.iter().map(ToString::to_string).collect(),
            None => self.profiles.apps(scope.window).await?,
        };
        apps.sort();
        apps.dedup();
        let starts = self.grid.starts(self.slices);
        let coverage = self
            .summaries
            .coverage(CoverageQuery {
                profile_type: scope.profile_type,
                slices: self.slices,
                apps: scope.apps.clone(),
            })
            .await?;
        let (answered, failed) = match covered(&apps, starts.len(), coverage) {
            Covered::Whole { answered, failed } => (answered, failed),
            Covered::Gap { app } => {
                tracing::debug!(app, "the summaries do not cover the window; answering live");
                return Ok(None);
            }
        };
        let windows = self
            .summaries
            .fleet(FleetQuery {
                profile_type: scope.profile_type,
                window: self.slices,
                apps: scope.apps.clone(),
                top: TOP_FUNCTIONS as u32,
            })
            .await?;
        // Ranking and grouping a fleet is CPU work: on the blocking pool, not the asker's thread.
        let fleet = tokio::task::spawn_blocking(move || {
            let fleet = FleetTops::new(tops_of(windows, answered, failed, starts));
            fleet.hotspots(usize::MAX);
            fleet
        })
        .await
        .map_err(|e| SorError::Unavailable(format!("ranking the fleet failed: {e}")))?;
        Ok(Some(Arc::new(fleet)))
    }
}

/// The `answered` apps' merged summaries as the same ranked tops a live query gives (shares
/// from the summed integer counts, as a live profile computes them; an app without a profile
/// in the window has no function), and the `failed` apps with the slices they lack.
fn tops_of(
    windows: Vec<AppWindow>,
    answered: Vec<String>,
    failed: Vec<(String, Vec<i64>)>,
    slices: Vec<i64>,
) -> Tops {
    let mut read: HashMap<String, AppWindow> =
        windows.into_iter().map(|w| (w.app.clone(), w)).collect();
    let mut bounds = HashMap::with_capacity(answered.len());
    let mut tops = Vec::with_capacity(answered.len());
    for app in answered {
        let Some(window) = read.remove(&app) else {
            tops.push(AppTop::new(app, Vec::new()));
            continue;
        };
        let total = window.total_samples;
        bounds.insert(
            app.clone(),
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
        tops.push(AppTop::new(app, functions));
    }
    tops.sort_by(|a, b| a.app.cmp(&b.app));
    let failed: Vec<FailedApp> = failed
        .into_iter()
        .map(|(app, missing)| FailedApp {
            error: format!(
                "the profile watcher could not read {} of the window's {} slice(s)",
                missing.len(),
                slices.len()
            ),
            app,
            missing_slices: Some(missing),
        })
        .collect();
    Tops {
        queried: tops.len() + failed.len(),
        tops,
        failed,
        basis: Some(SummaryBasis { slices, bounds }),
    }
}

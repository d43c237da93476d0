//! How the diff report starts: its settings and what it needs from other capabilities.

use std::sync::Arc;

use serde::Deserialize;

use super::{DiffReportService, Judgement};
use pf_baselines::BaselineSor;
use pf_commits::{CommitNamer, RepositorySettings};
use pf_history::HistoryRecorder;
use pf_profiles::ProfileDataSor;

/// Diff Report: when a regression alone turns the verdict to `warn`.
#[derive(Debug, Clone, Deserialize)]
pub struct DiffSettings {
    pub warn_regression_points: f64,
    /// The false discovery rate of the tests of docs/api.md#how-sure-is-a-diff
    /// (Benjamini–Hochberg).
    pub fdr: f64,
}

impl DiffSettings {
    /// How a report's changes are judged.
    pub fn judgement(&self) -> Judgement {
        Judgement {
            warn_regression_points: self.warn_regression_points,
            fdr: self.fdr,
        }
    }
}

/// What the diff report reads: profiles, and where present approved baselines, the audit
/// trail, and the repositories that name the commits between the two windows.
pub struct DiffNeeds {
    pub profiles: Arc<dyn ProfileDataSor>,
    pub baselines: Option<Arc<dyn BaselineSor>>,
    pub history: Option<HistoryRecorder>,
    pub repositories: RepositorySettings,
}

/// The diff report service of `settings`.
pub fn start(settings: &DiffSettings, needs: DiffNeeds) -> DiffReportService {
    let commits = Arc::new(CommitNamer {
        profiles: needs.profiles.clone(),
        repositories: needs.repositories,
    });
    DiffReportService::new(
        needs.profiles,
        needs.baselines,
        needs.history,
        settings.judgement(),
    )
    .with_commits(commits)
}

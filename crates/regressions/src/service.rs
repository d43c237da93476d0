//! What `/regressions` answers (docs/regressions.md): the stored events, one event with the trend
//! points around it, and its page, whose before-vs-after comparison is the diff report's.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::commits::{RegressionCommits, SuspectsAsked};
use crate::store::{Regression, RegressionFilter, RegressionSor};
use pf_commits::SuspectsAnswer;
use pf_detection::model::DetectorSettings;
use pf_diff_report::{DiffReport, DiffReportService, DiffRequest};
use pf_infra::sor::SorError;
use pf_model::trend_view::{TrendPick, TrendQuery, Trends};
use pf_model::{now_floored, AppName, LabelSelector, ReportFormat, TimeWindow};
use pf_profiles::DiffTrees;
use pf_watch::TrendSor;

/// An event, its trend, and its before-vs-after comparison: what its page draws.
pub struct Compared {
    pub detail: RegressionDetail,
    /// The comparison asked: the windows before and after the change point.
    pub request: DiffRequest,
    pub report: DiffReport,
    pub trees: DiffTrees,
}

/// Parts each side of a regression's comparison is cut into (the default of
/// docs/api.md#how-sure-is-a-diff).
const COMPARED_SLICES: u32 = 10;
/// Functions the comparison lists at most.
const COMPARED_FUNCTIONS: u32 = 20;

/// Answer of `GET /regressions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RegressionList {
    pub count: usize,
    /// The newest change point first.
    pub regressions: Vec<Regression>,
}

/// Answer of `GET /regressions/{id}`: the event and its function's trend around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RegressionDetail {
    pub regression: Regression,
    /// From `reference_slices` before the change point to `recent_slices` after its latest
    /// transition: the function (and the one its cost moved from, for a cost shift).
    pub trend: Trends,
}

/// Reads the events and draws their page.
pub struct RegressionService {
    pub regressions: Arc<dyn RegressionSor>,
    pub trends: Arc<dyn TrendSor>,
    /// Compares the slices before the change point with those after it.
    pub diff: Arc<DiffReportService>,
    pub settings: DetectorSettings,
    /// Names the commits behind an event again (docs/regressions.md#the-change-that-caused-it).
    pub namer: Arc<RegressionCommits>,
}

impl RegressionService {
    /// The events `filter` selects.
    pub async fn list(&self, filter: RegressionFilter) -> Result<RegressionList, SorError> {
        let regressions: Vec<Regression> = self
            .regressions
            .list(filter)
            .await?
            .into_iter()
            .map(Regression::rounded)
            .collect();
        Ok(RegressionList {
            count: regressions.len(),
            regressions,
        })
    }

    /// The commits behind event `id`, read again (the operator may have fetched since its
    /// confirmation); a regression not confirmed yet is ranked up to now.
    pub async fn suspects(&self, id: i64) -> Result<SuspectsAnswer, SorError> {
        let regression = self.regressions.get(id).await?;
        let asked = SuspectsAsked {
            app: regression.app_name.parse().map_err(|e| {
                SorError::Unexpected(format!("a stored app name is unreadable: {e}"))
            })?,
            profile_type: regression.profile_type,
            function: regression.function,
            changed_at: regression.changed_at,
            through: regression.confirmed_at.map_or_else(now_floored, |at| {
                at.saturating_add(self.settings.slices.slice_secs.secs())
            }),
        };
        self.namer.name(&asked).await
    }

    /// Event `id` and its trend.
    pub async fn detail(&self, id: i64) -> Result<RegressionDetail, SorError> {
        let regression = self.regressions.get(id).await?;
        let app: AppName = regression
            .app_name
            .parse()
            .map_err(|e| SorError::Unexpected(format!("a stored app name is unreadable: {e}")))?;
        let mut functions = vec![regression.function.clone()];
        functions.extend(regression.shifted_from.clone());
        let trend = self
            .trends
            .trend(TrendQuery {
                app,
                profile_type: regression.profile_type,
                window: self.around(&regression),
                pick: TrendPick::Named(functions),
            })
            .await?;
        Ok(RegressionDetail {
            regression: regression.rounded(),
            trend,
        })
    }

    /// What event `id`'s page shows: the event and its trend, and the diff of the slices
    /// before the change point against those after it, with the trees of its flame graph.
    pub async fn compared(&self, id: i64) -> Result<Compared, SorError> {
        let detail = self.detail(id).await?;
        let request = self.comparison(&detail.regression)?;
        let (report, trees) = self.diff.pictured(&request).await?;
        Ok(Compared {
            detail,
            request,
            report,
            trees,
        })
    }

    /// The trend's window: `before_slices()` before the change point to `recent_slices`
    /// after the event's latest transition (or a leak's latest measure).
    fn around(&self, r: &Regression) -> TimeWindow {
        let slice_secs = self.settings.slices.slice_secs;
        let slices = |n: usize| {
            i64::try_from(n)
                .unwrap_or(0)
                .saturating_mul(slice_secs.secs())
        };
        let measured = r.leak.as_ref().map(|l| l.through);
        let latest = [
            r.resolved_at,
            r.settled_at,
            r.went_away_at,
            r.confirmed_at,
            measured,
        ]
        .into_iter()
        .flatten()
        .fold(r.suspected_at, i64::max);
        let from = r
            .changed_at
            .saturating_sub(slices(self.settings.before_slices()))
            .max(0);
        let to = latest
            .saturating_add(slices(self.settings.recent_slices))
            .max(from + 1);
        TimeWindow { from, to }
    }

    /// The diff of the reference slices before the change point (baseline) against the slices
    /// from it to the decision (current), as `GET /diff` would answer it.
    fn comparison(&self, r: &Regression) -> Result<DiffRequest, SorError> {
        let slice_secs = self.settings.slices.slice_secs;
        let reference = i64::try_from(self.settings.before_slices()).unwrap_or(0);
        let decided = r.confirmed_at.or(r.went_away_at).unwrap_or(r.suspected_at);
        let current = TimeWindow {
            from: r.changed_at,
            to: decided
                .saturating_add(slice_secs.secs())
                .max(r.changed_at + 1),
        };
        let baseline = TimeWindow {
            from: r
                .changed_at
                .saturating_sub(reference.saturating_mul(slice_secs.secs()))
                .max(0),
            to: r.changed_at.max(1),
        };
        Ok(DiffRequest {
            app: r.app_name.parse().map_err(|e| {
                SorError::Unexpected(format!("a stored app name is unreadable: {e}"))
            })?,
            profile_type: r.profile_type,
            current,
            baseline,
            limit: COMPARED_FUNCTIONS,
            format: ReportFormat::Html,
            labels: LabelSelector::default(),
            baseline_labels: LabelSelector::default(),
            current_labels: LabelSelector::default(),
            requested_by: None,
            slices: COMPARED_SLICES,
            repository: None,
        })
    }
}

//! `/trends`: an app's summaries as aligned series, thresholds suggested from them, and
//! backfills queued (docs/profiles-over-time.md).

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::backfill::{BackfillError, BackfillRequest};
use crate::store::Backfill;
use crate::{ChangeMark, SummarySor, TrendMarks, TrendSor};
use pf_baselines::BaselineSor;
use pf_infra::sor::coalescing::Coalescing;
use pf_infra::sor::SorError;
use pf_model::trend::{suggestions, ThresholdSuggestion};
use pf_model::trend_view::{TrendPick, TrendQuery, Trends};
use pf_model::{AppName, ProfileType, Slices, TimeWindow};
use pf_profiles::ProfileDataSor;

/// Answer of `GET /trends/{appName}/suggestions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Suggestions {
    pub app_name: String,
    pub profile_type: ProfileType,
    pub days: u32,
    /// Summarized slices the suggestions are computed from.
    pub slices: usize,
    pub suggestions: Vec<ThresholdSuggestion>,
}

/// How long an answer of `/trends` is reused: new summaries come once a slice (minutes).
pub const TREND_TTL: Duration = Duration::from_secs(10);
/// Weight of the cached answers: one unit per function and slice.
pub const TREND_CACHE_UNITS: u64 = 2_000_000;

/// The weight of a cached answer.
pub fn trend_weight(_: &TrendQuery, trends: &Arc<Trends>) -> u32 {
    let cells = trends
        .slices
        .len()
        .saturating_mul(trends.series.len().max(1));
    u32::try_from(cells).unwrap_or(u32::MAX)
}

/// What `/trends` needs.
pub struct TrendService {
    /// Recent answers of `/trends`, by app, type, window and functions.
    pub cache: Coalescing<TrendQuery, Arc<Trends>>,
    pub summaries: Arc<dyn SummarySor>,
    /// The summaries as trends: the same store, read through its trend contract.
    pub trends: Arc<dyn TrendSor>,
    pub profiles: Arc<dyn ProfileDataSor>,
    /// What the trend page marks (the regression store, wired by the app); absent → nothing.
    pub marks: Option<Arc<dyn TrendMarks>>,
    /// Where `currentThreshold` comes from; absent → always null.
    pub baselines: Option<Arc<dyn BaselineSor>>,
    pub slices: Slices,
    pub types: Vec<ProfileType>,
    pub retention_days: i64,
}

impl TrendService {
    /// The trend `query` asks for. Identical requests share one read, and its answer for
    /// [`TREND_TTL`]: a default window ends at now floored to 10 s, so the panels of a
    /// dashboard, and the people looking at it, ask the same.
    pub async fn trends(&self, query: TrendQuery) -> Result<Arc<Trends>, SorError> {
        self.cache
            .get_or_load(query.clone(), async {
                Ok(Arc::new(self.trends.trend(query).await?))
            })
            .await
    }

    /// The changes of `app`'s `profile_type` in `window` to mark on its page; none when
    /// nothing provides them, or (logged) when their store fails: the page still shows the
    /// trend.
    async fn marks(
        &self,
        app: &AppName,
        profile_type: ProfileType,
        window: TimeWindow,
    ) -> Vec<ChangeMark> {
        let Some(marks) = &self.marks else {
            return Vec::new();
        };
        marks
            .marks(app, profile_type, window)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "the trend page shows no regressions");
                Vec::new()
            })
    }

    /// `trends`, the answer to `asked`, with its marks, for its page; when the functions were
    /// not named (`add`), the marked functions the chart lacks are drawn too, so a regression
    /// is seen beside its mark.
    pub async fn marked(
        &self,
        asked: &TrendQuery,
        trends: Arc<Trends>,
        add: bool,
    ) -> Result<(Arc<Trends>, Vec<ChangeMark>), SorError> {
        let marks = self
            .marks(&asked.app, asked.profile_type, asked.window)
            .await;
        let mut names: Vec<String> = trends.series.iter().map(|s| s.function.clone()).collect();
        let before = names.len();
        for m in &marks {
            if !names.contains(&m.function) {
                names.push(m.function.clone());
            }
        }
        if !add || names.len() == before {
            return Ok((trends, marks));
        }
        let all = self
            .trends(TrendQuery {
                pick: TrendPick::Named(names),
                ..asked.clone()
            })
            .await?;
        Ok((all, marks))
    }

    /// Thresholds suggested from `app`'s last `days`.
    pub async fn suggestions(
        &self,
        app: AppName,
        profile_type: ProfileType,
        (days, limit): (u32, usize),
        now: i64,
    ) -> Result<Suggestions, SorError> {
        let from = now.saturating_sub(i64::from(days) * 86_400).max(0);
        let window = TimeWindow {
            from,
            to: now.max(from + 1),
        };
        let summaries = self
            .summaries
            .summaries(app.clone(), profile_type, window)
            .await?;
        let approved = match &self.baselines {
            Some(b) => b
                .list(app.clone(), Some(profile_type))
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "no current thresholds for the suggestions");
                    Vec::new()
                }),
            None => Vec::new(),
        };
        let mut suggestions = suggestions(&summaries, limit);
        for s in &mut suggestions {
            s.current_threshold = approved
                .iter()
                .find(|b| b.function_name == s.function)
                .map(|b| b.max_self_percent);
        }
        Ok(Suggestions {
            app_name: app.into_inner(),
            profile_type,
            days,
            slices: summaries.len(),
            suggestions,
        })
    }

    /// Queues the slices in `[from, to)` that have ended, are within retention and are not
    /// summarized; how many.
    pub async fn backfill(&self, request: BackfillRequest, now: i64) -> Result<u64, BackfillError> {
        let (window, apps, types) = request.checked(self.retention_days, &self.types)?;
        let due = self.slices.due(now);
        let to = window
            .to
            .min(due.saturating_add(self.slices.slice_secs.secs()));
        let kept_from = now.saturating_sub(self.retention_days.saturating_mul(86_400));
        let from = self.slices.first_from(window.from.max(kept_from));
        let apps = match apps {
            Some(apps) => apps,
            None => self
                .profiles
                .apps(window)
                .await?
                .iter()
                .filter_map(|a| a.parse().ok())
                .collect(),
        };
        if from >= to || apps.is_empty() {
            return Ok(0);
        }
        let backfill = Backfill {
            from,
            to,
            slice_secs: self.slices.slice_secs,
            apps,
            types,
            notify: request.notify,
            live_from: due,
        };
        Ok(self.summaries.queue_backfill(&backfill, false).await?)
    }
}

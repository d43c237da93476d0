//! The triage page's trend panel (docs/profiles-over-time.md): the last 24 hours of each type's top
//! functions, from the profile watcher when this process reaches one.

use futures_util::future::join_all;

use super::model::{TriageReport, TypeAssessment};
use pf_model::trend_view::{TrendPick, TrendQuery, Trends};
use pf_model::TimeWindow;
use pf_watch::TrendSor;

/// How far back the panel reaches from the end of the triage's window.
const PANEL_SECS: i64 = 86_400;

/// Each type's trend of its top functions, in the report's order; `None` where the type was
/// unavailable, had no top functions, or its trend could not be read (logged).
pub async fn recent_trends(
    trends: &dyn TrendSor,
    report: &TriageReport,
    window: TimeWindow,
) -> Vec<Option<Trends>> {
    let panel = TimeWindow {
        from: window.to.saturating_sub(PANEL_SECS).max(0),
        to: window.to.max(1),
    };
    join_all(report.profiles.iter().map(|(profile_type, assessment)| {
        let app = report.app_name.clone();
        async move {
            let TypeAssessment::Assessed(assessed) = assessment else {
                return None;
            };
            if assessed.top_functions.is_empty() {
                return None;
            }
            let names = assessed.top_functions.iter().map(|f| f.name.clone());
            let app = app.parse().ok()?;
            let query = TrendQuery {
                app,
                profile_type: *profile_type,
                window: panel,
                pick: TrendPick::Named(names.collect()),
            };
            match trends.trend(query).await {
                Ok(trend) if !trend.slices.is_empty() => Some(trend),
                Ok(_) => None,
                Err(error) => {
                    tracing::warn!(%error, "no trend panel on the triage page");
                    None
                }
            }
        }
    }))
    .await
}

//! `DiffReportService`: reads one profile diff (and, in v2, baselines), compares, records history.

use std::sync::Arc;

use serde_json::json;

use super::compute::{self, Judgement};
use super::model::{DiffReport, DiffRequest};
use pf_baselines::{BaselineIndex, BaselineSor};
use pf_commits::{Between, CommitNamer, SuspectsAnswer, SuspectsReason};
use pf_history::{AssessmentSeverity, HistoryRecorder, NewHistoryRecord, RecordKey};
use pf_infra::sor::json_text::JsonText;
use pf_infra::sor::SorError;
use pf_model::{truncate_chars, MAX_RECOMMENDATION};
use pf_profiles::{DiffTrees, ProfileDataSor, ProfileDiffQuery};

/// Functions asked for per window: enough that every function that matters is ranked in both,
/// so a function is never "new" merely because it fell off one window's list.
pub const DIFF_FETCH_LIMIT: u32 = 5000;

/// Diff Report, v1 (profiles only) or v2 (with whichever of baselines and history it can reach).
pub struct DiffReportService {
    profiles: Arc<dyn ProfileDataSor>,
    baselines: Option<Arc<dyn BaselineSor>>,
    history: Option<HistoryRecorder>,
    judgement: Judgement,
    /// Names the commits between the sides' refs (docs/regressions.md#the-change-that-caused-it);
    /// absent: none are named.
    commits: Option<Arc<CommitNamer>>,
}

impl DiffReportService {
    pub fn new(
        profiles: Arc<dyn ProfileDataSor>,
        baselines: Option<Arc<dyn BaselineSor>>,
        history: Option<HistoryRecorder>,
        judgement: Judgement,
    ) -> Self {
        DiffReportService {
            profiles,
            baselines,
            history,
            judgement,
            commits: None,
        }
    }

    /// The service naming the commits between the sides' refs with `commits`.
    pub fn with_commits(mut self, commits: Arc<CommitNamer>) -> Self {
        self.commits = Some(commits);
        self
    }

    /// Compares the two windows.
    ///
    /// # Errors
    /// Whatever Profile Data fails with; a failing baseline store only drops the thresholds.
    pub async fn report(&self, req: &DiffRequest) -> Result<DiffReport, SorError> {
        let (diff, baselines) = tokio::join!(self.profiles.diff(query(req)), self.baselines(req));
        let diff = diff?;
        let mut report = compute::report(req, &diff, baselines.as_ref(), self.judgement);
        report.suspects = self.suspects(req, &report).await;
        if let Some(history) = &self.history {
            history.record(history_record(req, &report, &diff.profile_type_id));
        }
        Ok(report)
    }

    /// The report and the call trees its pictures draw, fetched side by side through the
    /// same cache.
    ///
    /// # Errors
    /// As [`DiffReportService::report`], and whatever reading the trees fails with.
    pub async fn pictured(&self, req: &DiffRequest) -> Result<(DiffReport, DiffTrees), SorError> {
        let (report, trees) = tokio::join!(self.report(req), self.profiles.diff_trees(query(req)));
        Ok((report?, trees?))
    }

    /// The commits between the sides' refs most likely behind the largest regression, when
    /// repositories are configured and both sides name refs; a failure to read them is said,
    /// not fatal.
    async fn suspects(&self, req: &DiffRequest, report: &DiffReport) -> Option<SuspectsAnswer> {
        let namer = self.commits.as_ref().filter(|n| n.configured())?;
        let top = report.regressions.first()?;
        let between = Between {
            app: req.app.clone(),
            profile_type: req.profile_type,
            function: top.function.clone(),
            before: req.baseline,
            after: req.current,
            labels: (
                req.labels.and(&req.baseline_labels),
                req.labels.and(&req.current_labels),
            ),
            repository: req.repository.clone(),
        };
        let named = match namer.labelled_ends(&between).await {
            Ok(Some(ends)) => namer.name(&between, ends).await,
            Ok(None) => return None,
            Err(e) => Err(e),
        };
        Some(named.unwrap_or_else(|e| {
            tracing::warn!(app = %req.app, error = %e, "the commits of a diff could not be read");
            SuspectsAnswer::none(SuspectsReason::ProfileUnreadable, None)
        }))
    }

    /// The app's baselines of this type; `None` in v1 or when the store fails.
    async fn baselines(&self, req: &DiffRequest) -> Option<BaselineIndex> {
        let store = self.baselines.as_ref()?;
        match store.list(req.app.clone(), Some(req.profile_type)).await {
            Ok(baselines) => Some(BaselineIndex::new(baselines)),
            Err(e) => {
                tracing::warn!(error = %e, app = %req.app, "baselines unavailable; answering without thresholds");
                None
            }
        }
    }
}

/// The record's labels: the one selector both sides share, or each side's.
fn labels_of(req: &DiffRequest) -> Option<String> {
    let (baseline, current) = (
        req.labels.and(&req.baseline_labels),
        req.labels.and(&req.current_labels),
    );
    if baseline == current {
        return current.text();
    }
    Some(format!("baseline {{{baseline}}} current {{{current}}}"))
}

/// What a report reads from Profile Data.
fn query(req: &DiffRequest) -> ProfileDiffQuery {
    ProfileDiffQuery {
        slices: req.slices,
        app: req.app.clone(),
        profile_type: req.profile_type,
        baseline: req.baseline,
        current: req.current,
        limit: DIFF_FETCH_LIMIT,
        baseline_labels: req.labels.and(&req.baseline_labels),
        current_labels: req.labels.and(&req.current_labels),
    }
}

/// One record per report: the outcome, the listed changes, and the exact query.
fn history_record(
    req: &DiffRequest,
    report: &DiffReport,
    profile_type_id: &str,
) -> NewHistoryRecord {
    let breaches = report.summary.threshold_breaches.unwrap_or(0);
    let diagnosis = if report.regressions.is_empty() {
        "no_regressions"
    } else {
        "regressions_detected"
    };
    // A breach may come from an improvement still above its threshold: severity follows the
    // breaches first, the diagnosis only the regressions.
    let severity = if breaches > 0 {
        AssessmentSeverity::High
    } else if !report.regressions.is_empty() {
        AssessmentSeverity::Medium
    } else {
        AssessmentSeverity::Low
    };
    let recommendation = match (&report.summary.top_regression, breaches) {
        (top, b) if b > 0 => format!(
            "{b} function(s) exceed their approved threshold; top regression: {}",
            top.as_deref().unwrap_or("none")
        ),
        (Some(top), _) => format!("Review the top regression before release: {top}"),
        (None, _) => "No regression against the baseline window".to_owned(),
    };
    NewHistoryRecord {
        key: RecordKey::new(),
        app_name: req.app.clone(),
        profile_types: req.profile_type.to_string(),
        diagnosis: diagnosis.to_owned(),
        severity,
        top_functions: JsonText::of(&record_body(req, report, profile_type_id)).ok(),
        recommendation: Some(truncate_chars(&recommendation, MAX_RECOMMENDATION)),
        requested_by: req.requested_by.as_ref().and_then(|who| who.by.clone()),
        on_behalf_of: req
            .requested_by
            .as_ref()
            .and_then(|who| who.on_behalf_of.clone()),
        labels: labels_of(req),
    }
}

/// What a history record keeps of a report: the exact query, the verdict and what it listed,
/// with their intervals when the windows were cut into parts.
fn record_body(req: &DiffRequest, report: &DiffReport, profile_type_id: &str) -> serde_json::Value {
    let mut body = json!({
            "query": {
                "from": req.current.from,
                "to": req.current.to,
                "baselineFrom": req.baseline.from,
                "baselineTo": req.baseline.to,
                "type": req.profile_type,
                "profileTypeId": profile_type_id,
                "limit": req.limit,
                "format": req.format.as_str(),
            },
            "verdict": report.summary.verdict,
            "regressions": report.regressions,
            "improvements": report.improvements,
    });
    if let Some(significance) = &report.summary.significance {
        body["query"]["slices"] = json!(req.slices);
        body["significance"] = json!(significance);
    }
    body
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;

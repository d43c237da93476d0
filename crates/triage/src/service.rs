//! `TriageService`: reads profiles (and, in v2, baselines), diagnoses them, records history.

use std::sync::Arc;

use futures_util::future::join_all;

use super::model::{
    Assessment, BaselineViolation, EvidenceBody, TriageReport, TriageRequest, TriageSummary,
    TypeAssessment, UnavailableType,
};
use super::record::history_record;
use super::rules::{RuleSet, SCORED_FUNCTIONS};
use super::trends::recent_trends;
use pf_baselines::{BaselineIndex, BaselineSor};
use pf_history::{AssessmentSeverity, HistoryRecorder};
use pf_infra::sor::{shown_error, SorError};
use pf_model::trend_view::Trends;
use pf_model::{breaches, round_percent, CallTree, ProfileType};
use pf_profiles::{Profile, ProfileDataSor, ProfileQuery};
use pf_watch::TrendSor;

/// A triage with each requested type's call tree and recent trend, in the order of the
/// request's types.
pub type Pictured = (
    TriageReport,
    Vec<Option<Arc<CallTree>>>,
    Vec<Option<Trends>>,
);

/// `primaryIssue` when no type has data.
pub const HEALTHY: &str = "healthy";

/// Triage, v1 (profiles only) or v2 (with whichever of baselines and history it can reach).
pub struct TriageService {
    profiles: Arc<dyn ProfileDataSor>,
    baselines: Option<Arc<dyn BaselineSor>>,
    history: Option<HistoryRecorder>,
    rules: Arc<RuleSet>,
    min_score: f64,
    /// The watcher's trends for the page, when this process reaches a watcher.
    trends: Option<Arc<dyn TrendSor>>,
}

impl TriageService {
    pub fn new(
        profiles: Arc<dyn ProfileDataSor>,
        baselines: Option<Arc<dyn BaselineSor>>,
        history: Option<HistoryRecorder>,
        rules: Arc<RuleSet>,
        min_score: f64,
    ) -> Self {
        TriageService {
            profiles,
            baselines,
            history,
            rules,
            min_score,
            trends: None,
        }
    }

    /// The same service, drawing the last day of each type's top functions on its page.
    pub fn with_trends(mut self, trends: Option<Arc<dyn TrendSor>>) -> Self {
        self.trends = trends;
        self
    }

    /// The assessment and, for its page, each requested type's call tree (`None` where it
    /// cannot be read), fetched side by side through the same cache.
    pub async fn pictured(&self, req: TriageRequest) -> Result<Pictured, SorError> {
        let trees = join_all(req.types.iter().map(|&profile_type| {
            self.profiles.tree(ProfileQuery {
                app: req.app.clone(),
                profile_type,
                window: req.window,
                limit: 1,
                labels: req.labels.clone(),
            })
        }));
        let (report, trees) = tokio::join!(self.assess(req.clone()), trees);
        let report = report?;
        let trends = match &self.trends {
            Some(trends) => recent_trends(trends.as_ref(), &report, req.window).await,
            None => Vec::new(),
        };
        Ok((report, trees.into_iter().map(Result::ok).collect(), trends))
    }

    /// Assesses every requested type; a type whose profile fails is reported `unavailable`.
    ///
    /// # Errors
    /// The first type's error when no type could be read at all: an answer made only of
    /// `unavailable` entries would hide an outage behind a 200 (and a `healthy` history record).
    pub async fn assess(&self, req: TriageRequest) -> Result<TriageReport, SorError> {
        // Enough functions both to show `limit` and to score the top 50.
        let fetch_limit = req.limit.max(SCORED_FUNCTIONS as u32);
        let profiles = join_all(req.types.iter().map(|&profile_type| {
            self.profiles.profile(ProfileQuery {
                app: req.app.clone(),
                profile_type,
                window: req.window,
                limit: fetch_limit,
                labels: req.labels.clone(),
            })
        }));
        let (results, baselines) = tokio::join!(profiles, self.baselines(&req));
        if results.iter().all(Result::is_err) {
            if let Some(Err(first)) = results.into_iter().next() {
                return Err(first);
            }
            return Err(SorError::Invalid("no profile type requested".to_owned()));
        }

        let mut entries = Vec::with_capacity(req.types.len());
        let mut leads: Vec<(f64, usize)> = Vec::new();
        for (i, (&profile_type, result)) in req.types.iter().zip(&results).enumerate() {
            let assessment = match result {
                Ok(profile) => {
                    let assessed =
                        self.assess_type(profile_type, profile, &req, baselines.as_ref());
                    if let Some(top) = assessed.top_functions.first() {
                        leads.push((top.self_percent, i));
                    }
                    TypeAssessment::Assessed(assessed)
                }
                Err(e) => TypeAssessment::Unavailable(UnavailableType {
                    diagnosis: "unavailable".to_owned(),
                    error: shown_error(e),
                }),
            };
            entries.push((profile_type, assessment));
        }
        let summary = summarize(&entries, &leads, baselines.is_some());
        let report = TriageReport {
            app_name: req.app.to_string(),
            from: req.window.from,
            to: req.window.to,
            labels: req.labels.clone(),
            profiles: entries,
            summary,
        };
        if let Some(history) = &self.history {
            history.record(history_record(&req, &report, &results));
        }
        Ok(report)
    }

    /// The app's baselines; `None` in v1, or when the store fails (the answer goes on without).
    async fn baselines(&self, req: &TriageRequest) -> Option<BaselineIndex> {
        let store = self.baselines.as_ref()?;
        match store.list(req.app.clone(), None).await {
            Ok(baselines) => Some(BaselineIndex::new(baselines)),
            Err(e) => {
                tracing::warn!(error = %e, app = %req.app, "baselines unavailable; answering without violations");
                None
            }
        }
    }

    fn assess_type(
        &self,
        profile_type: ProfileType,
        profile: &Profile,
        req: &TriageRequest,
        baselines: Option<&BaselineIndex>,
    ) -> Assessment {
        let diagnosis = self
            .rules
            .diagnose(profile_type, &profile.functions, self.min_score);
        let mut top = profile.functions.clone();
        top.sort_by(|a, b| {
            b.self_samples
                .cmp(&a.self_samples)
                .then_with(|| a.name.cmp(&b.name))
        });
        top.truncate(req.limit as usize);
        let baseline_violations = baselines.map(|index| {
            top.iter()
                .filter_map(|f| {
                    let baseline = index.get(profile_type, &f.name)?;
                    let current = round_percent(f.self_percent);
                    breaches(f.self_percent, baseline.max_self_percent).then(|| BaselineViolation {
                        function: f.name.clone(),
                        current_percent: current,
                        threshold: baseline.max_self_percent,
                        exceeded_by: current - baseline.max_self_percent,
                        severity: baseline.severity,
                    })
                })
                .collect()
        });
        Assessment {
            diagnosis: diagnosis.diagnosis,
            total_samples: profile.total_samples,
            top_functions: top,
            recommendation: diagnosis.recommendation,
            evidence: EvidenceBody {
                matched_functions: diagnosis.evidence.matched_functions,
                matched_percent: diagnosis.evidence.matched_percent,
            },
            baseline_violations,
        }
    }
}

/// Severity of an issue whose top function takes `percent`: > 30 high, > 10 medium, else low
/// (compared as shown, at 2 decimals).
pub fn severity_for(percent: f64) -> AssessmentSeverity {
    let shown = round_percent(percent);
    if shown > 30.0 {
        AssessmentSeverity::High
    } else if shown > 10.0 {
        AssessmentSeverity::Medium
    } else {
        AssessmentSeverity::Low
    }
}

/// The primary issue: the type whose top function is the largest; the earlier type on a tie.
fn summarize(
    entries: &[(ProfileType, TypeAssessment)],
    leads: &[(f64, usize)],
    with_baselines: bool,
) -> TriageSummary {
    let violations = with_baselines.then(|| {
        entries
            .iter()
            .filter_map(|(_, a)| match a {
                TypeAssessment::Assessed(a) => a.baseline_violations.as_ref().map(Vec::len),
                TypeAssessment::Unavailable(_) => None,
            })
            .sum()
    });
    let primary = leads
        .iter()
        .fold(None::<(f64, usize)>, |best, &(p, i)| match best {
            Some((bp, _)) if bp >= p => best,
            _ => Some((p, i)),
        });
    match primary.and_then(|(p, i)| match &entries[i].1 {
        TypeAssessment::Assessed(a) => Some((p, a)),
        TypeAssessment::Unavailable(_) => None,
    }) {
        Some((percent, assessment)) => TriageSummary {
            primary_issue: assessment.diagnosis.clone(),
            severity: severity_for(percent),
            recommendation: assessment.recommendation.clone(),
            baseline_violations: violations,
        },
        None => TriageSummary {
            primary_issue: HEALTHY.to_owned(),
            severity: AssessmentSeverity::Low,
            recommendation:
                "No samples in this window for the requested profile types: nothing to act on"
                    .to_owned(),
            baseline_violations: violations,
        },
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;

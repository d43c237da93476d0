//! How triage starts: its settings, what it needs from other capabilities, and its rules.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;

use super::{RuleSet, TriageService};
use pf_baselines::BaselineSor;
use pf_history::HistoryRecorder;
use pf_infra::tasks::StartError;
use pf_profiles::ProfileDataSor;
use pf_watch::TrendSor;

/// Triage: where the diagnosis rules come from and how sure a diagnosis must be.
#[derive(Debug, Clone, Deserialize)]
pub struct TriageSettings {
    /// A rules file replacing the shipped `config/triage-rules.toml`.
    pub rules_file: Option<PathBuf>,
    /// The share (%) of the top functions a category must explain to be the diagnosis.
    pub min_score: f64,
}

/// What triage reads: profiles, and where present approved baselines, the audit trail and the
/// watcher's trends (for its page).
pub struct TriageNeeds {
    pub profiles: Arc<dyn ProfileDataSor>,
    pub baselines: Option<Arc<dyn BaselineSor>>,
    pub history: Option<HistoryRecorder>,
    pub trends: Option<Arc<dyn TrendSor>>,
}

/// The triage service of `settings`.
///
/// # Errors
/// When the rules cannot be read.
pub fn start(settings: &TriageSettings, needs: TriageNeeds) -> Result<TriageService, StartError> {
    let rules = load_rules(settings)?;
    let service = TriageService::new(
        needs.profiles,
        needs.baselines,
        needs.history,
        Arc::new(rules),
        settings.min_score,
    );
    Ok(service.with_trends(needs.trends))
}

/// The shipped triage rules, or the file `triage.rules_file` names.
///
/// # Errors
/// When that file cannot be read or parsed.
pub fn load_rules(settings: &TriageSettings) -> Result<RuleSet, StartError> {
    let error = |path: String, reason: String| StartError {
        key: "triage.rules_file",
        reason: format!("cannot load the triage rules from {path}: {reason}"),
    };
    match &settings.rules_file {
        None => RuleSet::shipped()
            .map_err(|e| error("the shipped config/triage-rules.toml".into(), e.to_string())),
        Some(path) => {
            let shown = || path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| error(shown(), e.to_string()))?;
            RuleSet::parse(&text).map_err(|e| error(shown(), e.to_string()))
        }
    }
}

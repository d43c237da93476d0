//! `AlertEvaluationService`: a rule's value now, read through the SOR traits. The dry run
//! behind `POST /rules/{id}/evaluate` uses it, and the evaluator loop will.

use std::sync::Arc;

use serde::Serialize;
use utoipa::ToSchema;

use super::value::{rule_value, RuleValue, ValueError, ValueKind};
use crate::firing::{AlertPhase, AlertStateSor, AlertTransition, StoredAlert};
use crate::rules::{AlertRule, AlertRuleSor};
use pf_infra::sor::SorError;
use pf_model::{
    breaches, AppName, FunctionStat, InputError, LabelSelector, ProfileType, TimeWindow,
};
use pf_profiles::{ProfileDataSor, ProfileQuery};
use pf_triage::RuleSet;

/// Functions read per profile: the most a profile answer holds, so a pattern sums them all.
const FUNCTIONS_READ: u32 = 1000;

/// The answer of a dry run: what the rule would see now, changing nothing.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DryRun {
    pub rule_id: i32,
    /// Percent of the profile, full precision.
    pub value: f64,
    pub threshold: f64,
    /// Whether the value is above the threshold now (`forSeconds` aside).
    pub firing: bool,
    /// The functions that make up the value, by self samples, at most ten.
    pub matched_functions: Vec<FunctionStat>,
    /// The window read, epoch seconds.
    pub from: i64,
    pub to: i64,
}

/// Why a rule could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    /// The rule, or its profile, could not be read.
    #[error(transparent)]
    Sor(#[from] SorError),
    /// The rule asks for something the triage rules do not have.
    #[error(transparent)]
    Value(#[from] ValueError),
    #[error(transparent)]
    Input(#[from] InputError),
}

/// Evaluates alert rules against the profiles of the last `window_secs`.
pub struct AlertEvaluationService {
    rules: Arc<dyn AlertRuleSor>,
    profiles: Arc<dyn ProfileDataSor>,
    state: Arc<dyn AlertStateSor>,
    triage_rules: Arc<RuleSet>,
    window_secs: i64,
}

impl AlertEvaluationService {
    pub fn new(
        rules: Arc<dyn AlertRuleSor>,
        profiles: Arc<dyn ProfileDataSor>,
        state: Arc<dyn AlertStateSor>,
        triage_rules: Arc<RuleSet>,
        window_secs: i64,
    ) -> Self {
        AlertEvaluationService {
            rules,
            profiles,
            state,
            triage_rules,
            window_secs,
        }
    }

    /// The alerts firing now, by rule id.
    pub async fn firing(&self) -> Result<Vec<StoredAlert>, SorError> {
        let alerts = self.state.alerts().await?;
        Ok(alerts
            .into_iter()
            .filter(|a| a.state == AlertPhase::Firing)
            .collect())
    }

    /// Transitions, newest first.
    pub async fn history(
        &self,
        app: Option<AppName>,
        limit: u32,
    ) -> Result<Vec<AlertTransition>, SorError> {
        self.state.transitions(app, limit).await
    }

    /// Rule `id` evaluated over the window ending at `now` (epoch seconds); nothing changes.
    pub async fn dry_run(&self, id: i32, now: i64) -> Result<DryRun, EvaluationError> {
        let rule = self.rules.get(id).await?;
        let window = TimeWindow::new(now.saturating_sub(self.window_secs), now)?;
        let value = self.value(&rule, window).await?;
        Ok(DryRun {
            rule_id: rule.id,
            firing: breaches(value.value, rule.threshold_percent),
            value: value.value,
            threshold: rule.threshold_percent,
            matched_functions: value.matched_functions,
            from: window.from,
            to: window.to,
        })
    }

    /// The value of `rule` over `window`.
    pub async fn value(
        &self,
        rule: &AlertRule,
        window: TimeWindow,
    ) -> Result<RuleValue, EvaluationError> {
        let app = rule.app_name.parse()?;
        let functions =
            read_functions(self.profiles.as_ref(), app, rule.profile_type, window).await?;
        let kind = ValueKind::of(rule.function_pattern.as_deref());
        Ok(rule_value(
            &kind,
            rule.profile_type,
            &functions,
            &self.triage_rules,
        )?)
    }
}

/// The functions of one app's profile over `window`: as many as a profile answer holds, so a
/// pattern sums them all. The dry run and the evaluator both read through here.
pub(super) async fn read_functions(
    profiles: &dyn ProfileDataSor,
    app: AppName,
    profile_type: ProfileType,
    window: TimeWindow,
) -> Result<Vec<FunctionStat>, SorError> {
    let query = ProfileQuery {
        app,
        profile_type,
        window,
        limit: FUNCTIONS_READ,
        labels: LabelSelector::default(),
    };
    Ok(profiles.profile(query).await?.functions)
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;

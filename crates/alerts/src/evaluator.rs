//! One evaluation of every enabled rule (docs/alerting.md): rules of one app and profile type share
//! one profile read; each rule's alert steps through its state machine; the evaluation is saved at
//! once, and its transitions are returned for delivery. A rule whose profile cannot be read keeps
//! its state; a rule that was disabled or deleted has its alert resolved.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};

use super::notice::RuleNotices;
use super::service::read_functions;
use super::state::{step, AlertState, Transition};
use super::value::{rule_value, ValueKind};
use crate::firing::{AlertPhase, AlertStateSor, AlertTransition, StoredAlert, TransitionKind};
use crate::rules::{AlertRule, AlertRuleSor};
use pf_delivery::webhook;
use pf_infra::sor::SorError;
use pf_model::{breaches, AppName, FunctionStat, InputError, ProfileType, TimeWindow};
use pf_profiles::ProfileDataSor;
use pf_triage::RuleSet;

/// Profile reads in flight at once.
const READS_AT_ONCE: usize = 16;

/// What one evaluation did.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// Rules whose value was computed.
    pub evaluated: usize,
    /// Rules whose profile or value could not be had; their state was kept.
    pub errors: usize,
    /// Profile reads made (one per app and profile type).
    pub profile_reads: usize,
    /// Firings and resolutions, with the rule they belong to when it still exists.
    pub transitions: Vec<(AlertTransition, Option<AlertRule>)>,
    /// Alerts firing after this evaluation.
    pub firing: Vec<FiringAlert>,
}

/// A firing alert with what its announcement needs.
#[derive(Debug, Clone)]
pub struct FiringAlert {
    pub alert: StoredAlert,
    pub rule: AlertRule,
    /// The functions behind its value now (empty when its profile could not be read).
    pub top: Vec<FunctionStat>,
}

/// Evaluates every enabled rule against the profiles of the last `window_secs`.
#[derive(Clone)]
pub struct Evaluator {
    pub rules: Arc<dyn AlertRuleSor>,
    pub profiles: Arc<dyn ProfileDataSor>,
    pub state: Arc<dyn AlertStateSor>,
    pub triage_rules: Arc<RuleSet>,
    pub window_secs: i64,
    /// How its alerts and webhooks read.
    pub notices: Arc<RuleNotices>,
}

impl Evaluator {
    /// Evaluates once at `now` and saves the outcome.
    ///
    /// # Errors
    /// When the rules or the stored state cannot be read or saved: nothing changed then.
    pub async fn evaluate(&self, now: DateTime<Utc>) -> Result<Evaluation, SorError> {
        let rules: Vec<AlertRule> = self.rules.list(None).await?;
        let previous: HashMap<i32, StoredAlert> = self
            .state
            .alerts()
            .await?
            .into_iter()
            .map(|a| (a.rule_id, a))
            .collect();
        let end = now.timestamp();
        let window = TimeWindow::new(end.saturating_sub(self.window_secs), end)
            .map_err(|e| SorError::Invalid(e.to_string()))?;
        let mut groups: BTreeMap<(&str, ProfileType), Vec<&AlertRule>> = BTreeMap::new();
        for rule in rules.iter().filter(|r| r.enabled) {
            groups
                .entry((rule.app_name.as_str(), rule.profile_type))
                .or_default()
                .push(rule);
        }
        let mut out = Evaluation::default();
        let (mut kept, mut cleared) = (Vec::new(), Vec::new());
        let mut tops: HashMap<i32, Vec<FunctionStat>> = HashMap::new();
        // One read per app and type, `READS_AT_ONCE` at a time; then the pure part, in order.
        let reads: Vec<_> = groups
            .into_iter()
            .map(|((app, profile_type), group)| async move {
                let read = self.read(app, profile_type, window).await;
                (app, profile_type, group, read)
            })
            .collect();
        let reads: Vec<_> = stream::iter(reads).buffered(READS_AT_ONCE).collect().await;
        for (app, profile_type, group, read) in reads {
            let functions = match read {
                Ok(functions) => functions,
                Err(error) => {
                    tracing::warn!(app, %profile_type, %error, "alert rules not evaluated: the profile cannot be read");
                    out.errors += group.len();
                    kept.extend(group.iter().filter_map(|r| previous.get(&r.id).cloned()));
                    continue;
                }
            };
            out.profile_reads += 1;
            for rule in group {
                let kind = ValueKind::of(rule.function_pattern.as_deref());
                let value = match rule_value(&kind, profile_type, &functions, &self.triage_rules) {
                    Ok(value) => {
                        tops.insert(rule.id, value.matched_functions);
                        value.value
                    }
                    Err(error) => {
                        tracing::warn!(rule = rule.id, %error, "alert rule not evaluated");
                        out.errors += 1;
                        kept.extend(previous.get(&rule.id).cloned());
                        continue;
                    }
                };
                out.evaluated += 1;
                let before = previous
                    .get(&rule.id)
                    .map_or(AlertState::Inactive, state_of);
                let breached = breaches(value, rule.threshold_percent);
                let for_seconds = u32::try_from(rule.for_seconds).unwrap_or(0);
                let (after, transition) = step(before, breached, for_seconds, now);
                let record = |kind| {
                    let transition = AlertTransition {
                        rule_id: rule.id,
                        app_name: rule.app_name.clone(),
                        profile_type,
                        transition: kind,
                        value,
                        threshold: rule.threshold_percent,
                        at: now,
                        notification: None,
                    };
                    self.with_webhook(transition, Some(rule))
                };
                match transition {
                    Some(Transition::Fired) => out
                        .transitions
                        .push((record(TransitionKind::Firing), Some(rule.clone()))),
                    Some(Transition::Resolved) => out
                        .transitions
                        .push((record(TransitionKind::Resolved), Some(rule.clone()))),
                    None => {}
                }
                let (phase, since) = match after {
                    AlertState::Inactive => {
                        cleared.push(rule.id);
                        continue;
                    }
                    AlertState::Pending { since } => (AlertPhase::Pending, since),
                    AlertState::Firing { since } => (AlertPhase::Firing, since),
                };
                kept.push(StoredAlert {
                    rule_id: rule.id,
                    app_name: rule.app_name.clone(),
                    profile_type,
                    state: phase,
                    since,
                    value,
                    threshold: rule.threshold_percent,
                    evaluated_at: now,
                });
            }
        }
        // Alerts of rules that were disabled or deleted: resolved if firing, forgotten anyway.
        let by_id: HashMap<i32, &AlertRule> = rules.iter().map(|r| (r.id, r)).collect();
        for (id, alert) in &previous {
            let rule = by_id.get(id).copied();
            if !rule.is_some_and(|r| r.enabled) {
                cleared.push(*id);
                if alert.state == AlertPhase::Firing {
                    let transition = self.with_webhook(resolved(alert, now), rule);
                    out.transitions.push((transition, rule.cloned()));
                }
            }
        }
        let transitions: Vec<AlertTransition> =
            out.transitions.iter().map(|(t, _)| t.clone()).collect();
        self.state.save(&kept, &cleared, &transitions).await?;
        out.firing = kept
            .into_iter()
            .filter(|a| a.state == AlertPhase::Firing)
            .filter_map(|alert| {
                let rule = (*by_id.get(&alert.rule_id)?).clone();
                let top = tops.remove(&alert.rule_id).unwrap_or_default();
                Some(FiringAlert { alert, rule, top })
            })
            .collect();
        Ok(out)
    }

    /// `t` with its webhook notification, when `rule` has a webhook.
    fn with_webhook(&self, mut t: AlertTransition, rule: Option<&AlertRule>) -> AlertTransition {
        let channel = rule.and_then(|r| r.notification_channel.as_deref());
        t.notification = channel
            .and_then(webhook)
            .and_then(|url| self.notices.webhook(&t, &url));
        t
    }

    async fn read(
        &self,
        app: &str,
        profile_type: ProfileType,
        window: TimeWindow,
    ) -> Result<Vec<FunctionStat>, SorError> {
        let app: AppName = app
            .parse()
            .map_err(|e: InputError| SorError::Invalid(e.to_string()))?;
        read_functions(self.profiles.as_ref(), app, profile_type, window).await
    }
}

fn state_of(alert: &StoredAlert) -> AlertState {
    match alert.state {
        AlertPhase::Pending => AlertState::Pending { since: alert.since },
        AlertPhase::Firing => AlertState::Firing { since: alert.since },
    }
}

/// The resolution of `alert`, whose rule was disabled or deleted.
fn resolved(alert: &StoredAlert, now: DateTime<Utc>) -> AlertTransition {
    AlertTransition {
        rule_id: alert.rule_id,
        app_name: alert.app_name.clone(),
        profile_type: alert.profile_type,
        transition: TransitionKind::Resolved,
        value: alert.value,
        threshold: alert.threshold,
        at: now,
        notification: None,
    }
}

#[cfg(test)]
#[path = "evaluator_tests.rs"]
mod tests;

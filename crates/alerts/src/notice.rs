//! What a rule's alert says (docs/alerting.md): the Alertmanager alert, sent at every evaluation
//! while it fires (`endsAt` = now + 4 intervals, so Alertmanager resolves it by itself if the
//! evaluator dies) and once when it resolves, and the webhook body of each transition.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;
use utoipa::ToSchema;

use crate::firing::{AlertTransition, StoredAlert, TransitionKind};
use crate::rules::AlertRule;
use pf_delivery::{link, AlertmanagerAlert, NewNotification, NotificationKind};
use pf_model::{round_percent, FunctionStat, ProfileType};
use pf_registry::{owners, RegistrySor, Service};

/// The `alertname` label of every rule alert this service raises.
pub const ALERT_NAME: &str = "ProfilingRuleBreached";

/// The labels of a rule's alert; Alertmanager tells alerts apart by them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleLabels {
    pub alertname: &'static str,
    pub app: String,
    pub profile_type: &'static str,
    pub rule_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_pattern: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<&'static str>,
}

/// The annotations of a rule's alert.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RuleAnnotations {
    /// One line, e.g. "gc_pressure 34.2% > 30% on checkout (cpu)".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The top 3 matching functions with their shares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub triage_url: Option<String>,
}

/// A rule alert as Alertmanager gets it.
pub type RuleAlert = AlertmanagerAlert<RuleLabels, RuleAnnotations>;

/// What a rule's webhook gets for one transition, besides the notification's `id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertTransitionNotice {
    pub status: TransitionKind,
    pub rule_id: i32,
    pub app_name: String,
    pub profile_type: ProfileType,
    /// The rule's value at the transition, in percent, rounded to 2 decimals.
    pub value: f64,
    pub threshold: f64,
    pub at: DateTime<Utc>,
    /// The triage page of the app and type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub triage_url: Option<String>,
}

/// The JSON body POSTed to a rule's webhook (`notificationChannel`) at each firing and each
/// resolution, never at re-sends. `id` is also sent as the `Idempotency-Key` header: a receiver
/// that sees an `id` twice (after a retry whose answer was lost) can drop the repeat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": 42, "status": "firing", "ruleId": 7, "appName": "checkout",
    "profileType": "cpu", "value": 34.21, "threshold": 30.0, "at": "2026-11-24T10:35:00Z",
    "triageUrl": "http://localhost:8080/triage/checkout?types=cpu"}))]
pub struct AlertWebhook {
    /// The notification's number.
    pub id: i64,
    #[serde(flatten)]
    pub notice: AlertTransitionNotice,
}

/// Renders rule alerts: links start at `public_url`; `interval` sets how long a firing alert
/// lasts in Alertmanager without news.
pub struct RuleNotices {
    pub public_url: Url,
    pub interval: Duration,
    pub registry: Option<Arc<dyn RegistrySor>>,
}

impl RuleNotices {
    /// Team and tier of every registered app, when a registry is there.
    pub async fn owners(&self) -> HashMap<String, Service> {
        owners(self.registry.as_deref()).await
    }

    /// The firing `alert` of `rule`, whose value comes from `top`, as re-sent at `now`.
    pub fn firing(
        &self,
        rule: &AlertRule,
        alert: &StoredAlert,
        top: &[FunctionStat],
        owner: Option<&Service>,
        now: DateTime<Utc>,
    ) -> RuleAlert {
        let ends = now + chrono::Duration::from_std(self.interval * 4).unwrap_or_default();
        let top: Vec<String> = top
            .iter()
            .take(3)
            .map(|s| format!("{} {}%", s.name, round_percent(s.self_percent)))
            .collect();
        let mut firing = self.of_rule(rule, owner, alert.value, alert.threshold, ends);
        firing.annotations.description = Some(top.join("; "));
        firing.starts_at = Some(alert.since);
        firing
    }

    /// A resolution; `rule` is `None` when the rule was deleted.
    pub fn resolved(
        &self,
        t: &AlertTransition,
        rule: Option<&AlertRule>,
        owner: Option<&Service>,
    ) -> RuleAlert {
        match rule {
            Some(rule) => self.of_rule(rule, owner, t.value, t.threshold, t.at),
            None => AlertmanagerAlert {
                labels: RuleLabels {
                    alertname: ALERT_NAME,
                    app: t.app_name.clone(),
                    profile_type: t.profile_type.as_str(),
                    rule_id: t.rule_id.to_string(),
                    severity: None,
                    function_pattern: None,
                    team: None,
                    tier: None,
                },
                annotations: RuleAnnotations::default(),
                starts_at: None,
                ends_at: t.at,
                generator_url: None,
            },
        }
    }

    fn of_rule(
        &self,
        rule: &AlertRule,
        owner: Option<&Service>,
        value: f64,
        threshold: f64,
        ends_at: DateTime<Utc>,
    ) -> RuleAlert {
        let pattern = rule.function_pattern.clone().unwrap_or_default();
        let what = match pattern.strip_prefix("diagnosis:") {
            _ if pattern.is_empty() => "top function",
            Some(category) => category.trim(),
            None => pattern.as_str(),
        };
        let triage = triage_url(&self.public_url, &rule.app_name, rule.profile_type);
        let summary = format!(
            "{what} {}% > {}% on {} ({})",
            round_percent(value),
            round_percent(threshold),
            rule.app_name,
            rule.profile_type
        );
        AlertmanagerAlert {
            labels: RuleLabels {
                alertname: ALERT_NAME,
                app: rule.app_name.clone(),
                profile_type: rule.profile_type.as_str(),
                rule_id: rule.id.to_string(),
                severity: Some(rule.severity.as_str()),
                function_pattern: Some(pattern.clone()),
                team: owner.and_then(|s| s.team_owner.clone()),
                tier: owner.map(|s| s.tier.as_str()),
            },
            annotations: RuleAnnotations {
                summary: Some(summary),
                description: None,
                value: Some(round_percent(value).to_string()),
                threshold: Some(threshold.to_string()),
                triage_url: Some(triage.clone()),
            },
            starts_at: None,
            ends_at,
            generator_url: Some(triage),
        }
    }

    /// The webhook notification of transition `t`, posted to `webhook`.
    pub fn webhook(&self, t: &AlertTransition, webhook: &Url) -> Option<NewNotification> {
        let notice = AlertTransitionNotice {
            status: t.transition,
            rule_id: t.rule_id,
            app_name: t.app_name.clone(),
            profile_type: t.profile_type,
            value: round_percent(t.value),
            threshold: t.threshold,
            at: t.at,
            triage_url: Some(triage_url(&self.public_url, &t.app_name, t.profile_type)),
        };
        let payload = serde_json::to_value(notice).ok()?;
        Some(NewNotification {
            kind: NotificationKind::AlertWebhook,
            destination: webhook.to_string(),
            payload,
        })
    }
}

fn triage_url(base: &Url, app: &str, profile_type: ProfileType) -> String {
    link(base, &["triage", app], ("types", profile_type.as_str()))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::RuleNotices;
    use crate::firing::{AlertPhase, StoredAlert};
    use crate::testing::alert_rule;
    use pf_model::ProfileType;

    #[test]
    fn a_rule_alert_of_a_kubernetes_name_carries_it_whole_and_links_it_as_one_segment() {
        let mut rule = alert_rule(7, None, 10.0, true);
        rule.app_name = "default/checkout".into();
        let since = chrono::Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        let alert = StoredAlert {
            rule_id: 7,
            app_name: rule.app_name.clone(),
            profile_type: ProfileType::Cpu,
            state: AlertPhase::Firing,
            since,
            value: 50.0,
            threshold: 10.0,
            evaluated_at: since,
        };
        let notices = RuleNotices {
            public_url: url::Url::parse("http://localhost:8080/").unwrap(),
            interval: std::time::Duration::from_secs(60),
            registry: None,
        };
        let firing = notices.firing(&rule, &alert, &[], None, since);
        assert_eq!(firing.labels.app, "default/checkout");
        assert_eq!(
            firing.generator_url.as_deref(),
            Some("http://localhost:8080/triage/default%2Fcheckout?types=cpu")
        );
    }
}

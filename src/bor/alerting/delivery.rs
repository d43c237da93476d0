//! Delivery of alerts (SPEC §10). To Prometheus Alertmanager: every firing alert at every
//! evaluation (`endsAt` = now + 4 intervals, so Alertmanager resolves it by itself if the
//! evaluator dies), and each resolution once. To a rule's webhook: one POST per transition,
//! from the outbox, until delivered, or refused by the address guard (then given up). Failures
//! are counted and retried, never fatal.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use tokio::time::Instant;
use url::Url;

use super::evaluator::{Evaluation, FiringAlert};
use crate::address_guard::AddressGuard;
use crate::backoff::Backoff;
use crate::outbound::{Failure, Outbound};
use crate::profile::round_percent;
use crate::sor::alert_rule::AlertRule;
use crate::sor::alert_state::{AlertTransition, TransitionKind};
use crate::sor::registry::Service;
use crate::sor::{AlertStateSor, RegistrySor};
use crate::telemetry::Metrics;

/// Bytes of a receiver's answer kept: only its status matters.
const MAX_ANSWER: usize = 4096;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Webhooks delivered per evaluation at most; the rest wait in the outbox.
const OUTBOX_BATCH: u32 = 100;
const RETRY: Backoff = Backoff {
    base: Duration::from_millis(200),
    max_delay: Duration::from_secs(2),
    max_retries: 3,
};

/// Where alerts go.
pub struct Delivery {
    pub alertmanager: Option<(Outbound, Url)>,
    pub webhooks: Outbound,
    pub registry: Option<Arc<dyn RegistrySor>>,
    pub public_url: Url,
    pub interval: Duration,
    pub timeout: Duration,
    pub metrics: Arc<Metrics>,
}

impl Delivery {
    /// The client of an operator-set receiver (Alertmanager): trusted, not checked.
    pub fn outbound(target: &'static str, metrics: Arc<Metrics>) -> Option<Outbound> {
        Outbound::new(target, CONNECT_TIMEOUT, Default::default(), metrics)
            .ok()
            .map(|o| o.max_body(MAX_ANSWER))
    }

    /// The client of the rules' webhooks, URLs from user input: only addresses `guard`
    /// permits, checked after resolution and connected to as checked.
    pub fn webhook_outbound(guard: AddressGuard, metrics: Arc<Metrics>) -> Option<Outbound> {
        Outbound::guarded("webhook", CONNECT_TIMEOUT, guard, metrics)
            .ok()
            .map(|o| o.max_body(MAX_ANSWER))
    }

    /// Sends one evaluation's alerts to Alertmanager and drains the webhook outbox.
    pub async fn deliver(
        &self,
        evaluation: &Evaluation,
        state: &dyn AlertStateSor,
        now: DateTime<Utc>,
    ) {
        if let Some((outbound, base)) = &self.alertmanager {
            let owners = self.owners().await;
            let mut alerts: Vec<Value> = evaluation
                .firing
                .iter()
                .map(|f| self.firing(f, owners.get(&f.rule.app_name), now))
                .collect();
            alerts.extend(
                evaluation
                    .transitions
                    .iter()
                    .filter(|(t, _)| t.transition == TransitionKind::Resolved)
                    .map(|(t, rule)| self.resolved(t, rule.as_ref(), owners.get(&t.app_name))),
            );
            if !alerts.is_empty() {
                let url = base.join("api/v2/alerts").unwrap_or_else(|_| base.clone());
                let body = Value::Array(alerts);
                let sent = outbound
                    .send(Instant::now() + self.timeout, RETRY, || {
                        outbound.client().post(url.clone()).json(&body)
                    })
                    .await;
                self.count("alertmanager", &sent);
            }
        }
        self.drain_outbox(state).await;
    }

    async fn drain_outbox(&self, state: &dyn AlertStateSor) {
        let pending = match state.pending_webhooks(OUTBOX_BATCH).await {
            Ok(pending) => pending,
            Err(error) => {
                tracing::warn!(%error, "the webhook outbox cannot be read");
                return;
            }
        };
        for item in pending {
            let Some(url) = item
                .transition
                .webhook
                .as_deref()
                .and_then(|w| Url::parse(w).ok())
            else {
                continue;
            };
            let body = webhook_body(item.id, &item.transition, &self.public_url);
            let sent = self
                .webhooks
                .send(Instant::now() + self.timeout, RETRY, || {
                    self.webhooks
                        .client()
                        .post(url.clone())
                        .header("Idempotency-Key", item.id.to_string())
                        .json(&body)
                })
                .await;
            self.count("webhook", &sent);
            // A refused address stays refused: the notification is given up, not retried.
            if matches!(sent, Ok(_) | Err(Failure::Unreachable { denied: true, .. })) {
                if let Err(error) = state.mark_notified(item.id).await {
                    tracing::warn!(%error, id = item.id, "a settled webhook could not be marked; it will be sent again");
                }
            }
        }
    }

    fn count(&self, target: &str, sent: &Result<actix_web::web::Bytes, Failure>) {
        let outcome = match sent {
            Ok(_) => "ok",
            Err(Failure::Unreachable {
                cause,
                denied: true,
                ..
            }) => {
                tracing::warn!(target, %cause, "an alert notification was refused and given up");
                "denied"
            }
            Err(failure) => {
                tracing::warn!(target, ?failure, "an alert notification failed");
                "error"
            }
        };
        self.metrics
            .alert_notifications
            .with_label_values(&[target, outcome])
            .inc();
    }

    /// Team and tier of every registered app, when a registry is there.
    async fn owners(&self) -> HashMap<String, Service> {
        let Some(registry) = &self.registry else {
            return HashMap::new();
        };
        match registry.list(None).await {
            Ok(services) => services
                .into_iter()
                .map(|s| (s.app_name.clone(), s))
                .collect(),
            Err(error) => {
                tracing::warn!(%error, "alerts go out without team labels: the registry cannot be read");
                HashMap::new()
            }
        }
    }

    fn firing(&self, f: &FiringAlert, owner: Option<&Service>, now: DateTime<Utc>) -> Value {
        let ends = now + chrono::Duration::from_std(self.interval * 4).unwrap_or_default();
        let mut alert = self.alert(&f.rule, owner, f.alert.value, f.alert.threshold);
        let top: Vec<String> = f
            .top
            .iter()
            .take(3)
            .map(|s| format!("{} {}%", s.name, round_percent(s.self_percent)))
            .collect();
        alert["annotations"]["description"] = json!(top.join("; "));
        alert["startsAt"] = json!(f.alert.since);
        alert["endsAt"] = json!(ends);
        alert
    }

    fn resolved(
        &self,
        t: &AlertTransition,
        rule: Option<&AlertRule>,
        owner: Option<&Service>,
    ) -> Value {
        let mut alert = match rule {
            Some(rule) => self.alert(rule, owner, t.value, t.threshold),
            None => json!({"labels": {"alertname": ALERT_NAME, "app": t.app_name,
                "profile_type": t.profile_type.as_str(), "rule_id": t.rule_id.to_string()},
                "annotations": {}}),
        };
        alert["endsAt"] = json!(t.at);
        alert
    }

    fn alert(
        &self,
        rule: &AlertRule,
        owner: Option<&Service>,
        value: f64,
        threshold: f64,
    ) -> Value {
        let pattern = rule.function_pattern.clone().unwrap_or_default();
        let what = match pattern.strip_prefix("diagnosis:") {
            _ if pattern.is_empty() => "top function",
            Some(category) => category.trim(),
            None => pattern.as_str(),
        };
        let mut labels = json!({
            "alertname": ALERT_NAME, "app": rule.app_name, "profile_type": rule.profile_type.as_str(),
            "rule_id": rule.id.to_string(), "severity": rule.severity.as_str(), "function_pattern": pattern,
        });
        if let Some(service) = owner {
            if let Some(team) = &service.team_owner {
                labels["team"] = json!(team);
            }
            labels["tier"] = json!(service.tier.as_str());
        }
        let triage = triage_url(&self.public_url, &rule.app_name, rule.profile_type.as_str());
        json!({
            "labels": labels,
            "annotations": {
                "summary": format!("{what} {}% > {}% on {} ({})", round_percent(value),
                    round_percent(threshold), rule.app_name, rule.profile_type),
                "value": round_percent(value).to_string(),
                "threshold": threshold.to_string(),
                "triage_url": triage,
            },
            "generatorURL": triage,
        })
    }
}

/// The `alertname` label of every alert this service raises.
pub const ALERT_NAME: &str = "ProfilingRuleBreached";

fn triage_url(base: &Url, app: &str, profile_type: &str) -> String {
    let mut url = base.clone();
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty().extend(["triage", app]);
    }
    url.query_pairs_mut().append_pair("types", profile_type);
    url.to_string()
}

/// The JSON a rule's webhook gets for one transition; `id` lets a receiver drop a repeat.
fn webhook_body(id: i64, t: &AlertTransition, public_url: &Url) -> Value {
    json!({
        "id": id,
        "status": t.transition.as_str(),
        "ruleId": t.rule_id,
        "appName": t.app_name,
        "profileType": t.profile_type.as_str(),
        "value": round_percent(t.value),
        "threshold": t.threshold,
        "at": t.at,
        "triageUrl": triage_url(public_url, &t.app_name, t.profile_type.as_str()),
    })
}

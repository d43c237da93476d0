//! The evaluator as a background task: every interval, if this process leads, evaluate every
//! rule and save, then hand the alerts to delivery without waiting for it. `/health` shows
//! whether it leads, when it last ran and how it went.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::MissedTickBehavior;

use tokio::sync::Notify;

use super::evaluator::{Evaluation, Evaluator};
use super::notice::RuleAlert;
use crate::firing::TransitionKind;
use pf_delivery::AlertmanagerQueue;
use pf_infra::budget::in_background;
use pf_infra::leader::Leadership;
use pf_infra::tasks::{RoundStatus, Shutdown, TaskDetails};
use pf_infra::telemetry::Metrics;

/// The evaluator and what it needs to run on its own.
#[derive(Clone)]
pub struct EvaluatorTask {
    pub evaluator: Evaluator,
    pub leadership: Arc<dyn Leadership>,
    /// Where the alerts go for Alertmanager, when there is one.
    pub alertmanager: Option<Arc<AlertmanagerQueue>>,
    /// Tells delivery that webhooks were enqueued.
    pub wake: Arc<Notify>,
    pub interval: Duration,
    pub metrics: Arc<Metrics>,
    pub status: Arc<EvaluatorStatus>,
}

/// What `/health` shows of the evaluator; a round is one turn.
pub type EvaluatorStatus = RoundStatus<Evaluating>;

/// The evaluator's own details: whether it leads, and its last evaluation.
#[derive(Default)]
pub struct Evaluating {
    leader: bool,
    last_run: Option<DateTime<Utc>>,
    evaluated: usize,
    errors: usize,
    firing: usize,
    profile_reads: usize,
    duration_ms: u128,
}

impl TaskDetails for Evaluating {
    const NAME: &'static str = "alertEvaluator";

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "role": if self.leader { "leader" } else { "standby" },
            "lastRun": self.last_run,
            "evaluated": self.evaluated,
            "errors": self.errors,
            "firing": self.firing,
            "profileReads": self.profile_reads,
            "durationMs": self.duration_ms,
        })
    }
}

impl EvaluatorTask {
    /// Evaluates every interval, from one interval after start, until shutdown.
    pub async fn run(self, mut shutdown: Shutdown) {
        // The first turn comes one interval after start: the schema is migrated by then, and a
        // starting process does not show a failed evaluation in `/health`.
        let first = tokio::time::Instant::now() + self.interval;
        let mut ticks = tokio::time::interval_at(first, self.interval);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = shutdown.requested() => return,
            }
            // Rule evaluation reads profiles behind people's reads in Pyroscope's budget.
            in_background(self.once()).await;
        }
    }

    /// One turn: lead or stand by; evaluate, save and deliver when leading.
    pub async fn once(&self) {
        let leader = match self.leadership.lead().await {
            Ok(leader) => leader,
            Err(error) => {
                self.status.failed(format!("cannot take the lead: {error}"));
                return;
            }
        };
        self.status.update(|s| s.leader = leader);
        if !leader {
            self.status.succeeded();
            return;
        }
        let now = Utc::now();
        let started = std::time::Instant::now();
        match self.evaluator.evaluate(now).await {
            Ok(evaluation) => {
                let m = &self.metrics;
                m.alert_evaluations
                    .with_label_values(&["ok"])
                    .inc_by(evaluation.evaluated as u64);
                m.alert_evaluations
                    .with_label_values(&["error"])
                    .inc_by(evaluation.errors as u64);
                m.alerts_firing
                    .set(i64::try_from(evaluation.firing.len()).unwrap_or(i64::MAX));
                if evaluation
                    .transitions
                    .iter()
                    .any(|(t, _)| t.notification.is_some())
                {
                    self.wake.notify_one();
                }
                if let Some(queue) = &self.alertmanager {
                    let (firing, resolved) = self.alerts(&evaluation, now).await;
                    queue.post("rules", &firing, &resolved);
                }
                self.status.update(|s| {
                    s.last_run = Some(now);
                    s.evaluated = evaluation.evaluated;
                    s.errors = evaluation.errors;
                    s.firing = evaluation.firing.len();
                    s.profile_reads = evaluation.profile_reads;
                    s.duration_ms = started.elapsed().as_millis();
                });
                self.status.succeeded();
            }
            Err(error) => {
                tracing::warn!(%error, "alert evaluation failed; nothing changed");
                self.status
                    .failed(format!("the last evaluation failed: {error}"));
            }
        }
    }

    /// The evaluation's alerts for Alertmanager: every firing one, and the resolutions.
    async fn alerts(
        &self,
        evaluation: &Evaluation,
        now: DateTime<Utc>,
    ) -> (Vec<RuleAlert>, Vec<RuleAlert>) {
        let notices = &self.evaluator.notices;
        let owners = notices.owners().await;
        let firing = evaluation
            .firing
            .iter()
            .map(|f| {
                let owner = owners.get(&f.rule.app_name);
                notices.firing(&f.rule, &f.alert, &f.top, owner, now)
            })
            .collect();
        let resolved = evaluation
            .transitions
            .iter()
            .filter(|(t, _)| t.transition == TransitionKind::Resolved)
            .map(|(t, rule)| notices.resolved(t, rule.as_ref(), owners.get(&t.app_name)))
            .collect();
        (firing, resolved)
    }
}

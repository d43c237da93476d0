//! Delivery of a process's notifications: one outbox drain and one Alertmanager queue, shared
//! by every producer the process runs (the rule evaluator, the regression detector), started
//! when it runs one of them and has a database.

use std::sync::Arc;
use std::time::Duration;

use super::access::address_guard;
use super::StartupError;
use crate::alerts::settings::AlertSettings;
use crate::app::settings::{Function, Settings};
use crate::delivery::drain::Drain;
use crate::delivery::outbox::PgOutbox;
use crate::delivery::policy::RetryPolicy;
use crate::delivery::status::DeliveryStatus;
use crate::delivery::task::{AlertmanagerTarget, DeliveryTask};
use crate::delivery::AlertmanagerQueue;
use crate::infra::backoff::Backoff;
use crate::infra::db::Database;
use crate::infra::outbound::Outbound;
use crate::infra::tasks::Tasks;
use crate::infra::telemetry::Metrics;

/// Bytes of a receiver's answer kept: only its status matters.
const MAX_ANSWER: usize = 4096;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What producers hand their notifications to.
#[derive(Clone)]
pub(super) struct Delivery {
    /// Alerts for Alertmanager; `None` when no `alerts.alertmanager_url` is set.
    pub(super) alertmanager: Option<Arc<AlertmanagerQueue>>,
    /// Tells the drain that the outbox has new rows.
    pub(super) wake: Arc<tokio::sync::Notify>,
}

/// Starts delivery under `tasks` when this process produces notifications (it runs the alert
/// evaluator or the profile watcher) and has a database for the outbox.
pub(super) fn start_delivery(
    settings: &Settings,
    database: Option<&Database>,
    metrics: &Arc<Metrics>,
    tasks: &mut Tasks,
) -> Result<Option<Delivery>, StartupError> {
    let function = settings.function;
    let produces = function.hosts(Function::AlertEvaluator) || function.hosts(Function::Watch);
    let Some(db) = database.filter(|_| produces) else {
        return Ok(None);
    };
    let task = delivery_task(settings, db, metrics)?;
    let delivery = Delivery {
        alertmanager: task.alertmanager.as_ref().map(|_| task.queue.clone()),
        wake: task.wake.clone(),
    };
    // Sends in flight get the delivery timeout to finish; the rest are retried later.
    let stop_within = settings.alerts.delivery_timeout_secs;
    tasks.spawn_restarting(task.status.clone(), stop_within, move |shutdown| {
        task.clone().run(shutdown)
    });
    Ok(Some(delivery))
}

/// Delivery of the alerts: the outbox drained from `db`, Alertmanager when one is set.
fn delivery_task(
    settings: &Settings,
    db: &Database,
    metrics: &Arc<Metrics>,
) -> Result<DeliveryTask, StartupError> {
    let alerts: &AlertSettings = &settings.alerts;
    let built = |client: Result<Outbound, _>| {
        client
            .map(|c| c.max_body(MAX_ANSWER))
            .map_err(|_| StartupError::Config {
                key: "alerts",
                reason: "cannot build the HTTP client for alert delivery".into(),
            })
    };
    let alertmanager = match &alerts.alertmanager_url {
        // Set by the operator: trusted, not checked by the address guard.
        Some(url) => Some(AlertmanagerTarget {
            client: built(Outbound::new(
                "alertmanager",
                CONNECT_TIMEOUT,
                Default::default(),
                metrics.clone(),
            ))?,
            url: url.clone(),
        }),
        None => None,
    };
    // Webhook URLs come from users: only addresses the guard permits, checked after resolution.
    let webhooks = built(Outbound::guarded(
        "webhook",
        CONNECT_TIMEOUT,
        address_guard(settings),
        metrics.clone(),
    ))?;
    let policy = RetryPolicy {
        backoff: Backoff {
            base: alerts.retry_initial_millis,
            max_delay: alerts.retry_max_secs,
            max_retries: u32::MAX,
        },
        max_attempts: alerts.give_up_after_attempts.get(),
        max_age: alerts.give_up_after_secs,
    };
    Ok(DeliveryTask {
        drain: Arc::new(Drain {
            outbox: Arc::new(PgOutbox::new(db.clone())),
            webhooks,
            policy,
            concurrency: alerts.delivery_concurrency.get(),
            timeout: alerts.delivery_timeout_secs,
            keep_settled: Duration::from_secs(
                alerts.keep_settled_days.get().saturating_mul(86_400),
            ),
            metrics: metrics.clone(),
        }),
        alertmanager,
        queue: Arc::new(AlertmanagerQueue::default()),
        wake: Arc::new(tokio::sync::Notify::new()),
        status: Arc::new(DeliveryStatus::default()),
    })
}

//! How delivery starts (docs/alerting.md): one outbox drain and one Alertmanager queue
//! per process, shared by every producer it runs (the rule evaluator, the regression announcer).

use std::num::{NonZeroU32, NonZeroU64, NonZeroUsize};
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::drain::Drain;
use super::outbox::PgOutbox;
use super::policy::RetryPolicy;
use super::status::DeliveryStatus;
use super::task::{AlertmanagerTarget, DeliveryTask};
use super::AlertmanagerQueue;
use pf_infra::address_guard::AddressGuard;
use pf_infra::backoff::Backoff;
use pf_infra::db::Database;
use pf_infra::outbound::Outbound;
use pf_infra::tasks::{StartError, Tasks};
use pf_infra::telemetry::Metrics;

/// Bytes of a receiver's answer kept: only its status matters.
const MAX_ANSWER: usize = 4096;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where notifications go and how hard each is tried (the `[alerts]` section's delivery keys).
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    pub alertmanager_url: Option<Url>,
    pub timeout: Duration,
    pub concurrency: NonZeroUsize,
    pub retry_initial: Duration,
    pub retry_max: Duration,
    pub give_up_after_attempts: NonZeroU32,
    pub give_up_after: Duration,
    pub keep_settled_days: NonZeroU64,
}

/// What delivery needs from the process: the outbox's database, the guard of the addresses a
/// webhook may reach, and the metrics registry.
pub struct DeliveryNeeds {
    pub database: Database,
    pub guard: AddressGuard,
    pub metrics: Arc<Metrics>,
}

/// What producers hand their notifications to.
#[derive(Clone)]
pub struct Delivery {
    /// Alerts for Alertmanager; `None` when no `alerts.alertmanager_url` is set.
    pub alertmanager: Option<Arc<AlertmanagerQueue>>,
    /// Tells the drain that the outbox has new rows.
    pub wake: Arc<tokio::sync::Notify>,
}

/// Starts the delivery task under `tasks`.
///
/// # Errors
/// When the HTTP clients for Alertmanager and webhooks cannot be built.
pub fn start(
    settings: &DeliverySettings,
    needs: DeliveryNeeds,
    tasks: &mut Tasks,
) -> Result<Delivery, StartError> {
    let task = delivery_task(settings, needs)?;
    let delivery = Delivery {
        alertmanager: task.alertmanager.as_ref().map(|_| task.queue.clone()),
        wake: task.wake.clone(),
    };
    // Sends in flight get the delivery timeout to finish; the rest are retried later.
    tasks.spawn_restarting(task.status.clone(), settings.timeout, move |shutdown| {
        task.clone().run(shutdown)
    });
    Ok(delivery)
}

fn delivery_task(
    settings: &DeliverySettings,
    needs: DeliveryNeeds,
) -> Result<DeliveryTask, StartError> {
    let DeliveryNeeds {
        database,
        guard,
        metrics,
    } = needs;
    let built = |client: Result<Outbound, _>| {
        client
            .map(|c| c.max_body(MAX_ANSWER))
            .map_err(|_| StartError {
                key: "alerts",
                reason: "cannot build the HTTP client for alert delivery".into(),
            })
    };
    let alertmanager = match &settings.alertmanager_url {
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
        guard,
        metrics.clone(),
    ))?;
    let policy = RetryPolicy {
        backoff: Backoff {
            base: settings.retry_initial,
            max_delay: settings.retry_max,
            max_retries: u32::MAX,
        },
        max_attempts: settings.give_up_after_attempts.get(),
        max_age: settings.give_up_after,
    };
    let keep_days = settings.keep_settled_days.get();
    Ok(DeliveryTask {
        drain: Arc::new(Drain {
            outbox: Arc::new(PgOutbox::new(database)),
            webhooks,
            policy,
            concurrency: settings.concurrency.get(),
            timeout: settings.timeout,
            keep_settled: Duration::from_secs(keep_days.saturating_mul(86_400)),
            metrics,
        }),
        alertmanager,
        queue: Arc::new(AlertmanagerQueue::default()),
        wake: Arc::new(tokio::sync::Notify::new()),
        status: Arc::new(DeliveryStatus::default()),
    })
}

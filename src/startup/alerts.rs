//! The alert evaluator of an all-in-one process: its state in the process's database, the
//! dry-run and listing routes, and two background tasks: evaluation (on the leader) and
//! delivery (on every replica: the outbox is shared).

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;

use super::access::address_guard;
use super::bors::{load_rules, Bors, Hosted};
use super::remote_sors::{
    alert_rule_spec, profile_data_spec, registry_spec, RemoteChecks, RemoteSors,
};
use super::StartupError;
use crate::backoff::Backoff;
use crate::bor::alerting::evaluator::Evaluator;
use crate::bor::alerting::notice::RuleNotices;
use crate::bor::alerting::task::{EvaluatorStatus, EvaluatorTask};
use crate::bor::alerting::AlertEvaluationService;
use crate::bor::delivery::drain::Drain;
use crate::bor::delivery::policy::RetryPolicy;
use crate::bor::delivery::status::DeliveryStatus;
use crate::bor::delivery::task::{AlertmanagerTarget, DeliveryTask};
use crate::bor::delivery::AlertmanagerQueue;
use crate::db::Database;
use crate::outbound::Outbound;
use crate::settings::{AlertSettings, Function, Settings};
use crate::sor::alert_state::{PgAlertStateStore, PgLeadership};
use crate::sor::outbox::PgOutbox;
use crate::sor::AlertStateSor;
use crate::tasks::Tasks;
use crate::telemetry::Metrics;

/// How long the evaluator may take to finish an evaluation once asked to stop.
const EVALUATOR_STOP_WITHIN: Duration = Duration::from_secs(5);
/// Bytes of a receiver's answer kept: only its status matters.
const MAX_ANSWER: usize = 4096;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The evaluator: its routes and service, its task, and the health checks of the SORs it
/// reaches over HTTP.
struct AlertEvaluator {
    service: web::Data<AlertEvaluationService>,
    task: EvaluatorTask,
    delivery: DeliveryTask,
    checks: RemoteChecks,
}

/// Starts the evaluator under `tasks` and gives `bors` its routes and health checks, when this
/// process runs it.
pub(super) fn start_alert_evaluator(
    settings: &Settings,
    hosted: &Hosted,
    database: Option<&Database>,
    metrics: &Arc<Metrics>,
    bors: &mut Bors,
    tasks: &mut Tasks,
) -> Result<(), StartupError> {
    if let Some(alerts) = alert_evaluator(settings, hosted, database, metrics)? {
        bors.alerts = Some(alerts.service);
        bors.checks.extend(alerts.checks);
        let (status, task) = (alerts.task.status.clone(), alerts.task);
        tasks.spawn(status, EVALUATOR_STOP_WITHIN, move |shutdown| {
            task.run(shutdown)
        });
        // Sends in flight get the delivery timeout to finish; the rest are retried later.
        let stop_within = settings.alerts.delivery_timeout();
        let (status, delivery) = (alerts.delivery.status.clone(), alerts.delivery);
        tasks.spawn(status, stop_within, move |shutdown| delivery.run(shutdown));
    }
    Ok(())
}

/// The evaluator, when this process runs it (`all`, or `EvaluatePyroscopeAlertRules.v1`) and
/// has a database for its state. Rules, profiles and the registry are reached by the SPEC §1
/// rule: a URL → over HTTP, hosted here → in-process; rules and profiles are required.
fn alert_evaluator(
    settings: &Settings,
    hosted: &Hosted,
    database: Option<&Database>,
    metrics: &Arc<Metrics>,
) -> Result<Option<AlertEvaluator>, StartupError> {
    let function = settings.function;
    let Some(db) = database.filter(|_| function.hosts(Function::AlertEvaluator)) else {
        return Ok(None);
    };
    let urls = &settings.sors;
    let mut remote = RemoteSors {
        settings,
        metrics,
        checks: Vec::new(),
    };
    let missing = |reason| StartupError::Config {
        key: "sors",
        reason: format!("the alert evaluator needs {reason}"),
    };
    let rules = remote
        .resolve(
            alert_rule_spec(),
            urls.alert_rule_url.as_ref(),
            function.hosts(Function::AlertRuleSor),
            hosted.alert_rules.as_ref(),
        )?
        .ok_or_else(|| missing("its rules: set ALERT_RULE_URL"))?;
    let profiles = remote
        .resolve(
            profile_data_spec(),
            urls.profile_data_url.as_ref(),
            function.hosts(Function::ProfileDataSor),
            hosted.profile_data.as_ref(),
        )?
        .ok_or_else(|| missing("profiles: set PROFILE_DATA_URL"))?;
    let registry = remote.resolve(
        registry_spec(),
        urls.registry_url.as_ref(),
        function.hosts(Function::RegistrySor),
        hosted.registry.as_ref(),
    )?;
    let (rules, profiles) = (&rules, &profiles);
    let alerts = &settings.alerts;
    let state: Arc<dyn AlertStateSor> = Arc::new(PgAlertStateStore::new(db.clone()));
    let triage_rules = Arc::new(load_rules(settings)?);
    let window_secs = i64::try_from(alerts.window_secs).unwrap_or(i64::MAX);
    let service = AlertEvaluationService::new(
        rules.clone(),
        profiles.clone(),
        state.clone(),
        triage_rules.clone(),
        window_secs,
    );
    let notices = Arc::new(RuleNotices {
        public_url: alerts.public_url.clone(),
        interval: alerts.interval(),
        registry,
    });
    let delivery = delivery_task(settings, db, metrics)?;
    let task = EvaluatorTask {
        evaluator: Evaluator {
            rules: rules.clone(),
            profiles: profiles.clone(),
            state,
            triage_rules,
            window_secs,
            notices,
        },
        leadership: Arc::new(PgLeadership::new(db.clone())),
        alertmanager: delivery
            .alertmanager
            .as_ref()
            .map(|_| delivery.queue.clone()),
        wake: delivery.wake.clone(),
        interval: alerts.interval(),
        metrics: metrics.clone(),
        status: Arc::new(EvaluatorStatus::default()),
    };
    Ok(Some(AlertEvaluator {
        service: web::Data::new(service),
        task,
        delivery,
        checks: remote.checks,
    }))
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
            base: Duration::from_millis(alerts.retry_initial_millis),
            max_delay: Duration::from_secs(alerts.retry_max_secs),
            max_retries: u32::MAX,
        },
        max_attempts: alerts.give_up_after_attempts,
        max_age: Duration::from_secs(alerts.give_up_after_secs),
    };
    Ok(DeliveryTask {
        drain: Arc::new(Drain {
            outbox: Arc::new(PgOutbox::new(db.clone())),
            webhooks,
            policy,
            concurrency: alerts.delivery_concurrency,
            timeout: alerts.delivery_timeout(),
            keep_settled: Duration::from_secs(alerts.keep_settled_days.saturating_mul(86_400)),
            metrics: metrics.clone(),
        }),
        alertmanager,
        queue: Arc::new(AlertmanagerQueue::default()),
        wake: Arc::new(tokio::sync::Notify::new()),
        status: Arc::new(DeliveryStatus::default()),
    })
}

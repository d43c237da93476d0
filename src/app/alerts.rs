//! The alert evaluator of an all-in-one process: its state in the process's database, the
//! dry-run and listing routes, and evaluation on the leader as a background task (delivery,
//! on every replica, is the process's one delivery task: `delivery.rs`).

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;

use super::bors::{load_rules, Bors};
use super::delivery::Delivery;
use super::ground::Ground;
use super::remote_sors::{
    alert_rule_spec, profile_data_spec, registry_spec, RemoteChecks, RemoteSors,
};
use super::StartupError;
use crate::alerts::evaluator::Evaluator;
use crate::alerts::firing::{AlertStateSor, PgAlertStateStore};
use crate::alerts::notice::RuleNotices;
use crate::alerts::task::{EvaluatorStatus, EvaluatorTask};
use crate::alerts::AlertEvaluationService;
use crate::app::settings::Function;
use crate::infra::leader::PgLeadership;
use crate::infra::tasks::Tasks;

/// How long the evaluator may take to finish an evaluation once asked to stop.
const EVALUATOR_STOP_WITHIN: Duration = Duration::from_secs(5);

/// The evaluator: its routes and service, its task, and the health checks of the SORs it
/// reaches over HTTP.
struct AlertEvaluator {
    service: web::Data<AlertEvaluationService>,
    task: EvaluatorTask,
    checks: RemoteChecks,
}

/// Starts the evaluator under `tasks` and gives `bors` its routes and health checks, when this
/// process runs it.
pub(super) fn start_alert_evaluator(
    ground: Ground<'_>,
    bors: &mut Bors,
    tasks: &mut Tasks,
) -> Result<(), StartupError> {
    let Some(delivery) = ground.delivery else {
        return Ok(());
    };
    if let Some(alerts) = alert_evaluator(ground, delivery)? {
        bors.alerts = Some(alerts.service);
        bors.checks.extend(alerts.checks);
        let (status, task) = (alerts.task.status.clone(), alerts.task);
        tasks.spawn_restarting(status, EVALUATOR_STOP_WITHIN, move |shutdown| {
            task.clone().run(shutdown)
        });
    }
    Ok(())
}

/// The evaluator, when this process runs it (`all`, or `EvaluatePyroscopeAlertRules.v1`) and
/// has a database for its state. Rules, profiles and the registry are reached by the dependency
/// rule (docs/split-deployment.md#the-dependency-rule): a URL → over HTTP, hosted here →
/// in-process; rules and profiles are required.
fn alert_evaluator(
    ground: Ground<'_>,
    delivery: &Delivery,
) -> Result<Option<AlertEvaluator>, StartupError> {
    let Ground {
        settings,
        hosted,
        database,
        metrics,
        ..
    } = ground;
    let function = settings.function;
    let Some(db) = database.filter(|_| function.hosts(Function::AlertEvaluator)) else {
        return Ok(None);
    };
    let mut remote = RemoteSors::new(settings, metrics);
    let missing = |reason| StartupError::Config {
        key: "sors",
        reason: format!("the alert evaluator needs {reason}"),
    };
    let rules = remote
        .resolve(alert_rule_spec(), hosted.alert_rules.as_ref())?
        .ok_or_else(|| missing("its rules: set ALERT_RULE_URL"))?;
    let profiles = remote
        .resolve(profile_data_spec(), hosted.profile_data.as_ref())?
        .ok_or_else(|| missing("profiles: set PROFILE_DATA_URL"))?;
    let registry = remote.resolve(registry_spec(), hosted.registry.as_ref())?;
    let (rules, profiles) = (&rules, &profiles);
    let alerts = &settings.alerts;
    let state: Arc<dyn AlertStateSor> = Arc::new(PgAlertStateStore::new(db.clone()));
    let triage_rules = Arc::new(load_rules(settings)?);
    let window_secs = i64::try_from(alerts.window_secs.as_secs()).unwrap_or(i64::MAX);
    let service = AlertEvaluationService::new(
        rules.clone(),
        profiles.clone(),
        state.clone(),
        triage_rules.clone(),
        window_secs,
    );
    let notices = Arc::new(RuleNotices {
        public_url: alerts.public_url.clone(),
        interval: alerts.interval_secs,
        registry,
    });
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
        alertmanager: delivery.alertmanager.clone(),
        wake: delivery.wake.clone(),
        interval: alerts.interval_secs,
        metrics: metrics.clone(),
        status: Arc::new(EvaluatorStatus::default()),
    };
    Ok(Some(AlertEvaluator {
        service: web::Data::new(service),
        task,
        checks: remote.checks,
    }))
}

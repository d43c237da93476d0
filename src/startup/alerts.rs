//! The alert evaluator of an all-in-one process: its state in the process's database, the
//! dry-run and listing routes, and the background task.

use std::sync::Arc;

use actix_web::web;

use super::bors::{load_rules, Hosted};
use super::StartupError;
use crate::bor::alerting::delivery::Delivery;
use crate::bor::alerting::evaluator::Evaluator;
use crate::bor::alerting::task::{EvaluatorStatus, EvaluatorTask};
use crate::bor::alerting::AlertEvaluationService;
use crate::db::Database;
use crate::settings::{Function, Settings};
use crate::sor::alert_state::{PgAlertStateStore, PgLeadership};
use crate::sor::AlertStateSor;
use crate::telemetry::Metrics;

/// How long the evaluator may take to finish an evaluation once asked to stop.
pub(super) const EVALUATOR_STOP_WITHIN: std::time::Duration = std::time::Duration::from_secs(5);

/// The evaluator's routes and its task, when this process runs it: `all`, with a database.
pub(super) fn alert_evaluator(
    settings: &Settings,
    hosted: &Hosted,
    database: Option<&Database>,
    metrics: &Arc<Metrics>,
) -> Result<Option<(web::Data<AlertEvaluationService>, EvaluatorTask)>, StartupError> {
    let (Function::All, Some(db), Some(rules), Some(profiles)) = (
        settings.function,
        database,
        &hosted.alert_rules,
        &hosted.profile_data,
    ) else {
        return Ok(None);
    };
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
    let outbound = |target| {
        Delivery::outbound(target, metrics.clone()).ok_or(StartupError::Config {
            key: "alerts",
            reason: "cannot build the HTTP client for alert delivery".into(),
        })
    };
    let alertmanager = match &alerts.alertmanager_url {
        Some(url) => Some((outbound("alertmanager")?, url.clone())),
        None => None,
    };
    let task = EvaluatorTask {
        evaluator: Evaluator {
            rules: rules.clone(),
            profiles: profiles.clone(),
            state,
            triage_rules,
            window_secs,
        },
        leadership: Arc::new(PgLeadership::new(db.clone())),
        delivery: Delivery {
            alertmanager,
            webhooks: outbound("webhook")?,
            registry: hosted.registry.clone(),
            public_url: alerts.public_url.clone(),
            interval: alerts.interval(),
            timeout: std::time::Duration::from_secs(alerts.delivery_timeout_secs),
            metrics: metrics.clone(),
        },
        interval: alerts.interval(),
        metrics: metrics.clone(),
        status: Arc::new(EvaluatorStatus::default()),
    };
    Ok(Some((web::Data::new(service), task)))
}

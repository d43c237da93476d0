//! The alert evaluator of a process that runs it (`all`, or `EvaluatePyroscopeAlertRules.v1`) and
//! has a database for its state: rules, profiles and the registry resolved by the dependency
//! rule (docs/split-deployment.md#the-dependency-rule: a URL → over HTTP, hosted here →
//! in-process; rules and profiles required), then `alerts::start`. Delivery, on every replica,
//! is the process's one delivery task (`delivery.rs`).

use std::sync::Arc;

use actix_web::web;

use super::bors::{load_rules, Bors};
use super::ground::Ground;
use super::remote_sors::{alert_rule_spec, profile_data_spec, registry_spec, RemoteSors};
use super::StartupError;
use crate::alerts::start::{self as alerts, AlertNeeds};
use crate::app::settings::Function;
use crate::infra::tasks::Tasks;

/// Starts the evaluator under `tasks` and gives `bors` its routes and health checks, when this
/// process runs it.
pub(super) fn start_alert_evaluator(
    ground: Ground<'_>,
    bors: &mut Bors,
    tasks: &mut Tasks,
) -> Result<(), StartupError> {
    let Ground {
        settings,
        hosted,
        database,
        delivery,
        metrics,
    } = ground;
    let Some(delivery) = delivery else {
        return Ok(());
    };
    let function = settings.function;
    let Some(db) = database.filter(|_| function.hosts(Function::AlertEvaluator)) else {
        return Ok(());
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
    let needs = AlertNeeds {
        database: db.clone(),
        rules,
        profiles,
        registry: remote.resolve(registry_spec(), hosted.registry.as_ref())?,
        triage_rules: Arc::new(load_rules(settings)?),
        alertmanager: delivery.alertmanager.clone(),
        wake: delivery.wake.clone(),
        metrics: metrics.clone(),
    };
    let service = alerts::start(&settings.alerts, needs, tasks);
    bors.alerts = Some(web::Data::new(service));
    bors.checks.extend(remote.checks);
    Ok(())
}

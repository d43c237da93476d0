//! The alert evaluator of a process that runs it (`all`, or `EvaluatePyroscopeAlertRules.v1`) and
//! has a database for its state: rules, profiles and the registry resolved by the dependency
//! rule (docs/split-deployment.md#the-dependency-rule: a URL → over HTTP, hosted here →
//! in-process; rules and profiles required), then `alerts::start`. Delivery, on every replica,
//! is the process's one delivery task (`delivery.rs`).

use std::sync::Arc;

use super::remote_sors::{RemoteSors, ALERT_RULE_SPEC, PROFILE_DATA_SPEC, REGISTRY_SPEC};
use super::started::Started;
use super::StartupError;
use crate::settings::Function;
use pf_alerts::start::{self as alerts, AlertNeeds};
use pf_alerts::AlertEvaluationService;
use pf_triage::start::load_rules;

/// Starts the evaluator under the supervisor and answers its dry-run service, when this process
/// runs it; the health checks of the remote SORs it uses go with the BORs'.
pub(super) fn start_alert_evaluator(
    m: &mut Started<'_>,
) -> Result<Option<AlertEvaluationService>, StartupError> {
    let (settings, hosted) = (m.settings, &m.hosted);
    let Some(delivery) = m.delivery.as_ref() else {
        return Ok(None);
    };
    let hosts = settings.function.hosts(Function::AlertEvaluator);
    let Some(db) = m.database.as_ref().filter(|_| hosts) else {
        return Ok(None);
    };
    let mut remote = RemoteSors::new(settings, &m.metrics);
    let user = "the alert evaluator";
    let rules = remote.require(ALERT_RULE_SPEC, hosted.alert_rules.as_ref(), user)?;
    let profiles = remote.require(PROFILE_DATA_SPEC, hosted.profile_data.as_ref(), user)?;
    let needs = AlertNeeds {
        database: db.clone(),
        rules,
        profiles,
        registry: remote.resolve(REGISTRY_SPEC, hosted.registry.as_ref())?,
        triage_rules: Arc::new(load_rules(&settings.triage)?),
        alertmanager: delivery.alertmanager.clone(),
        wake: delivery.wake.clone(),
        metrics: m.metrics.clone(),
    };
    let service = alerts::start(&settings.alerts, needs, &mut m.tasks);
    m.bors.checks.extend(remote.checks);
    Ok(Some(service))
}

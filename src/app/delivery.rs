//! Delivery of a process's notifications (`delivery::start`), when it runs a producer (the alert
//! evaluator or the profile watcher) and has a database for the outbox.

use std::sync::Arc;

use super::access::address_guard;
use super::StartupError;
use crate::settings::{Function, Settings};
use pf_delivery::{self, Delivery, DeliveryNeeds};
use pf_infra::db::Database;
use pf_infra::tasks::Tasks;
use pf_infra::telemetry::Metrics;

/// The process's one delivery task, started under `tasks`; `None` when nothing here produces.
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
    let needs = DeliveryNeeds {
        database: db.clone(),
        guard: address_guard(settings),
        metrics: metrics.clone(),
    };
    Ok(Some(pf_delivery::start(
        &settings.alerts.delivery(),
        needs,
        tasks,
    )?))
}

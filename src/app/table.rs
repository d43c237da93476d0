//! The table of the service's modules, in the manner of Pyroscope's `modules.go`: every module
//! ([`Module`]) a row, a module after those it needs. For the `FUNCTION` asked, the table starts
//! the modules that function runs and, transitively, what they need: a module that is no
//! contract starts here; a contract (`contracts.rs`) starts here when this function hosts it,
//! and its users get it as the contract chooses — over HTTP where its `*_URL` names another
//! process, this process's own, or nothing; a required one that is neither refuses the start,
//! naming its `*_URL`. Split mode is the same table.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::contracts::{Choice, Contract};
use super::module::{Ground, Module, Name, Offers, RouteModule};
use super::StartupError;
use crate::settings::{Function, Settings};
use pf_health::DatabaseCheck;
use pf_infra::probe::HealthCheck;

/// Every module, each after the modules it needs (a unit test holds the table to it).
pub(super) const MODULES: [&dyn Module; 15] = [
    &pf_registry::REGISTRY_MODULE,
    &pf_baselines::BASELINES_MODULE,
    &pf_history::HISTORY_MODULE,
    &pf_alerts::ALERT_RULES_MODULE,
    &pf_querier::ProfileDataModule,
    &pf_regressions::WatcherStoresModule,
    &pf_delivery::DeliveryModule,
    &pf_alerts::AlertsModule,
    &pf_regressions::WatchModule,
    &pf_baselines::BaselineReadsModule,
    // After the evaluator and the watcher, so that the BORs' history writer, the last task
    // started, stops first (tasks stop newest first) while the database is still there.
    &pf_history::HistoryWriterModule,
    &pf_triage::TRIAGE_MODULE,
    &pf_diff_report::DIFF_REPORT_MODULE,
    &pf_fleet_search::FLEET_SEARCH_MODULE,
    &pf_front_door::FrontDoorModule,
];

fn module(name: Name) -> &'static dyn Module {
    MODULES
        .iter()
        .copied()
        .find(|m| m.name() == name)
        .unwrap_or_else(|| unreachable!("{name:?} is a row of the table"))
}

/// What the table starts for a process: the modules started here, and for each contract a
/// started module needs, the first module that needs it.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Plan {
    pub(super) here: Vec<Name>,
    pub(super) contracts: BTreeMap<Name, Name>,
}

impl Plan {
    /// The plan of a process of `settings.function`; an error naming the `*_URL` a required
    /// contract lacks when it is neither hosted here nor named.
    pub(super) fn of(settings: &Settings) -> Result<Self, StartupError> {
        let function = settings.function;
        let mut here = Vec::new();
        let mut contracts = BTreeMap::new();
        let mut stack: Vec<Name> = MODULES
            .iter()
            .filter(|m| m.runs_in(function))
            .map(|m| m.name())
            .collect();
        while let Some(name) = stack.pop() {
            if here.contains(&name) {
                continue;
            }
            here.push(name);
            for &need in module(name).needs(function) {
                let Some(contract) = Contract::of(need) else {
                    stack.push(need);
                    continue;
                };
                contracts.entry(need).or_insert(name);
                if module(need).runs_in(function) {
                    stack.push(need);
                } else if contract.required && !contract.is_remote(settings) {
                    return Err(contract.missing(function, name).into());
                }
            }
        }
        // In the table's order, which is every module's after those it needs.
        let here = MODULES
            .iter()
            .map(|m| m.name())
            .filter(|name| here.contains(name))
            .collect();
        Ok(Plan { here, contracts })
    }
}

/// What the started modules registered for the server.
pub(super) struct Registered {
    pub(super) routes: Vec<RouteModule>,
    pub(super) checks: Vec<Arc<dyn HealthCheck>>,
}

/// Starts, in the table's order, the modules of `plan` and the contracts they use, each started
/// module given what the modules before it offer.
pub(super) fn start_all(
    ground: &mut Ground<'_>,
    settings: &Settings,
    plan: &Plan,
) -> Result<Registered, StartupError> {
    let mut offers = Offers::default();
    let mut routes = Vec::new();
    let mut checks: Vec<Arc<dyn HealthCheck>> = Vec::new();
    if let Some(db) = &ground.database {
        checks.push(Arc::new(DatabaseCheck(db.clone())));
    }
    for row in MODULES {
        let name = row.name();
        if plan.here.contains(&name) {
            tracing::debug!(module = ?name, needs = ?row.needs(ground.function), "starting");
            let started = row.start(ground, &offers)?;
            routes.extend(started.routes);
            checks.extend(started.checks);
            offers.extend(started.offers);
        }
        if let (Some(&user), Some(contract)) = (plan.contracts.get(&name), Contract::of(name)) {
            match contract.choose(settings, &ground.metrics, &mut offers, user)? {
                Choice::Remote(check) => checks.push(check),
                Choice::Served | Choice::Absent => {}
            }
        }
    }
    Ok(Registered { routes, checks })
}

/// Whether `function` runs any module of the table on PostgreSQL.
pub(super) fn needs_database(function: Function) -> bool {
    MODULES
        .iter()
        .any(|m| m.runs_in(function) && m.on_postgres())
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;

//! The table of the service's modules, in the manner of Pyroscope's `modules.go`: each module
//! with the modules it needs, started in the table's order by its `init`. An `init` decides
//! whether this process hosts its module (`FUNCTION`), resolves what it needs from the modules
//! before it — in this process, or remote where a `*_URL` names another (split mode is the same
//! table) — calls its capability's `start`, and registers what the capability serves: routes,
//! background tasks (with the supervisor) and health checks.

use std::sync::Arc;

use actix_web::web;

use super::bors::build_bors;
use super::openapi::RoutesDoc;
use super::profile_source::start_profile_source;
use super::remote_sors::{RemoteSors, REGISTRY_SPEC};
use super::started::Started;
use super::watcher_stores::WatcherStores;
use super::{alerts, delivery, watch, StartupError};
use crate::settings::Function;
use pf_alerts::rules::PgAlertRuleStore;
use pf_baselines::PgBaselineStore;
use pf_front_door::{FrontDoorNeeds, FrontDoorService};
use pf_health::{DatabaseCheck, HealthChecks};
use pf_history::PgHistoryStore;
use pf_http::access::AppOwners;
use pf_ingest::start::{self as ingest, IntakeSettings};
use pf_querier::Querier;
use pf_registry::{PgRegistryStore, RegistryOwners};
use pf_watch::FleetSummarySor;
use utoipa::OpenApi;

/// The service's modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Name {
    /// The PostgreSQL-backed SORs: baselines, history, the registry, alert rules, the watcher's.
    Stores,
    /// Profile Data from its source, the push routes into it and the querier over it.
    ProfileData,
    /// The business functions: triage, the diff report, fleet search.
    Bors,
    /// The outbox and the Alertmanager queue of a process that produces notifications.
    Delivery,
    /// The alert evaluator and its dry run.
    Alerts,
    /// The profile watcher and the regressions it finds.
    Watch,
    /// The writer of the BORs' history queue.
    HistoryWriter,
    /// `GET /` and the health of everything started before it.
    FrontDoor,
}

/// How a module starts.
type Init = fn(&mut Started<'_>) -> Result<(), StartupError>;

/// A module of the table: its name, the modules it needs started before it, its `init`.
pub(super) struct Module {
    pub(super) name: Name,
    pub(super) needs: &'static [Name],
    pub(super) init: Init,
}

/// Every module, a module after those it needs (a unit test holds the table to it).
pub(super) const MODULES: [Module; 8] = [
    Module {
        name: Name::Stores,
        needs: &[],
        init: stores,
    },
    Module {
        name: Name::ProfileData,
        needs: &[],
        init: profile_data,
    },
    Module {
        name: Name::Bors,
        needs: &[Name::Stores, Name::ProfileData],
        init: bors,
    },
    Module {
        name: Name::Delivery,
        needs: &[],
        init: delivery,
    },
    Module {
        name: Name::Alerts,
        needs: &[Name::Stores, Name::ProfileData, Name::Delivery],
        init: alerts,
    },
    Module {
        name: Name::Watch,
        needs: &[Name::Stores, Name::ProfileData, Name::Delivery],
        init: watch,
    },
    Module {
        name: Name::HistoryWriter,
        needs: &[Name::Bors],
        init: history_writer,
    },
    Module {
        name: Name::FrontDoor,
        needs: &[Name::Watch, Name::Bors, Name::Alerts],
        init: front_door,
    },
];

/// A routes module of a capability (`pf_baselines::routes`): its `configure` and its `RoutesDoc`.
macro_rules! routes {
    ($($module:ident)::+) => {
        ($($module)::+::configure, $($module)::+::RoutesDoc::openapi as RoutesDoc)
    };
}

/// A hosted SOR as the app data its routes extract.
fn data<T: ?Sized>(store: &Option<Arc<T>>) -> Option<web::Data<T>> {
    store.clone().map(web::Data::from)
}

/// Starts every module of the table, in order.
pub(super) fn start_all(started: &mut Started<'_>) -> Result<(), StartupError> {
    for module in &MODULES {
        tracing::debug!(module = ?module.name, needs = ?module.needs, "starting");
        (module.init)(started)?;
    }
    Ok(())
}

fn stores(m: &mut Started<'_>) -> Result<(), StartupError> {
    let function = m.settings.function;
    if let Some(db) = &m.database {
        m.checks.push(Arc::new(DatabaseCheck(db.clone())));
        let metrics = &m.metrics;
        if function.hosts(Function::BaselineSor) {
            m.hosted.baseline = Some(Arc::new(PgBaselineStore::new(db.clone())));
        }
        if function.hosts(Function::HistorySor) {
            m.hosted.history = Some(Arc::new(PgHistoryStore::new(db.clone(), metrics.clone())));
        }
        if function.hosts(Function::RegistrySor) {
            m.hosted.registry = Some(Arc::new(PgRegistryStore::new(db.clone(), metrics.clone())));
        }
        if function.hosts(Function::AlertRuleSor) {
            m.hosted.alert_rules = Some(Arc::new(PgAlertRuleStore::new(db.clone())));
        }
        if function.hosts(Function::Watch) {
            m.hosted.watcher = Some(WatcherStores::on(db, m.settings.watch.slices()));
        }
    }
    let hosted = m.hosted.clone();
    // Whose an app is, for team-bound tokens (docs/api.md#teams-and-admin-tokens): the
    // registry this process hosts, or the one `REGISTRY_URL` names.
    let registry =
        RemoteSors::new(m.settings, &m.metrics).resolve(REGISTRY_SPEC, hosted.registry.as_ref())?;
    let owners =
        registry.map(|r| web::Data::from(Arc::new(RegistryOwners(r)) as Arc<dyn AppOwners>));
    m.mount_with(
        data(&hosted.baseline),
        owners.clone(),
        routes!(pf_baselines::routes),
    );
    m.mount(data(&hosted.history), routes!(pf_history::routes));
    m.mount(data(&hosted.registry), routes!(pf_registry::routes));
    m.mount_with(
        data(&hosted.alert_rules),
        owners,
        routes!(pf_alerts::rules::routes),
    );
    Ok(())
}

fn profile_data(m: &mut Started<'_>) -> Result<(), StartupError> {
    let settings = m.settings;
    if !settings.function.hosts(Function::ProfileDataSor) {
        return Ok(());
    }
    let source = start_profile_source(settings, &m.metrics)?;
    m.checks.push(source.parts.check);
    m.hosted.profile_data = Some(source.parts.sor);
    let sections = IntakeSettings {
        ingest: &settings.ingest,
        app_label: &settings.pyroscope.app_label,
        limits: settings.profiles.limits(),
        snapshot_types: settings.profiles.snapshot_types(),
        slice_secs: settings.watch.slice_secs,
    };
    let querier = Querier::new(source.files.clone(), &settings.profiles);
    m.hosted.querier = Some(Arc::new(querier));
    let ingest = ingest::start(sections, source.files, &m.metrics, &mut m.tasks)?;
    m.hosted.intake = Some(ingest.intake);
    let hosted = m.hosted.clone();
    m.mount(data(&hosted.profile_data), routes!(pf_profiles::routes));
    m.mount(
        data(&hosted.profile_data),
        routes!(pf_profiles::tree_routes),
    );
    m.mount(
        data(&hosted.profile_data),
        routes!(pf_profiles::label_routes),
    );
    m.mount(
        data(&hosted.profile_data),
        routes!(pf_profiles::site_routes),
    );
    m.mount(data(&hosted.profile_data), routes!(pf_profiles::pgo_routes));
    m.mount(data(&hosted.querier), routes!(pf_querier::routes));
    m.mount(data(&hosted.intake), routes!(pf_ingest::routes));
    Ok(())
}

fn bors(m: &mut Started<'_>) -> Result<(), StartupError> {
    let (bors, writer) = build_bors(m.settings, &m.hosted, &m.metrics)?;
    m.bors = bors;
    m.history_writer = writer;
    let bors = m.bors.clone();
    m.mount(bors.triage, routes!(pf_triage::routes));
    m.mount(bors.diff, routes!(pf_diff_report::routes));
    m.mount(bors.fleet, routes!(pf_fleet_search::routes));
    Ok(())
}

fn delivery(m: &mut Started<'_>) -> Result<(), StartupError> {
    m.delivery =
        delivery::start_delivery(m.settings, m.database.as_ref(), &m.metrics, &mut m.tasks)?;
    Ok(())
}

fn alerts(m: &mut Started<'_>) -> Result<(), StartupError> {
    let service = alerts::start_alert_evaluator(m)?.map(web::Data::new);
    m.mount(service, routes!(pf_alerts::routes));
    Ok(())
}

fn watch(m: &mut Started<'_>) -> Result<(), StartupError> {
    let (trends, regressions) = watch::start_watch(m)?.unzip();
    m.mount(trends.map(web::Data::new), routes!(pf_watch::routes));
    let fleet_summaries = m
        .hosted
        .watcher
        .as_ref()
        .map(|w| w.reads.clone() as Arc<dyn FleetSummarySor>);
    m.mount(data(&fleet_summaries), routes!(pf_watch::fleet_routes));
    m.mount(
        regressions.map(web::Data::new),
        routes!(pf_regressions::routes),
    );
    Ok(())
}

fn history_writer(m: &mut Started<'_>) -> Result<(), StartupError> {
    if let Some(writer) = m.history_writer.take() {
        let drain = m.settings.history_writes.drain_timeout_secs;
        m.tasks
            .spawn(writer.status(), drain, move |shutdown| writer.run(shutdown));
    }
    Ok(())
}

/// `GET /` where the watcher runs: its summaries, its regression events and this process's
/// health line (docs/front-door.md), which is why it starts last. In split mode it is served by
/// `WatchPyroscopeProfiles.v1`.
fn front_door(m: &mut Started<'_>) -> Result<(), StartupError> {
    let mut checks = m.checks.clone();
    checks.extend(m.bors.checks.iter().cloned());
    checks.extend(m.tasks.health_checks());
    let health = HealthChecks::new(m.settings.function.to_string(), checks);
    let door = m.hosted.watcher.as_ref().map(|stores| {
        web::Data::new(FrontDoorService::new(
            FrontDoorNeeds {
                series: stores.recent.clone(),
                regressions: stores.regressions.clone(),
                profiles: m.watched_profiles.clone(),
                followed: m.settings.watch.profile_types(),
            },
            Arc::new(health.clone()),
        ))
    });
    m.health = health;
    m.mount(door, routes!(pf_front_door::routes));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Name, MODULES};

    #[test]
    fn every_module_starts_after_the_modules_it_needs() {
        for (i, module) in MODULES.iter().enumerate() {
            for need in module.needs {
                let before = MODULES[..i].iter().any(|m| m.name == *need);
                assert!(
                    before,
                    "{:?} needs {need:?}, which starts after it",
                    module.name
                );
            }
        }
        let names: Vec<Name> = MODULES.iter().map(|m| m.name).collect();
        for (i, name) in names.iter().enumerate() {
            assert!(
                !names[i + 1..].contains(name),
                "{name:?} is in the table twice"
            );
        }
    }
}

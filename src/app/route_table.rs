//! The table of route modules: which SOR and BOR routes this process mounts, each with the
//! implementation it serves and its OpenAPI paths.

use std::sync::Arc;

use actix_web::web;
use utoipa::OpenApi;

use super::bors::{Bors, Hosted};
use crate::app::openapi::RoutesDoc;
use pf_watch::FleetSummarySor;

/// One hosted route module: how to mount it with its implementation, and its OpenAPI paths.
#[derive(Clone)]
pub(super) struct RouteModule {
    pub(super) mount: Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>,
    pub(super) doc: RoutesDoc,
}

/// `configure`'s routes with `data` as their implementation, when this process hosts them.
fn module<T: ?Sized + Send + Sync + 'static>(
    data: Option<web::Data<T>>,
    configure: fn(&mut web::ServiceConfig),
    doc: RoutesDoc,
) -> Option<RouteModule> {
    let data = data?;
    Some(RouteModule {
        mount: Arc::new(move |cfg| {
            cfg.app_data(data.clone()).configure(configure);
        }),
        doc,
    })
}

/// `module` of a routes module's `configure` and `RoutesDoc`.
macro_rules! routes {
    ($data:expr, $($module:ident)::+) => {
        module($data, $($module)::+::configure, $($module)::+::RoutesDoc::openapi)
    };
}

/// Each hosted SOR's and BOR's routes; one line per function.
pub(super) fn route_modules(hosted: &Hosted, bors: &Bors) -> Vec<RouteModule> {
    let fleet_summaries = hosted
        .watcher
        .as_ref()
        .map(|w| w.reads.clone() as Arc<dyn FleetSummarySor>);
    [
        routes!(data(&hosted.baseline), pf_baselines::routes),
        routes!(data(&hosted.history), pf_history::routes),
        routes!(data(&hosted.registry), pf_registry::routes),
        routes!(data(&hosted.alert_rules), pf_alerts::rules::routes),
        routes!(data(&hosted.profile_data), pf_profiles::routes),
        routes!(data(&hosted.profile_data), pf_profiles::tree_routes),
        routes!(data(&hosted.profile_data), pf_profiles::label_routes),
        routes!(data(&hosted.profile_data), pf_profiles::site_routes),
        routes!(data(&hosted.profile_data), pf_profiles::pgo_routes),
        routes!(data(&hosted.querier), pf_querier::routes),
        routes!(data(&hosted.intake), pf_ingest::routes),
        routes!(bors.triage.clone(), pf_triage::routes),
        routes!(bors.diff.clone(), pf_diff_report::routes),
        routes!(bors.fleet.clone(), pf_fleet_search::routes),
        routes!(bors.alerts.clone(), pf_alerts::routes),
        routes!(bors.trends.clone(), pf_watch::routes),
        routes!(data(&fleet_summaries), pf_watch::fleet_routes),
        routes!(bors.regressions.clone(), pf_regressions::routes),
        routes!(bors.front_door.clone(), pf_front_door::routes),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A hosted SOR as the app data its routes extract.
fn data<T: ?Sized>(store: &Option<Arc<T>>) -> Option<web::Data<T>> {
    store.clone().map(web::Data::from)
}

//! The table of route modules: which SOR and BOR routes this process mounts, each with the
//! implementation it serves and its OpenAPI paths.

use std::sync::Arc;

use actix_web::web;
use utoipa::OpenApi;

use super::bors::{Bors, Hosted};
use crate::app::openapi::RoutesDoc;
use crate::baselines;
use crate::history;
use crate::profiles;
use crate::registry;
use crate::watch::FleetSummarySor;
use crate::{alerts, diff_report, fleet_search, front_door, regressions, triage, watch};

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

/// Each hosted SOR's and BOR's routes; one line per function.
pub(super) fn route_modules(hosted: &Hosted, bors: &Bors) -> Vec<RouteModule> {
    let fleet_summaries = hosted
        .watcher
        .as_ref()
        .map(|w| w.reads.clone() as Arc<dyn FleetSummarySor>);
    [
        module(
            data(&hosted.baseline),
            baselines::routes::configure,
            baselines::routes::RoutesDoc::openapi,
        ),
        module(
            data(&hosted.history),
            history::routes::configure,
            history::routes::RoutesDoc::openapi,
        ),
        module(
            data(&hosted.registry),
            registry::routes::configure,
            registry::routes::RoutesDoc::openapi,
        ),
        module(
            data(&hosted.alert_rules),
            alerts::rules::routes::configure,
            alerts::rules::routes::RoutesDoc::openapi,
        ),
        module(
            data(&hosted.profile_data),
            profiles::routes::configure,
            profiles::routes::RoutesDoc::openapi,
        ),
        module(
            data(&hosted.profile_data),
            profiles::tree_routes::configure,
            profiles::tree_routes::RoutesDoc::openapi,
        ),
        module(
            data(&hosted.profile_data),
            profiles::label_routes::configure,
            profiles::label_routes::RoutesDoc::openapi,
        ),
        module(
            data(&hosted.profile_data),
            profiles::site_routes::configure,
            profiles::site_routes::RoutesDoc::openapi,
        ),
        module(
            data(&hosted.profile_data),
            profiles::pgo_routes::configure,
            profiles::pgo_routes::RoutesDoc::openapi,
        ),
        module(
            data(&hosted.querier),
            crate::querier::routes::configure,
            crate::querier::routes::RoutesDoc::openapi,
        ),
        module(
            data(&hosted.intake),
            crate::ingest::routes::configure,
            crate::ingest::routes::RoutesDoc::openapi,
        ),
        module(
            bors.triage.clone(),
            triage::routes::configure,
            triage::routes::RoutesDoc::openapi,
        ),
        module(
            bors.diff.clone(),
            diff_report::routes::configure,
            diff_report::routes::RoutesDoc::openapi,
        ),
        module(
            bors.fleet.clone(),
            fleet_search::routes::configure,
            fleet_search::routes::RoutesDoc::openapi,
        ),
        module(
            bors.alerts.clone(),
            alerts::routes::configure,
            alerts::routes::RoutesDoc::openapi,
        ),
        module(
            bors.trends.clone(),
            watch::routes::configure,
            watch::routes::RoutesDoc::openapi,
        ),
        module(
            data(&fleet_summaries),
            watch::fleet_routes::configure,
            watch::fleet_routes::RoutesDoc::openapi,
        ),
        module(
            bors.regressions.clone(),
            regressions::routes::configure,
            regressions::routes::RoutesDoc::openapi,
        ),
        module(
            bors.front_door.clone(),
            front_door::routes::configure,
            front_door::routes::RoutesDoc::openapi,
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A hosted SOR as the app data its routes extract.
fn data<T: ?Sized>(store: &Option<Arc<T>>) -> Option<web::Data<T>> {
    store.clone().map(web::Data::from)
}

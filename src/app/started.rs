//! What the modules of the table (`modules.rs`) started so far hold, and what they register for
//! the server: the modules' one shared state, as Pyroscope's modules share its struct.

use std::sync::Arc;

use actix_web::web;

use super::bors::{Bors, Hosted};
use super::openapi::RoutesDoc;
use crate::settings::Settings;
use pf_delivery::Delivery;
use pf_health::HealthChecks;
use pf_history::recorder::HistoryWriter;
use pf_infra::db::Database;
use pf_infra::probe::HealthCheck;
use pf_infra::tasks::Tasks;
use pf_infra::telemetry::Metrics;
use pf_profiles::ProfileDataSor;

/// What the modules started so far hold: the ground every module reads (settings, database,
/// metrics, the supervisor), and what each leaves for the modules after it and for the server.
pub(super) struct Started<'a> {
    pub(super) settings: &'a Settings,
    pub(super) database: Option<Database>,
    pub(super) metrics: Arc<Metrics>,
    pub(super) tasks: Tasks,
    /// The SORs this process hosts.
    pub(super) hosted: Hosted,
    /// The BOR services this process hosts, and the health checks of the remote SORs they use.
    pub(super) bors: Bors,
    pub(super) delivery: Option<Delivery>,
    pub(super) history_writer: Option<HistoryWriter>,
    /// The Profile Data the watcher reads: the front door lists what arrived from it.
    pub(super) watched_profiles: Option<Arc<dyn ProfileDataSor>>,
    /// `/health`'s checks of the database and the profile source.
    pub(super) checks: Vec<Arc<dyn HealthCheck>>,
    /// The route modules the server mounts, in the order the modules registered them.
    pub(super) routes: Vec<RouteModule>,
    /// Every check: none until the front door's module gathers them, last.
    pub(super) health: HealthChecks,
}

impl<'a> Started<'a> {
    /// Nothing started yet but the ground.
    pub(super) fn new(
        settings: &'a Settings,
        database: Option<Database>,
        metrics: Arc<Metrics>,
        tasks: Tasks,
    ) -> Self {
        Started {
            settings,
            database,
            metrics,
            tasks,
            hosted: Hosted::default(),
            bors: Bors::default(),
            delivery: None,
            history_writer: None,
            watched_profiles: None,
            checks: Vec::new(),
            routes: Vec::new(),
            health: HealthChecks::new(settings.function.to_string(), Vec::new()),
        }
    }

    /// A routes module (`routes!`) with `data` as its implementation, when this process hosts
    /// it.
    pub(super) fn mount<T: ?Sized + Send + Sync + 'static>(
        &mut self,
        data: Option<web::Data<T>>,
        routes: (fn(&mut web::ServiceConfig), RoutesDoc),
    ) {
        self.mount_with::<T, ()>(data, None, routes);
    }

    /// [`Started::mount`], with `beside` as well, when there is one: what the routes may
    /// extract besides their implementation (the registry's owners, for team-bound tokens).
    pub(super) fn mount_with<T, B>(
        &mut self,
        data: Option<web::Data<T>>,
        beside: Option<web::Data<B>>,
        (configure, doc): (fn(&mut web::ServiceConfig), RoutesDoc),
    ) where
        T: ?Sized + Send + Sync + 'static,
        B: ?Sized + Send + Sync + 'static,
    {
        let Some(data) = data else {
            return;
        };
        self.routes.push(RouteModule {
            mount: Arc::new(move |cfg| {
                if let Some(beside) = &beside {
                    cfg.app_data(beside.clone());
                }
                cfg.app_data(data.clone()).configure(configure);
            }),
            doc,
        });
    }
}

/// One mounted routes module: how to mount it with its implementation, and its OpenAPI paths.
#[derive(Clone)]
pub(super) struct RouteModule {
    pub(super) mount: Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>,
    pub(super) doc: RoutesDoc,
}

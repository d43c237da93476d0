//! The one interface every module of the table (`table.rs`) has: its name, the modules it needs,
//! whether a `FUNCTION` runs it, and a start that takes the ground and what it needs and gives
//! back its routes and health checks and what it offers the modules after it (its tasks go to
//! the supervisor it is lent). What modules offer each other travels by type ([`Offers`]), so a
//! module names what it uses, not a field of a shared bag.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use actix_web::web;

use super::openapi::RoutesDoc;
use super::StartupError;
use crate::settings::{Function, Settings};
use pf_front_door::{HealthLine, ServiceHealth};
use pf_health::HealthChecks;
use pf_http::Routes;
use pf_infra::db::Database;
use pf_infra::probe::HealthCheck;
use pf_infra::tasks::Tasks;
use pf_infra::telemetry::Metrics;

/// The service's modules: every row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Name {
    /// The SORs on PostgreSQL, each also a contract another process may host.
    Registry,
    Baselines,
    History,
    AlertRules,
    /// Profile Data from its source, the push routes into it and the querier over it.
    ProfileData,
    /// The profile watcher's stores; as a contract, what others read of it (trends, summaries).
    WatcherStores,
    /// The outbox and the Alertmanager queue of a process that produces notifications.
    Delivery,
    /// The alert evaluator and its dry run.
    Alerts,
    /// The profile watcher and the regressions it finds.
    Watch,
    /// The business functions: triage, the diff report, fleet search, and their history writer.
    Bors,
    /// `GET /`, where the watcher runs.
    FrontDoor,
}

/// What every module starts on: the settings, the database (for the functions backed by it),
/// the metrics, and the supervisor its background tasks run under.
pub(super) struct Ground<'a> {
    pub(super) settings: &'a Settings,
    pub(super) database: Option<Database>,
    pub(super) metrics: Arc<Metrics>,
    pub(super) tasks: Tasks,
    /// This process's `/health`, set once every module has started.
    pub(super) health: Arc<ProcessHealth>,
}

impl Ground<'_> {
    /// The database of a module that cannot run without one.
    pub(super) fn database(&self, module: Name) -> Result<&Database, StartupError> {
        self.database.as_ref().ok_or_else(|| StartupError::Config {
            key: "database",
            reason: format!("{module:?} runs on PostgreSQL, and this process opened none"),
        })
    }
}

/// A module of the table.
pub(super) trait Module: Sync {
    fn name(&self) -> Name;

    /// The modules it uses, each started here or, for a contract, reached where another process
    /// hosts it ([`super::contracts`]); a business function of version 1 needs fewer. None by
    /// default.
    fn needs(&self, _function: Function) -> &'static [Name] {
        &[]
    }

    /// Whether a process of `function` runs it. A module no function runs (delivery) starts
    /// when a module that runs needs it.
    fn runs_in(&self, function: Function) -> bool;

    /// Whether it keeps its state in PostgreSQL: a process that runs one opens the database.
    fn on_postgres(&self) -> bool {
        false
    }

    /// Starts it on `ground` with what the modules it needs offer (`needs`).
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, StartupError>;
}

/// What a started module gives: the routes the server mounts, its `/health` checks, and what it
/// offers the modules after it.
#[derive(Default)]
pub(super) struct Started {
    pub(super) routes: Vec<RouteModule>,
    pub(super) checks: Vec<Arc<dyn HealthCheck>>,
    pub(super) offers: Offers,
}

impl Started {
    /// A capability's routes (`pf_baselines::ROUTES`) with `data` as their implementation,
    /// when there is one.
    pub(super) fn mount<T: ?Sized + Send + Sync + 'static>(
        &mut self,
        data: Option<web::Data<T>>,
        routes: Routes,
    ) {
        self.mount_with::<T, ()>(data, None, routes);
    }

    /// [`Started::mount`], with `beside` as well, when there is one: what the routes may
    /// extract besides their implementation (the registry's owners, for team-bound tokens).
    pub(super) fn mount_with<T, B>(
        &mut self,
        data: Option<web::Data<T>>,
        beside: Option<web::Data<B>>,
        Routes { configure, doc }: Routes,
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

    /// Offers `value` to the modules after this one.
    pub(super) fn offer<T: Any + Send + Sync>(mut self, value: T) -> Self {
        self.offers.put(value);
        self
    }
}

/// One mounted routes module: how to mount it with its implementation, and its OpenAPI paths.
#[derive(Clone)]
pub(super) struct RouteModule {
    pub(super) mount: Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>,
    pub(super) doc: RoutesDoc,
}

/// What this process serves of a contract itself: the implementation its routes answer with.
/// What the contract's users get is `Arc<T>` ([`super::contracts`]): this, or a remote client.
pub(super) struct Served<T: ?Sized>(pub(super) Arc<T>);

impl<T: ?Sized> Clone for Served<T> {
    fn clone(&self) -> Self {
        Served(self.0.clone())
    }
}

/// What started modules offer each other, one value per type (`Arc<dyn BaselineSor>`,
/// `Served<dyn RegistrySor>`, `Delivery`…).
#[derive(Default)]
pub(super) struct Offers(HashMap<TypeId, Box<dyn Any + Send + Sync>>);

impl Offers {
    pub(super) fn put<T: Any + Send + Sync>(&mut self, value: T) {
        self.0.insert(TypeId::of::<T>(), Box::new(value));
    }

    /// The value of type `T` offered, if any.
    pub(super) fn get<T: Any + Clone>(&self) -> Option<T> {
        self.0.get(&TypeId::of::<T>())?.downcast_ref::<T>().cloned()
    }

    /// The value of type `T` that module `need` offers module `user`. An error only when the
    /// table started `user` without it, which its plan rules out for a need `user` cannot do
    /// without.
    pub(super) fn need<T: Any + Clone>(&self, user: Name, need: Name) -> Result<T, StartupError> {
        self.get::<T>()
            .ok_or(StartupError::Unresolved { module: user, need })
    }

    /// Adds what `other` offers, a later offer of a type replacing an earlier one.
    pub(super) fn extend(&mut self, other: Offers) {
        self.0.extend(other.0);
    }
}

/// This process's `/health`, known once every module has started (the table sets it): the front
/// door's health line reads it.
#[derive(Default)]
pub(super) struct ProcessHealth(OnceLock<HealthChecks>);

impl ProcessHealth {
    /// Sets the checks of every started module; the first call wins.
    pub(super) fn set(&self, checks: HealthChecks) {
        // A second call would be the table's bug; the first checks stay.
        let _ = self.0.set(checks);
    }
}

#[async_trait::async_trait]
impl HealthLine for ProcessHealth {
    async fn health(&self) -> ServiceHealth {
        match self.0.get() {
            Some(checks) => checks.health().await,
            // Before the table has started every module the server does not listen yet.
            None => HealthChecks::new(String::new(), Vec::new()).health().await,
        }
    }
}

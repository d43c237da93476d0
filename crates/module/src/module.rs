//! The one interface every module of the root's table (`src/app/table.rs`) has: its name, the modules it needs,
//! whether a `FUNCTION` runs it, and a start that takes the ground and what it needs and gives
//! back its routes and health checks and what it offers the modules after it (its tasks go to
//! the supervisor it is lent). What modules offer each other travels by type ([`Offers`]), so a
//! module names what it uses, not a field of a shared bag.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use actix_web::web;

use crate::{Function, ModuleError};
use pf_http::access::AppOwners;
use pf_http::routing::RoutesDoc;
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
    /// What the BORs of a process share: one coalescing of their baseline reads, one writer of
    /// their history records.
    BaselineReads,
    HistoryWriter,
    /// The business functions (BORs).
    Triage,
    DiffReport,
    FleetSearch,
    /// `GET /`, where the watcher runs.
    FrontDoor,
}

/// What every module starts on: the function this process runs, its settings sections (by
/// type, as the root put them), the database (for the functions backed by it), the metrics, and
/// the supervisor its background tasks run under.
pub struct Ground<'a> {
    pub function: Function,
    pub sections: &'a Offers,
    pub database: Option<Database>,
    pub metrics: Arc<Metrics>,
    pub tasks: Tasks,
}

impl Ground<'_> {
    /// The database of a module that cannot run without one.
    pub fn database(&self, module: Name) -> Result<&Database, ModuleError> {
        self.database.as_ref().ok_or_else(|| ModuleError::Config {
            key: "database",
            reason: format!("{module:?} runs on PostgreSQL, and this process opened none"),
        })
    }

    /// The settings section of type `T` (`WatchSettings`, …), as the root put it.
    pub fn section<T: Any + Clone>(&self, module: Name) -> Result<T, ModuleError> {
        self.sections
            .get::<T>()
            .ok_or_else(|| ModuleError::Section {
                module,
                section: std::any::type_name::<T>(),
            })
    }
}

/// A module of the table.
pub trait Module: Sync {
    fn name(&self) -> Name;

    /// The modules it uses, each started here or, for a contract, reached where another process
    /// hosts it (the root's `contracts.rs`); a business function of version 1 needs fewer. None by
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
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, ModuleError>;
}

/// What a started module gives: the routes the server mounts, its `/health` checks, and what it
/// offers the modules after it.
#[derive(Default)]
pub struct Started {
    pub routes: Vec<RouteModule>,
    pub checks: Vec<Arc<dyn HealthCheck>>,
    pub offers: Offers,
}

impl Started {
    /// A capability's routes (`pf_baselines::ROUTES`) with `data` as their implementation,
    /// when there is one.
    pub fn mount<T: ?Sized + Send + Sync + 'static>(
        &mut self,
        data: Option<web::Data<T>>,
        routes: Routes,
    ) {
        self.mount_with::<T, ()>(data, None, routes);
    }

    /// A capability's routes with `data` as their implementation, and nothing else.
    pub fn mounted<T: ?Sized + Send + Sync + 'static>(data: web::Data<T>, routes: Routes) -> Self {
        let mut started = Started::default();
        started.mount(Some(data), routes);
        started
    }

    /// [`Started::mount`], with `beside` as well, when there is one: what the routes may
    /// extract besides their implementation (the registry's owners, for team-bound tokens).
    pub fn mount_with<T, B>(
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

    /// A store this process serves: its routes (with the registry's owners beside them, where
    /// `needs` holds them, for team-bound tokens), and itself offered as `Served` to the
    /// contract's users.
    pub fn serve<T: ?Sized + Send + Sync + 'static>(
        store: Arc<T>,
        needs: &Offers,
        routes: Routes,
    ) -> Started {
        let owners = needs.get::<web::Data<dyn AppOwners>>();
        let mut started = Started::default();
        started.mount_with(Some(web::Data::from(store.clone())), owners, routes);
        started.offer(Served(store))
    }

    /// Offers `value` to the modules after this one.
    pub fn offer<T: Any + Send + Sync>(mut self, value: T) -> Self {
        self.offers.put(value);
        self
    }
}

/// One mounted routes module: how to mount it with its implementation, and its OpenAPI paths.
#[derive(Clone)]
pub struct RouteModule {
    pub mount: Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>,
    pub doc: RoutesDoc,
}

/// What this process serves of a contract itself: the implementation its routes answer with.
/// What the contract's users get is `Arc<T>` (the root's `contracts.rs`): this, or a remote client.
pub struct Served<T: ?Sized>(pub Arc<T>);

impl<T: ?Sized> Clone for Served<T> {
    fn clone(&self) -> Self {
        Served(self.0.clone())
    }
}

/// What started modules offer each other, one value per type (`Arc<dyn BaselineSor>`,
/// `Served<dyn RegistrySor>`, `Delivery`…).
#[derive(Default)]
pub struct Offers(HashMap<TypeId, Box<dyn Any + Send + Sync>>);

impl Offers {
    pub fn put<T: Any + Send + Sync>(&mut self, value: T) {
        self.0.insert(TypeId::of::<T>(), Box::new(value));
    }

    /// The value of type `T` offered, if any.
    pub fn get<T: Any + Clone>(&self) -> Option<T> {
        self.0.get(&TypeId::of::<T>())?.downcast_ref::<T>().cloned()
    }

    /// The value of type `T` that module `need` offers module `user`. An error only when the
    /// table started `user` without it, which its plan rules out for a need `user` cannot do
    /// without.
    pub fn need<T: Any + Clone>(&self, user: Name, need: Name) -> Result<T, ModuleError> {
        self.get::<T>()
            .ok_or(ModuleError::Unresolved { module: user, need })
    }

    /// Adds what `other` offers, a later offer of a type replacing an earlier one.
    pub fn extend(&mut self, other: Offers) {
        self.0.extend(other.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct WatchSection(u32);

    #[test]
    fn a_module_reads_its_settings_section_by_type_and_names_one_the_root_forgot() {
        let mut sections = Offers::default();
        sections.put(WatchSection(300));
        let ground = Ground {
            function: Function::All,
            sections: &sections,
            database: None,
            metrics: Metrics::new(None).expect("metrics"),
            tasks: Tasks::default(),
        };
        assert_eq!(
            ground.section::<WatchSection>(Name::Watch).unwrap(),
            WatchSection(300)
        );
        let missing = ground.section::<u64>(Name::Watch).unwrap_err().to_string();
        assert_eq!(
            missing,
            "the module table started Watch without its settings section u64"
        );
        let Err(no_database) = ground.database(Name::Registry) else {
            panic!("a ground without a database gave one");
        };
        let no_database = no_database.to_string();
        assert!(
            no_database.contains("Registry runs on PostgreSQL"),
            "{no_database}"
        );
    }
}

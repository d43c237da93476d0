//! The module of a store on the process's database (a SOR): one declaration in its crate, the
//! same start for every one.

use std::sync::Arc;

use pf_http::Routes;
use pf_infra::db::Database;
use pf_infra::telemetry::Metrics;

use crate::{Function, Ground, Module, ModuleError, Name, Offers, Started};

/// A store on the process's database that its function serves: its routes, and itself offered
/// as `Served` to the contract's users (with the registry's owners beside the routes, where the
/// modules before it offer them).
pub struct StoreModule<T: ?Sized> {
    pub name: Name,
    /// The function that hosts it (`ReadPyroscopeBaseline.sor.v1`, …).
    pub function: Function,
    pub needs: &'static [Name],
    /// The store, on the database.
    pub open: fn(Database, Arc<Metrics>) -> Arc<T>,
    pub routes: Routes,
}

impl<T: ?Sized + Send + Sync + 'static> Module for StoreModule<T> {
    fn name(&self) -> Name {
        self.name
    }
    fn needs(&self, _: Function) -> &'static [Name] {
        self.needs
    }
    fn runs_in(&self, function: Function) -> bool {
        function.hosts(self.function)
    }
    fn on_postgres(&self) -> bool {
        true
    }
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, ModuleError> {
        let db = ground.database(self.name)?.clone();
        let store = (self.open)(db, ground.metrics.clone());
        Ok(Started::serve(store, needs, self.routes))
    }
}

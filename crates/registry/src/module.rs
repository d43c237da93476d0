//! The registry as a module of the table.

use std::sync::Arc;

use crate::{PgRegistryStore, RegistrySor};
use pf_module::{Function, Ground, Module, ModuleError, Name, Offers, Started};

/// The service registry (`ReadPyroscopeServiceRegistry.sor.v1`), on the process's database: its routes, and itself to the contract's
/// users.
pub struct RegistryModule;

impl Module for RegistryModule {
    fn name(&self) -> Name {
        Name::Registry
    }
    fn runs_in(&self, function: Function) -> bool {
        function.hosts(Function::RegistrySor)
    }
    fn on_postgres(&self) -> bool {
        true
    }
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, ModuleError> {
        let db = ground.database(self.name())?.clone();
        let store: Arc<dyn RegistrySor> =
            Arc::new(PgRegistryStore::new(db, ground.metrics.clone()));
        Ok(Started::serve(store, needs, crate::ROUTES))
    }
}

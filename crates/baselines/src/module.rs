//! The Baseline SOR as a module of the table.

use std::sync::Arc;

use crate::{BaselineSor, PgBaselineStore};
use pf_module::{Function, Ground, Module, ModuleError, Name, Offers, Started};

/// Approved baselines (`ReadPyroscopeBaseline.sor.v1`), on the process's database: its routes, and itself to the contract's
/// users.
pub struct BaselinesModule;

impl Module for BaselinesModule {
    fn name(&self) -> Name {
        Name::Baselines
    }
    fn needs(&self, _: Function) -> &'static [Name] {
        &[Name::Registry]
    }
    fn runs_in(&self, function: Function) -> bool {
        function.hosts(Function::BaselineSor)
    }
    fn on_postgres(&self) -> bool {
        true
    }
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, ModuleError> {
        let db = ground.database(self.name())?.clone();
        let store: Arc<dyn BaselineSor> = Arc::new(PgBaselineStore::new(db));
        Ok(Started::serve(store, needs, crate::ROUTES))
    }
}

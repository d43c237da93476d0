//! The History SOR as a module of the table.

use std::sync::Arc;

use crate::{HistorySor, PgHistoryStore};
use pf_module::{Function, Ground, Module, ModuleError, Name, Offers, Started};

/// The audit trail (`CreatePyroscopeTriageHistory.sor.v1`), on the process's database: its routes, and itself to the contract's
/// users.
pub struct HistoryModule;

impl Module for HistoryModule {
    fn name(&self) -> Name {
        Name::History
    }
    fn runs_in(&self, function: Function) -> bool {
        function.hosts(Function::HistorySor)
    }
    fn on_postgres(&self) -> bool {
        true
    }
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, ModuleError> {
        let db = ground.database(self.name())?.clone();
        let store: Arc<dyn HistorySor> = Arc::new(PgHistoryStore::new(db, ground.metrics.clone()));
        Ok(Started::serve(store, needs, crate::ROUTES))
    }
}

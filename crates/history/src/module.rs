//! The audit trail (`CreatePyroscopeTriageHistory.sor.v1`) as a module of the table.

use std::sync::Arc;

use crate::{HistorySor, PgHistoryStore};
use pf_module::{Function, Name, StoreModule};

pub const HISTORY_MODULE: StoreModule<dyn HistorySor> = StoreModule {
    name: Name::History,
    function: Function::HistorySor,
    needs: &[],
    open: |db, metrics| Arc::new(PgHistoryStore::new(db, metrics)),
    routes: crate::ROUTES,
};

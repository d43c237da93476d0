//! The audit trail (`CreatePyroscopeTriageHistory.sor.v1`) as a module of the table, and the
//! writer of the BORs' records into it.

use std::sync::Arc;

use crate::recorder::start as start_writer;
use crate::{HistorySor, HistoryWriteSettings, PgHistoryStore};
use pf_module::{Function, Ground, Module, ModuleError, Name, Offers, Started, StoreModule};

pub const HISTORY_MODULE: StoreModule<dyn HistorySor> = StoreModule {
    name: Name::History,
    function: Function::HistorySor,
    needs: &[],
    open: |db, metrics| Arc::new(PgHistoryStore::new(db, metrics)),
    routes: crate::ROUTES,
};

/// The one queue of history records for every BOR of a process, and its writer, a task that
/// stops before the database does (docs/architecture.md#the-module-table).
pub struct HistoryWriterModule;

impl Module for HistoryWriterModule {
    fn name(&self) -> Name {
        Name::HistoryWriter
    }
    fn needs(&self, _: Function) -> &'static [Name] {
        &[Name::History]
    }
    /// No function runs it for itself: a v2 BOR needs it.
    fn runs_in(&self, _: Function) -> bool {
        false
    }
    /// Offers the queue's recorder; nothing where the contract gives no history store, and its
    /// BORs record nothing.
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, ModuleError> {
        let Some(store) = needs.get::<Arc<dyn HistorySor>>() else {
            return Ok(Started::default());
        };
        let settings = ground.section::<HistoryWriteSettings>(self.name())?;
        let (recorder, writer) = start_writer(&settings, store, ground.metrics.clone());
        let drain = settings.drain_timeout_secs;
        ground
            .tasks
            .spawn(writer.status(), drain, move |shutdown| writer.run(shutdown));
        Ok(Started::default().offer(recorder))
    }
}

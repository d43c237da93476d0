//! Approved baselines (`ReadPyroscopeBaseline.sor.v1`) as a module of the table; the registry
//! gives their routes the owners of apps, for team-bound tokens. And the BORs' reads of them,
//! shared by the BORs of a process.

use std::sync::Arc;

use crate::{BaselineSor, CoalescedBaselines, PgBaselineStore};
use pf_module::{Function, Ground, Module, ModuleError, Name, Offers, Started, StoreModule};

pub const BASELINES_MODULE: StoreModule<dyn BaselineSor> = StoreModule {
    name: Name::Baselines,
    function: Function::BaselineSor,
    needs: &[Name::Registry],
    open: |db, _| Arc::new(PgBaselineStore::new(db)),
    routes: crate::ROUTES,
};

/// Baselines as the BORs of a process read them: concurrent assessments of one app read its
/// baselines once ([`CoalescedBaselines`]), whichever BOR asks.
#[derive(Clone)]
pub struct BaselineReads(pub Arc<dyn BaselineSor>);

/// The BORs' shared baseline reads, over the Baseline SOR as its contract gives it.
pub struct BaselineReadsModule;

impl Module for BaselineReadsModule {
    fn name(&self) -> Name {
        Name::BaselineReads
    }
    fn needs(&self, _: Function) -> &'static [Name] {
        &[Name::Baselines]
    }
    /// No function runs it for itself: a v2 BOR needs it.
    fn runs_in(&self, _: Function) -> bool {
        false
    }
    /// Offers nothing where the contract gives no baselines: its BORs do without them.
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, ModuleError> {
        let Some(store) = needs.get::<Arc<dyn BaselineSor>>() else {
            return Ok(Started::default());
        };
        let reads = CoalescedBaselines::new(store, ground.metrics.clone());
        Ok(Started::default().offer(BaselineReads(Arc::new(reads))))
    }
}

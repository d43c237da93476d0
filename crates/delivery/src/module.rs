//! Delivery as a module of the table: started where a module that produces notifications (the
//! alert evaluator, the profile watcher) runs and needs it.

use pf_infra::address_guard::AddressGuard;
use pf_module::{Function, Ground, Module, ModuleError, Name, Offers, Started};

use crate::{start, DeliveryNeeds, DeliverySettings};

/// The process's one delivery task: the outbox and the Alertmanager queue.
pub struct DeliveryModule;

impl Module for DeliveryModule {
    fn name(&self) -> Name {
        Name::Delivery
    }
    /// No function runs it for itself: its producers need it.
    fn runs_in(&self, _: Function) -> bool {
        false
    }
    fn on_postgres(&self) -> bool {
        true
    }
    fn start(&self, ground: &mut Ground<'_>, _: &Offers) -> Result<Started, ModuleError> {
        let me = self.name();
        let needs = DeliveryNeeds {
            database: ground.database(me)?.clone(),
            guard: ground.section::<AddressGuard>(me)?,
            metrics: ground.metrics.clone(),
        };
        let settings = ground.section::<DeliverySettings>(me)?;
        let delivery = start(&settings, needs, &mut ground.tasks)?;
        Ok(Started::default().offer(delivery))
    }
}

//! Delivery of a process's notifications (`delivery::start`): the outbox and the Alertmanager
//! queue, started where a module that produces notifications (the alert evaluator, the profile
//! watcher) runs and needs it.

use super::access::address_guard;
use super::module::{Ground, Module, Name, Offers, Started};
use super::StartupError;
use crate::settings::Function;
use pf_delivery::DeliveryNeeds;

/// The process's one delivery task.
pub(super) struct Delivery;

impl Module for Delivery {
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
    fn start(&self, ground: &mut Ground<'_>, _: &Offers) -> Result<Started, StartupError> {
        let settings = ground.settings;
        let needs = DeliveryNeeds {
            database: ground.database(self.name())?.clone(),
            guard: address_guard(settings),
            metrics: ground.metrics.clone(),
        };
        let delivery = pf_delivery::start(&settings.alerts.delivery(), needs, &mut ground.tasks)?;
        Ok(Started::default().offer(delivery))
    }
}

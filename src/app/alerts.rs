//! The alert evaluator (`all`, or `EvaluatePyroscopeAlertRules.v1`) and its dry run: rules and
//! profiles required, the registry optional, each as its contract gives it
//! (docs/split-deployment.md#the-dependency-rule); delivery, on every replica, is the process's
//! one delivery task (`delivery.rs`).

use std::sync::Arc;

use actix_web::web;

use super::module::{Ground, Module, Name, Offers, Started};
use super::StartupError;
use crate::settings::Function;
use pf_alerts::{AlertNeeds, AlertRuleSor};
use pf_delivery::Delivery;
use pf_profiles::ProfileDataSor;
use pf_registry::RegistrySor;
use pf_triage::load_rules;

/// The evaluator under the supervisor, and the dry-run and firing routes.
pub(super) struct Alerts;

impl Module for Alerts {
    fn name(&self) -> Name {
        Name::Alerts
    }
    fn needs(&self, _: Function) -> &'static [Name] {
        &[
            Name::AlertRules,
            Name::ProfileData,
            Name::Registry,
            Name::Delivery,
        ]
    }
    fn runs_in(&self, function: Function) -> bool {
        function.hosts(Function::AlertEvaluator)
    }
    fn on_postgres(&self) -> bool {
        true
    }
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, StartupError> {
        let settings = ground.settings;
        let me = self.name();
        let delivery = needs.need::<Delivery>(me, Name::Delivery)?;
        let needs = AlertNeeds {
            database: ground.database(me)?.clone(),
            rules: needs.need::<Arc<dyn AlertRuleSor>>(me, Name::AlertRules)?,
            profiles: needs.need::<Arc<dyn ProfileDataSor>>(me, Name::ProfileData)?,
            registry: needs.get::<Arc<dyn RegistrySor>>(),
            triage_rules: Arc::new(load_rules(&settings.triage)?),
            alertmanager: delivery.alertmanager.clone(),
            wake: delivery.wake.clone(),
            metrics: ground.metrics.clone(),
        };
        let service = pf_alerts::start(&settings.alerts, needs, &mut ground.tasks);
        let mut started = Started::default();
        started.mount(Some(web::Data::new(service)), pf_alerts::ROUTES);
        Ok(started)
    }
}

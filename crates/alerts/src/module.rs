//! The alert evaluator (`all`, or `EvaluatePyroscopeAlertRules.v1`) and its dry run as a module of
//! the table: rules and profiles required, the registry optional, each as its contract gives it
//! (docs/split-deployment.md#the-dependency-rule); delivery is the process's one delivery task.

use std::sync::Arc;

use actix_web::web;

use crate::{start, AlertNeeds, AlertRuleSor, AlertSettings, ROUTES};
use pf_delivery::Delivery;
use pf_module::{Function, Ground, Module, ModuleError, Name, Offers, Started};
use pf_profiles::ProfileDataSor;
use pf_registry::RegistrySor;
use pf_triage::{load_rules, TriageSettings};

/// The evaluator under the supervisor, and the dry-run and firing routes.
pub struct AlertsModule;

impl Module for AlertsModule {
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
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, ModuleError> {
        let me = self.name();
        let delivery = needs.need::<Delivery>(me, Name::Delivery)?;
        let triage = ground.section::<TriageSettings>(me)?;
        let needs = AlertNeeds {
            database: ground.database(me)?.clone(),
            rules: needs.need::<Arc<dyn AlertRuleSor>>(me, Name::AlertRules)?,
            profiles: needs.need::<Arc<dyn ProfileDataSor>>(me, Name::ProfileData)?,
            registry: needs.get::<Arc<dyn RegistrySor>>(),
            triage_rules: Arc::new(load_rules(&triage)?),
            alertmanager: delivery.alertmanager.clone(),
            wake: delivery.wake.clone(),
            metrics: ground.metrics.clone(),
        };
        let settings = ground.section::<AlertSettings>(me)?;
        let service = start(&settings, needs, &mut ground.tasks);
        let mut started = Started::default();
        started.mount(Some(web::Data::new(service)), ROUTES);
        Ok(started)
    }
}

//! The Alert Rule SOR as a module of the table.

use std::sync::Arc;

use crate::{AlertRuleSor, PgAlertRuleStore};
use pf_module::{Function, Ground, Module, ModuleError, Name, Offers, Started};

/// Alert rules (`ReadPyroscopeAlertRule.sor.v1`), on the process's database: its routes, and itself to the contract's
/// users.
pub struct AlertRulesModule;

impl Module for AlertRulesModule {
    fn name(&self) -> Name {
        Name::AlertRules
    }
    fn needs(&self, _: Function) -> &'static [Name] {
        &[Name::Registry]
    }
    fn runs_in(&self, function: Function) -> bool {
        function.hosts(Function::AlertRuleSor)
    }
    fn on_postgres(&self) -> bool {
        true
    }
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, ModuleError> {
        let db = ground.database(self.name())?.clone();
        let store: Arc<dyn AlertRuleSor> = Arc::new(PgAlertRuleStore::new(db));
        Ok(Started::serve(store, needs, crate::RULE_ROUTES))
    }
}

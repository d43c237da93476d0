//! Alert rules (`ReadPyroscopeAlertRule.sor.v1`) as a module of the table; the registry gives
//! their routes the owners of apps, for team-bound tokens.

use std::sync::Arc;

use crate::{AlertRuleSor, PgAlertRuleStore};
use pf_module::{Function, Name, StoreModule};

pub const ALERT_RULES_MODULE: StoreModule<dyn AlertRuleSor> = StoreModule {
    name: Name::AlertRules,
    function: Function::AlertRuleSor,
    needs: &[Name::Registry],
    open: |db, _| Arc::new(PgAlertRuleStore::new(db)),
    routes: crate::RULE_ROUTES,
};

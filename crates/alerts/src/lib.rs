//! Alert evaluation (docs/alerting.md): the value of a rule for a profile, the alert state machine,
//! and the dry run behind `POST /rules/{id}/evaluate`. Pure cores (`value`, `state`) and a
//! service over the store contracts; the rules' store (`rules/`) and the firing state's
//! (`firing/`) beside them.

mod evaluator;
mod firing;
mod module;
mod notice;
mod routes;
mod rules;
mod service;
mod settings;
mod start;
mod state;
mod task;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod value;

pub use evaluator::Evaluator;
pub use firing::{AlertTransition, TransitionKind};
pub use module::AlertsModule;
pub use notice::{AlertWebhook, RuleNotices};
pub use routes::ROUTES;
pub use rules::model::{CreateAlertRuleRequest, UpdateAlertRuleRequest};
pub use rules::remote::RemoteAlertRuleStore;
pub use rules::routes::ROUTES as RULE_ROUTES;
pub use rules::OPERATIONS as RULE_OPERATIONS;
pub use rules::{
    AlertRule, AlertRulePatch, AlertRuleSor, NewAlertRule, PgAlertRuleStore, ALERT_RULES_MODULE,
};
pub use service::{AlertEvaluationService, DryRun};
pub use settings::AlertSettings;
pub use start::{start, AlertNeeds};
pub use state::{step, AlertState, Transition};
pub use value::{rule_value, RuleValue, ValueError, ValueKind};
#[cfg(any(test, feature = "testing"))]
pub use {firing::MockAlertStateSor, rules::MockAlertRuleSor};

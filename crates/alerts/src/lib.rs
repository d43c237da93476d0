//! Alert evaluation (docs/alerting.md): the value of a rule for a profile, the alert state machine,
//! and the dry run behind `POST /rules/{id}/evaluate`. Pure cores (`value`, `state`) and a
//! service over the store contracts; the rules' store (`rules/`) and the firing state's
//! (`firing/`) beside them.

pub mod evaluator;
pub mod firing;
pub mod notice;
pub mod routes;
pub mod rules;
pub mod service;
pub mod settings;
pub mod start;
pub mod state;
pub mod task;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod value;

pub use service::{AlertEvaluationService, DryRun};
pub use state::{step, AlertState, Transition};
pub use value::{rule_value, RuleValue, ValueError, ValueKind};

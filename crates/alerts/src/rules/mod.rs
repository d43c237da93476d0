//! Alert Rule SOR: profiling alert rules in PostgreSQL.

mod endpoints;
pub mod fields;
pub mod model;
mod module;
pub mod postgres;
pub mod remote;
pub mod routes;

pub use endpoints::OPERATIONS;
pub use model::{AlertRule, AlertRulePatch, NewAlertRule};
pub use module::ALERT_RULES_MODULE;
pub use postgres::PgAlertRuleStore;

use async_trait::async_trait;

use pf_infra::sor::SorError;
use pf_model::AppName;

/// Profiling alert rules (docs/api.md, Alert rules).
///
/// # Errors
/// `NotFound` for a missing id, `Invalid` for a broken constraint, `Unavailable` when the store is down.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait AlertRuleSor: Send + Sync {
    /// Creates a rule.
    async fn create(&self, rule: NewAlertRule) -> Result<AlertRule, SorError>;
    /// All rules, optionally of one app.
    async fn list(&self, app: Option<AppName>) -> Result<Vec<AlertRule>, SorError>;
    /// One rule.
    async fn get(&self, id: i32) -> Result<AlertRule, SorError>;
    /// An app's enabled rules.
    async fn active(&self, app: AppName) -> Result<Vec<AlertRule>, SorError>;
    /// Changes only the fields the patch names.
    async fn update(&self, id: i32, patch: AlertRulePatch) -> Result<AlertRule, SorError>;
    /// Removes one rule.
    async fn delete(&self, id: i32) -> Result<(), SorError>;
}

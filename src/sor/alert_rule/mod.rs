//! Alert Rule SOR: profiling alert rules in PostgreSQL.

pub mod fields;
pub mod model;
pub mod postgres;
pub mod remote;
pub mod routes;

pub use model::{AlertRule, AlertRulePatch, NewAlertRule};
pub use postgres::PgAlertRuleStore;

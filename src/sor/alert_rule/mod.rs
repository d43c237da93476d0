//! Alert Rule SOR: profiling alert rules in PostgreSQL.

pub mod model;

pub use model::{AlertRule, AlertRulePatch, NewAlertRule};

//! History SOR: the audit trail of assessments in PostgreSQL.

pub mod model;
pub mod postgres;
pub mod remote;
pub mod routes;

pub use model::{AssessmentSeverity, HistoryQuery, HistoryRecord, JsonText, NewHistoryRecord};
pub use postgres::PgHistoryStore;

//! History SOR: the audit trail of assessments in PostgreSQL.

mod instant;
pub mod key;
pub mod model;
pub mod postgres;
pub mod remote;
pub mod routes;

pub use key::{RecordKey, IDEMPOTENCY_KEY_HEADER};
pub use model::{AssessmentSeverity, HistoryQuery, HistoryRecord, NewHistoryRecord};
pub use postgres::PgHistoryStore;

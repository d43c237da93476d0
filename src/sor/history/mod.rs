//! History SOR: the audit trail of assessments in PostgreSQL.

pub mod model;

pub use model::{AssessmentSeverity, HistoryQuery, HistoryRecord, NewHistoryRecord};

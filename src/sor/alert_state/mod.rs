//! Alert State SOR: where each rule's alert stands and every transition, in PostgreSQL. Only
//! the evaluator writes it, in its own process, so it has no HTTP implementation.

pub mod leader;
pub mod model;
pub mod postgres;

pub use leader::PgLeadership;
pub use model::{AlertPhase, AlertTransition, StoredAlert, TransitionKind};
pub use postgres::PgAlertStateStore;

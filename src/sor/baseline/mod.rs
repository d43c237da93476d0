//! Baseline SOR: approved per-function thresholds in PostgreSQL.

pub mod coalesced;
pub mod model;
pub mod postgres;
pub mod remote;
pub mod routes;

pub use coalesced::CoalescedBaselines;
pub use model::{Baseline, BaselinePatch, NewBaseline};
pub use postgres::PgBaselineStore;

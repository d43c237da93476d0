//! Alert State SOR: where each rule's alert stands and every transition, in PostgreSQL. Only
//! the evaluator writes it, in its own process, so it has no HTTP implementation.

pub mod model;
pub mod postgres;

pub use model::{AlertPhase, AlertTransition, StoredAlert, TransitionKind};
pub use postgres::PgAlertStateStore;

use async_trait::async_trait;

use pf_infra::sor::SorError;
use pf_model::AppName;

/// Where each rule's alert stands, and its transitions (docs/alerting.md). Written by the evaluator
/// only.
///
/// # Errors
/// `Unavailable` when the store is down.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait AlertStateSor: Send + Sync {
    /// Every pending or firing alert, by rule id.
    async fn alerts(&self) -> Result<Vec<StoredAlert>, SorError>;
    /// One evaluation at once: `alerts` stored (replacing each rule's row), the rows of
    /// `cleared` rules removed, `transitions` appended and their notifications enqueued.
    async fn save(
        &self,
        alerts: &[StoredAlert],
        cleared: &[i32],
        transitions: &[AlertTransition],
    ) -> Result<(), SorError>;
    /// Transitions, newest first, optionally of one app.
    async fn transitions(
        &self,
        app: Option<AppName>,
        limit: u32,
    ) -> Result<Vec<AlertTransition>, SorError>;
}

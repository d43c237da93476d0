//! History SOR: the audit trail of assessments in PostgreSQL, and the recorder that writes it
//! off the request path (`recorder/`).

mod endpoints;
mod instant;
mod key;
mod model;
mod module;
mod postgres;
mod recorder;
mod remote;
mod routes;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use endpoints::OPERATIONS;
pub use key::{RecordKey, IDEMPOTENCY_KEY_HEADER};
pub use model::{
    AssessmentSeverity, CreateHistoryRequest, HistoryQuery, HistoryRecord, NewHistoryRecord,
};
pub use module::{HistoryWriterModule, HISTORY_MODULE};
pub use postgres::PgHistoryStore;
pub use recorder::{history_queue, HistoryRecorder, HistoryWriteSettings, HistoryWriter};
pub use remote::RemoteHistoryStore;
pub use routes::ROUTES;

use async_trait::async_trait;

use pf_infra::sor::SorError;
use pf_model::AppName;

/// The audit trail of assessments (docs/api.md, History).
///
/// # Errors
/// `NotFound` for a missing id or an app without records (`latest`), `Invalid` for a broken
/// constraint, `Unavailable` when the store is down. After `Unavailable`, `Timeout` or
/// `Upstream` a write may or may not have been stored: writing the same records again is safe.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait HistorySor: Send + Sync {
    /// Stores one assessment; a record whose key is stored already answers the stored row.
    async fn create(&self, record: NewHistoryRecord) -> Result<HistoryRecord, SorError>;
    /// Stores assessments together, skipping those whose key is stored already. One refused
    /// record (`Invalid`) fails the call; the others may or may not be stored then.
    async fn create_many(&self, records: &[NewHistoryRecord]) -> Result<(), SorError>;
    /// An app's records, newest first.
    async fn list(&self, app: AppName, query: HistoryQuery)
        -> Result<Vec<HistoryRecord>, SorError>;
    /// An app's newest record.
    async fn latest(&self, app: AppName) -> Result<HistoryRecord, SorError>;
    /// Removes one record.
    async fn delete(&self, id: i32) -> Result<(), SorError>;
}

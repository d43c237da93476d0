//! Baseline SOR: approved per-function thresholds in PostgreSQL.

mod coalesced;
mod endpoints;
mod index;
mod model;
mod module;
mod postgres;
mod remote;
mod routes;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use coalesced::CoalescedBaselines;
pub use endpoints::OPERATIONS;
pub use index::BaselineIndex;
pub use model::{
    Baseline, BaselinePatch, CreateBaselineRequest, NewBaseline, UpdateBaselineRequest,
};
pub use module::{BaselineReads, BaselineReadsModule, BASELINES_MODULE};
pub use postgres::PgBaselineStore;
pub use remote::RemoteBaselineStore;
pub use routes::ROUTES;

use async_trait::async_trait;

use pf_infra::sor::SorError;
use pf_model::{AppName, ProfileType};

/// Approved per-function thresholds (docs/api.md, Baselines).
///
/// # Errors
/// `NotFound` for a missing id, `Invalid` for a broken constraint, `Unavailable` when the store is down.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait BaselineSor: Send + Sync {
    /// Creates, or updates the row with the same (app, type, function); keeps its id.
    async fn upsert(&self, baseline: NewBaseline) -> Result<Baseline, SorError>;
    /// An app's baselines, optionally of one profile type.
    async fn list(
        &self,
        app: AppName,
        profile_type: Option<ProfileType>,
    ) -> Result<Vec<Baseline>, SorError>;
    /// One baseline, by id: whose app a change by id touches (docs/api.md#teams-and-admin-tokens).
    /// A store that cannot read one by id answers `NotImplemented`.
    async fn get(&self, id: i32) -> Result<Baseline, SorError> {
        Err(SorError::NotImplemented(format!(
            "baseline {id} cannot be read by id from this store"
        )))
    }
    /// Changes threshold and/or severity.
    async fn update(&self, id: i32, patch: BaselinePatch) -> Result<Baseline, SorError>;
    /// Removes one baseline.
    async fn delete(&self, id: i32) -> Result<(), SorError>;
}

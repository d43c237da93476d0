//! The Pyroscope query API over the service's own store (docs/grafana.md): the Connect routes
//! Grafana's Pyroscope data source and its Profiles Drilldown app call
//! (`/querier.v1.QuerierService/*`), answered from the pprof files that pushes and copies leave
//! in the profile directories, with Pyroscope's own messages (`formats::pyroscope_api`).
//!
//! Pure parts: `tables.rs` holds the limits and type table files are read by; `request.rs`
//! reads a request's window, type and selector; `pick.rs` says which files and samples a request
//! reads; `flame.rs` writes a call tree as Pyroscope's flame graph (cut to `max_nodes`, the rest
//! in `other`); `series.rs` buckets values into steps. `answers.rs` and `select.rs` answer each
//! method off the HTTP workers; `routes.rs` and `wire.rs` are the edge.

mod answers;
mod flame;
mod module;
mod pick;
mod request;
mod routes;
mod select;
mod series;
mod tables;
mod wire;

use std::sync::Arc;

use pf_http::error::ApiError;
use pf_profile_files::{by_type, ProfileDir, Snapshot};
use pf_profiles::ProfilesSettings;
use tables::Tables;

pub use flame::flame_graph;
pub use module::ProfileDataModule;
pub use routes::ROUTES;

/// The querier of one process: the profile directories it reads, or the Pyroscope it does not
/// answer for.
pub struct Querier {
    source: Result<Arc<ProfileDir>, String>,
    tables: Tables,
}

impl Querier {
    /// Answers from `source`'s directories, or (`Err` of Pyroscope's URL) refuses with 409,
    /// reading files with the limits and type table of `settings`.
    pub fn new(source: Result<Arc<ProfileDir>, String>, settings: &ProfilesSettings) -> Self {
        Querier {
            source,
            tables: Tables {
                limits: settings.limits(),
                sample_types: by_type(&settings.sample_types),
                series_names: by_type(&settings.series_names),
            },
        }
    }

    /// The files as of now; 409 naming Pyroscope when the service reads it.
    async fn snapshot(&self) -> Result<Arc<Snapshot>, ApiError> {
        match &self.source {
            Ok(dir) => Ok(dir.snapshot().await),
            Err(url) => Err(ApiError::Conflict(format!(
                "the service reads Pyroscope (PYROSCOPE_URL = {url}): point Grafana's Pyroscope \
                 data source at Pyroscope itself"
            ))),
        }
    }

    /// Runs `work` on the blocking pool with the files and tables: reading files is not for
    /// the HTTP workers.
    async fn off_thread<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Snapshot, &Tables) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let snapshot = self.snapshot().await?;
        let tables = self.tables.clone();
        tokio::task::spawn_blocking(move || work(&snapshot, &tables))
            .await
            .map_err(|e| ApiError::Internal(format!("a query failed: {e}")))?
    }
}

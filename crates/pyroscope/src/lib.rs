//! Profile Data from Grafana Pyroscope: its HTTP client (`client/`: both API styles,
//! authentication, the tenant header, retries within one deadline, its limits), and
//! [`PyroscopeProfileData`], the [`pf_profiles::ProfileDataSor`] answered from it. It resolves
//! which Pyroscope profile type to read, asks for the merged flame graph (again with more nodes
//! when too much of it was truncated), and ranks functions as every source does; answers are
//! coalesced and cached in front of Pyroscope.

mod client;
mod profile_data;
mod type_tables;

use std::sync::Arc;

use pf_infra::tasks::StartError;
use pf_infra::telemetry::Metrics;
use pf_profiles::{ProfilesSettings, PyroscopeSettings, SourceParts};

use client::check::PyroscopeCheck;
pub use pf_profiles::without_credentials;
pub use profile_data::PyroscopeProfileData;

/// Profile Data from Pyroscope (`pyroscope.url`, the source [`pf_profiles::ProfileSource::of`]
/// chose).
///
/// # Errors
/// When the client cannot be built from its settings.
pub fn start(
    pyroscope: &PyroscopeSettings,
    profiles: &ProfilesSettings,
    metrics: &Arc<Metrics>,
) -> Result<SourceParts, StartError> {
    let sor =
        PyroscopeProfileData::new(pyroscope, profiles.limits(), metrics.clone()).map_err(|e| {
            StartError {
                key: e.key,
                reason: e.reason,
            }
        })?;
    Ok(SourceParts {
        check: Arc::new(PyroscopeCheck(sor.client())),
        sor: Arc::new(sor),
    })
}

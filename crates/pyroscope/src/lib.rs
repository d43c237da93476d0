//! Profile Data from Grafana Pyroscope: its HTTP client (`client/`: both API styles,
//! authentication, the tenant header, retries within one deadline, its limits), and
//! [`PyroscopeProfileData`], the [`pf_profiles::ProfileDataSor`] answered from it. It resolves
//! which Pyroscope profile type to read, asks for the merged flame graph (again with more nodes
//! when too much of it was truncated), and ranks functions as every source does; answers are
//! coalesced and cached in front of Pyroscope.

pub mod client;
mod profile_data;
mod type_tables;

use std::sync::Arc;

use pf_infra::tasks::StartError;
use pf_infra::telemetry::Metrics;
use pf_profiles::SourceParts;
use pf_profiles::{ProfilesSettings, PyroscopeSettings};

use client::check::PyroscopeCheck;
pub use profile_data::PyroscopeProfileData;

/// Profile Data from Pyroscope at `url` (`pyroscope.url`).
///
/// # Errors
/// When `profiles.dir` is set as well, or when the client cannot be built from its settings.
pub fn start(
    url: &url::Url,
    pyroscope: &PyroscopeSettings,
    profiles: &ProfilesSettings,
    metrics: &Arc<Metrics>,
) -> Result<SourceParts, StartError> {
    if let Some(dir) = &profiles.dir {
        return Err(StartError {
            key: "profiles.dir",
            reason: format!(
                "(PROFILES_DIR = {}) and `pyroscope.url` (PYROSCOPE_URL = {}) are both set: \
                 choose one profile source",
                dir.display(),
                without_credentials(url)
            ),
        });
    }
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

/// `url` as it may be shown: no user name or password.
pub fn without_credentials(url: &url::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

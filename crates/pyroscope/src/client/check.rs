//! `/health` entry for Pyroscope.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::PyroscopeClient;
use pf_infra::probe::HealthCheck;
use pf_profiles::PyroscopeApi;

/// `/health` entry for Pyroscope. Not required: an outage answers 502 per request instead of
/// taking the process out of rotation.
pub struct PyroscopeCheck(pub Arc<PyroscopeClient>);

#[async_trait]
impl HealthCheck for PyroscopeCheck {
    fn name(&self) -> &'static str {
        "pyroscope"
    }

    fn required(&self) -> bool {
        false
    }

    async fn check(&self) -> Result<Option<serde_json::Value>, String> {
        // Just under the health endpoint's own limit, so our message wins over its generic one.
        let apps = self
            .0
            .ping(Duration::from_millis(1900))
            .await
            .map_err(|e| e.to_string())?;
        let api = match self.0.api() {
            PyroscopeApi::Modern => "modern",
            PyroscopeApi::Legacy => "legacy",
        };
        Ok(Some(serde_json::json!({ "api": api, "apps": apps })))
    }
}

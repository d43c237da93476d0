//! The module interface (`pf_module`) as the table uses it, and this process's `/health` that
//! the front door reads.

use std::sync::OnceLock;

use pf_front_door::{HealthLine, ServiceHealth};
use pf_health::HealthChecks;

pub(super) use pf_module::{Ground, Module, Name, Offers, RouteModule, Served};

/// This process's `/health`, known once every module has started (the table sets it): the front
/// door's health line reads it.
#[derive(Default)]
pub(super) struct ProcessHealth(OnceLock<HealthChecks>);

impl ProcessHealth {
    /// Sets the checks of every started module; the first call wins.
    pub(super) fn set(&self, checks: HealthChecks) {
        // A second call would be the table's bug; the first checks stay.
        let _ = self.0.set(checks);
    }
}

#[async_trait::async_trait]
impl HealthLine for ProcessHealth {
    async fn health(&self) -> ServiceHealth {
        match self.0.get() {
            Some(checks) => checks.health().await,
            // Before the table has started every module the server does not listen yet.
            None => HealthChecks::new(String::new(), Vec::new()).health().await,
        }
    }
}

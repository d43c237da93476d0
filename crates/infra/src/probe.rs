//! `HealthCheck`: how a dependency (a database, Pyroscope, a remote SOR) tells `/health` its
//! state. Implemented next to each client; assembled into `/health` by the composition root.

use async_trait::async_trait;

/// A dependency whose state `/health` reports.
#[async_trait]
pub trait HealthCheck: Send + Sync {
    /// The key under `checks`.
    fn name(&self) -> &'static str;
    /// Whether this process is unready without it (stores are; Pyroscope is not: its
    /// outages answer 502 per request rather than taking the whole process out of service).
    fn required(&self) -> bool;
    /// Whether `/health/ready` lists this check: required ones always; an optional one when
    /// its outage silently changes answers (a BOR's v2 SORs), so readiness shows it as down
    /// (`degraded`, still 200) rather than hiding it.
    fn in_readiness(&self) -> bool {
        self.required()
    }
    /// Checks the dependency once.
    async fn check(&self) -> Result<Option<serde_json::Value>, String>;
}

//! What the process tells its operators: the health of each dependency (`/health`,
//! `/health/ready`, `/health/live`), its `/metrics`, and the `healthcheck` command a container
//! runs against them.

mod healthcheck;
mod routes;

pub use healthcheck::run as healthcheck;
pub use routes::ROUTES;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::Serialize;
use utoipa::ToSchema;

use pf_infra::db::{Database, PoolStats};
use pf_infra::probe::HealthCheck;

/// How long one dependency may take to answer a health check.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// One dependency's state.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    /// `up` or `down`.
    pub status: &'static str,
    pub required: bool,
    pub response_time_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Answer of `/health`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "healthy", "function": "all", "checks": {"database": {"status": "up", "required": true, "responseTimeMs": 0.8, "details": {"pool": {"size": 2, "idle": 2, "max": 5}}}}}))]
pub struct HealthReport {
    /// `healthy`, `degraded` (an optional dependency is down) or `unhealthy`.
    pub status: &'static str,
    pub function: String,
    pub checks: BTreeMap<&'static str, CheckReport>,
}

/// The dependencies of this process, assembled by the composition root.
#[derive(Clone)]
pub struct HealthChecks {
    pub function: String,
    pub checks: Vec<Arc<dyn HealthCheck>>,
}

impl HealthChecks {
    /// The checks of a process serving `function`.
    pub fn new(function: String, checks: Vec<Arc<dyn HealthCheck>>) -> Self {
        HealthChecks { function, checks }
    }

    pub(crate) async fn run(&self, required_only: bool) -> HealthReport {
        let selected = self
            .checks
            .iter()
            .filter(|c| !required_only || c.in_readiness());
        let results = futures_util::future::join_all(selected.map(|check| async move {
            let started = Instant::now();
            let outcome = match tokio::time::timeout(CHECK_TIMEOUT, check.check()).await {
                Ok(outcome) => outcome,
                Err(_) => Err(format!("no answer within {}s", CHECK_TIMEOUT.as_secs())),
            };
            let response_time_ms =
                (started.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0;
            let report = match outcome {
                Ok(details) => CheckReport {
                    status: "up",
                    required: check.required(),
                    response_time_ms,
                    details,
                    error: None,
                },
                Err(error) => CheckReport {
                    status: "down",
                    required: check.required(),
                    response_time_ms,
                    details: None,
                    error: Some(error),
                },
            };
            (check.name(), report)
        }))
        .await;
        let checks: BTreeMap<_, _> = results.into_iter().collect();
        let down = |required: bool| {
            checks
                .values()
                .any(|c| c.status == "down" && c.required == required)
        };
        let status = if down(true) {
            "unhealthy"
        } else if down(false) {
            "degraded"
        } else {
            "healthy"
        };
        HealthReport {
            status,
            function: self.function.clone(),
            checks,
        }
    }
}

#[async_trait]
impl pf_front_door::HealthLine for HealthChecks {
    /// `/health` in one line: its status and the checks that are down.
    async fn health(&self) -> pf_front_door::ServiceHealth {
        let report = self.run(false).await;
        pf_front_door::ServiceHealth {
            status: report.status.to_owned(),
            function: report.function,
            down: report
                .checks
                .iter()
                .filter(|(_, c)| c.status == "down")
                .map(|(name, _)| (*name).to_owned())
                .collect(),
        }
    }
}

/// The database as a health check: `select 1` and pool usage.
pub struct DatabaseCheck(pub Database);

#[async_trait]
impl HealthCheck for DatabaseCheck {
    fn name(&self) -> &'static str {
        "database"
    }

    fn required(&self) -> bool {
        true
    }

    async fn check(&self) -> Result<Option<serde_json::Value>, String> {
        let pool: Option<PoolStats> = self.0.pool_stats();
        self.0.ping().await.map_err(|e| e.to_string())?;
        Ok(Some(serde_json::json!({ "pool": pool })))
    }
}

//! `/health`, `/health/live` and `/health/ready`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{web, HttpResponse};
use async_trait::async_trait;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{Database, PoolStats};

/// How long one dependency may take to answer a health check.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

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

/// Answer of `/health` and `/health/ready`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "healthy", "function": "all", "checks": {"database": {"status": "up", "required": true, "responseTimeMs": 0.8, "details": {"pool": {"size": 2, "idle": 2, "max": 5}}}}}))]
pub struct HealthReport {
    /// `healthy`, `degraded` (an optional dependency is down) or `unhealthy`.
    pub status: &'static str,
    pub function: String,
    pub checks: BTreeMap<&'static str, CheckReport>,
}

/// The dependencies of this process, assembled by `startup`.
#[derive(Clone)]
pub struct HealthChecks {
    pub function: String,
    pub checks: Vec<Arc<dyn HealthCheck>>,
}

impl HealthChecks {
    async fn run(&self, required_only: bool) -> HealthReport {
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

/// Dependencies and their state; 503 when a required one is down.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, body = HealthReport), (status = 503, body = HealthReport)))]
pub async fn health(checks: web::Data<HealthChecks>) -> HttpResponse {
    respond(checks.run(false).await)
}

/// Whether the process runs; always 200.
#[utoipa::path(get, path = "/health/live", tag = "operations",
    responses((status = 200, description = "Alive", example = json!({"status": "alive"}))))]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "alive" }))
}

/// 200 only when the stores this process needs answer; lists a BOR's optional SORs too.
#[utoipa::path(get, path = "/health/ready", tag = "operations",
    responses((status = 200, body = HealthReport), (status = 503, body = HealthReport)))]
pub async fn ready(checks: web::Data<HealthChecks>) -> HttpResponse {
    respond(checks.run(true).await)
}

fn respond(report: HealthReport) -> HttpResponse {
    if report.status == "unhealthy" {
        HttpResponse::ServiceUnavailable().json(report)
    } else {
        HttpResponse::Ok().json(report)
    }
}

//! The operational routes: `/health`, `/health/live`, `/health/ready` and `/metrics`.

use actix_web::{web, HttpResponse, ResponseError};

use serde::Serialize;
use utoipa::ToSchema;

use super::{HealthChecks, HealthReport};
use pf_http::error::ApiError;
use pf_http::routing::resource;
use pf_infra::telemetry::Metrics;

/// Mounts the routes; expects `web::Data<HealthChecks>` and `web::Data<Metrics>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/health").route(web::get().to(health)))
        .service(resource("/health/live").route(web::get().to(live)))
        .service(resource("/health/ready").route(web::get().to(ready)))
        .service(resource("/metrics").route(web::get().to(metrics)));
}

/// The OpenAPI paths of these routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(health, live, ready, metrics))]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// What a probe is told: up or down, nothing more (no addresses, no error texts: the probes
/// answer without a token).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "up"}))]
pub struct ProbeAnswer {
    /// `up` or `down`.
    pub status: &'static str,
}

/// Every dependency and its state: addresses, timings, errors; 503 when a required one is down.
///
/// With API tokens it needs one (a `read` token will do); the probes answer without.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, body = HealthReport), (status = 503, body = HealthReport)))]
pub async fn health(checks: web::Data<HealthChecks>) -> HttpResponse {
    let report = checks.run(false).await;
    if report.status == "unhealthy" {
        HttpResponse::ServiceUnavailable().json(report)
    } else {
        HttpResponse::Ok().json(report)
    }
}

/// Whether the process runs: always 200, `up`.
#[utoipa::path(get, path = "/health/live", tag = "operations",
    responses((status = 200, description = "Alive", body = ProbeAnswer)))]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(ProbeAnswer { status: "up" })
}

/// `up` (200) when the stores this process needs answer, else `down` (503); which one is down
/// and why, `/health` says.
#[utoipa::path(get, path = "/health/ready", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = ProbeAnswer),
        (status = 503, description = "A required dependency is down (see /health)", body = ProbeAnswer,
            example = json!({"status": "down"})),
    ))]
pub async fn ready(checks: web::Data<HealthChecks>) -> HttpResponse {
    let report: HealthReport = checks.run(true).await;
    if report.status == "unhealthy" {
        HttpResponse::ServiceUnavailable().json(ProbeAnswer { status: "down" })
    } else {
        HttpResponse::Ok().json(ProbeAnswer { status: "up" })
    }
}

/// Prometheus metrics: request and upstream latency, cache lookups, dropped history writes, pool usage.
///
/// With API tokens set it needs one (a `read` token will do): it names every app's functions.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain")))]
pub async fn metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    match metrics.render() {
        Ok(text) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(text),
        Err(e) => ApiError::Internal(e.to_string()).error_response(),
    }
}

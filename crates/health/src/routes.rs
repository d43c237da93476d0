//! The operational routes: `/health`, `/health/live`, `/health/ready` and `/metrics`.

use actix_web::{web, HttpResponse, ResponseError};

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

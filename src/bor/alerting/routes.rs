//! `POST /rules/{id}/evaluate`: a rule's value now, for tuning it before enabling it.

use actix_web::{web, HttpResponse};

use super::service::{AlertEvaluationService, DryRun, EvaluationError};
use crate::error::{ApiError, ErrorBody};
use crate::profile::now_floored;
use crate::routing::{parse_id, resource};

/// Mounts the route; expects `web::Data<AlertEvaluationService>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/rules/{id}/evaluate").route(web::post().to(evaluate)));
}

/// The OpenAPI paths of these routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(evaluate), components(schemas(DryRun)))]
pub struct RoutesDoc;

impl From<EvaluationError> for ApiError {
    fn from(err: EvaluationError) -> Self {
        match err {
            EvaluationError::Sor(e) => e.into(),
            EvaluationError::Input(e) => e.into(),
            EvaluationError::Value(e) => ApiError::bad_request("unknown_diagnosis", e.to_string()),
        }
    }
}

/// Evaluates one rule over the last `alerts.window_secs` now and changes nothing: its value,
/// threshold, whether it is above it, and the functions behind the value.
#[utoipa::path(post, path = "/rules/{id}/evaluate", tag = "rules",
    params(("id" = i32, Path, description = "Rule id")),
    responses(
        (status = 200, description = "The rule's value now", body = DryRun),
        (status = 400, description = "Invalid id, or a `diagnosis:` category the triage rules lack", body = ErrorBody),
        (status = 404, description = "No such rule", body = ErrorBody),
        (status = 502, description = "Pyroscope failed", body = ErrorBody),
        (status = 504, description = "Pyroscope too slow", body = ErrorBody),
    ))]
pub async fn evaluate(
    service: web::Data<AlertEvaluationService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    Ok(HttpResponse::Ok().json(service.dry_run(id, now_floored()).await?))
}

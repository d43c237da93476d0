//! `/triage/{appName}`: parse, call the `TriageService`, answer JSON.

use actix_web::{web, HttpRequest, HttpResponse};

use super::model::{TriageParams, TriageReport, TriageRequest};
use super::service::TriageService;
use crate::bor::requested_by;
use crate::error::{ApiError, ErrorBody};
use crate::profile::now_floored;
use crate::routing::method_not_allowed;

/// Mounts the route; expects `web::Data<TriageService>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/triage/{appName}")
            .route(web::get().to(triage))
            .default_service(web::to(method_not_allowed)),
    );
}

/// Diagnose an app per profile type, with a one-line recommendation for each.
///
/// v2 also reports functions above their approved baseline and stores the assessment in the
/// history (in the background; `X-Requested-By` names the requester).
#[utoipa::path(get, path = "/triage/{appName}", tag = "triage",
    params(
        ("appName" = String, Path, description = "Application name"),
        ("X-Requested-By" = Option<String>, Header, description = "Who asks; stored with the history record (v2)"),
        TriageParams,
    ),
    responses(
        (status = 200, description = "Assessed; a type whose profile failed is `unavailable`", body = TriageReport),
        (status = 400, description = "Invalid app name, window, types or limit", body = ErrorBody),
        (status = 404, description = "Unknown app (every type failed)", body = ErrorBody),
        (status = 502, description = "Pyroscope failed for every type", body = ErrorBody),
        (status = 504, description = "Pyroscope timed out for every type", body = ErrorBody),
    ))]
pub async fn triage(
    service: web::Data<TriageService>,
    path: web::Path<String>,
    query: web::Query<TriageParams>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let request =
        TriageRequest::parse(&path, query.into_inner(), now_floored(), requested_by(&req))?;
    Ok(HttpResponse::Ok().json(service.assess(request).await?))
}

//! Extractor configuration and fallback handlers shared by every route module.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::{json_error, path_error, query_error, ApiError};
use crate::profile::{truncate_chars, MAX_SHORT_TEXT};

/// JSON, query and path extractors that answer SPEC §8 errors instead of actix's plain text.
pub fn extractor_config(cfg: &mut web::ServiceConfig, max_body_bytes: usize) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(max_body_bytes)
            .error_handler(move |err, _| json_error(err, max_body_bytes)),
    )
    .app_data(web::QueryConfig::default().error_handler(|err, _| query_error(err)))
    .app_data(web::PathConfig::default().error_handler(|err, _| path_error(err)));
}

/// A route resource whose unsupported methods answer 405 with the JSON error shape.
pub fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

/// Fallback of a known path with an unsupported method.
pub async fn method_not_allowed(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed(format!(
        "{} is not allowed on {}",
        req.method(),
        req.path()
    )))
}

/// Fallback for paths this process does not serve.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "no route for {} {}",
        req.method(),
        req.path()
    )))
}

/// Reads a numeric row id from a path segment.
pub fn parse_id(raw: &str) -> Result<i32, ApiError> {
    raw.trim().parse::<i32>().map_err(|_| {
        ApiError::bad_request("invalid_id", format!("id must be an integer, got `{raw}`"))
    })
}

/// Header naming who asked for an assessment; stored as the history record's `requestedBy`.
pub const REQUESTED_BY_HEADER: &str = "x-requested-by";

/// The `X-Requested-By` value: trimmed, `None` when absent, blank or not text, cut to the
/// length the history store accepts (a longer value must not cost the whole record).
pub fn requested_by(req: &HttpRequest) -> Option<String> {
    let value = req
        .headers()
        .get(REQUESTED_BY_HEADER)?
        .to_str()
        .ok()?
        .trim();
    (!value.is_empty()).then(|| truncate_chars(value, MAX_SHORT_TEXT))
}

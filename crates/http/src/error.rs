//! `ApiError`: the one place where failures become HTTP statuses and `{"error","code"}` bodies.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use pf_infra::address_guard::AddressDenied;
use pf_infra::sor::SorError;
use pf_model::InputError;

/// The JSON body of every error answer (docs/api.md).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"error": "limit must be between 1 and 1000, got 0", "code": "invalid_limit"}))]
pub struct ErrorBody {
    /// A message for humans.
    pub error: String,
    /// A stable machine-readable code.
    pub code: String,
}

/// What every route with a JSON body can also answer: the body refused before the route runs.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only documents answers: the extractor configuration builds them.
pub enum BodyRefused {
    #[response(status = 413, description = "Body larger than `server.max_body_bytes`",
        example = json!({"error": "request body is larger than 262144 bytes", "code": "payload_too_large"}))]
    TooLarge(ErrorBody),
    #[response(status = 415, description = "Body not sent as `application/json`",
        example = json!({"error": "request body must be JSON (Content-Type: application/json)", "code": "unsupported_media_type"}))]
    NotJson(ErrorBody),
}

/// What a route that stores what it is sent can answer besides its success and
/// [`BodyRefused`]: the body invalid, or the database out of reach.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only documents answers: `ApiError` builds them.
pub enum StoreErrors {
    #[response(status = 400, description = "Invalid body")]
    Invalid(ErrorBody),
    #[response(status = 503, description = "Database unavailable")]
    Unavailable(ErrorBody),
}

/// What a route that reads, changes or deletes one stored record (by id or app) can answer
/// besides its success and [`BodyRefused`].
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only documents answers: `ApiError` builds them.
pub enum RecordErrors {
    #[response(status = 400, description = "Invalid id, app name or body")]
    Invalid(ErrorBody),
    #[response(status = 404, description = "No such record")]
    Missing(ErrorBody),
    #[response(status = 503, description = "Database unavailable")]
    Unavailable(ErrorBody),
}

/// What a route that lists stored records can answer besides its success.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only documents answers: `ApiError` builds them.
pub enum ListErrors {
    #[response(status = 400, description = "Invalid app name or query")]
    Invalid(ErrorBody),
    #[response(status = 503, description = "Database unavailable")]
    Unavailable(ErrorBody),
}

/// What a route that reads profiles answers when Pyroscope (or the Profile Data SOR) fails.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only documents answers: `ApiError` builds them.
pub enum UpstreamErrors {
    #[response(status = 502, description = "Pyroscope unreachable, failing or unreadable",
        example = json!({"error": "Pyroscope answered 503 Service Unavailable to SelectMergeStacktraces", "code": "upstream_error"}))]
    Unreachable(ErrorBody),
    #[response(status = 504, description = "Pyroscope too slow",
        example = json!({"error": "Pyroscope did not answer SelectMergeStacktraces in time (limit 30s)", "code": "upstream_timeout"}))]
    TooSlow(ErrorBody),
    #[response(status = 503, description = "Pyroscope kept refusing as too busy (429, 503) for as long as the read could wait: try again after `Retry-After` seconds",
        headers(("Retry-After" = u64, description = "Seconds to wait before trying again")),
        example = json!({"error": "Pyroscope is too busy: it kept answering 429 Too Many Requests to SelectMergeStacktraces: too many outstanding requests (resource_exhausted) for as long as this read could wait (30s)", "code": "upstream_throttled"}))]
    Throttled(ErrorBody),
}

/// An error answer. Handlers return it with `?`; nothing internal reaches the client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// No known bearer token; answered with `WWW-Authenticate: Bearer`.
    #[error("{0}")]
    Unauthorized(String),
    /// A known token whose scope does not allow this request.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// An unsupported method, with the methods the route has (its `Allow` header).
    #[error("{0}")]
    MethodNotAllowed(String, Option<String>),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Well-formed but not something the service does (422).
    #[error("{0}")]
    Unprocessable(String),
    /// Too much at once: retry after a second (429 with `Retry-After`).
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    Unavailable(String),
    /// A request target longer than the edge answers (414).
    #[error("{0}")]
    UriTooLong(String),
    /// Request headers larger than the edge answers (431).
    #[error("{0}")]
    HeadersTooLarge(String),
    /// No room to keep it (507 with `Retry-After`): the disk is nearly full.
    #[error("{0}")]
    InsufficientStorage(String),
    /// A SOR's failure, answered with the status and code of its one wire table
    /// ([`SorError::status`], [`SorError::code`]), which a remote SOR client reads back; an
    /// unexpected one shows no cause.
    #[error("{}", shown(.0))]
    Sor(SorError),
    #[error("internal error")]
    Internal(String),
}

/// What a client is told of a SOR's failure: its message, except the cause of an unexpected one.
fn shown(e: &SorError) -> &str {
    match e {
        SorError::Unexpected(_) => "internal error",
        e => e.message(),
    }
}

impl ApiError {
    /// A 400 with a machine code naming what was wrong.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// The machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { code, .. } => code,
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::MethodNotAllowed(..) => "method_not_allowed",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Unprocessable(_) => "unprocessable",
            ApiError::TooManyRequests(_) => "too_many_requests",
            ApiError::Unavailable(_) => "store_unavailable",
            ApiError::InsufficientStorage(_) => "insufficient_storage",
            ApiError::UriTooLong(_) => "uri_too_long",
            ApiError::HeadersTooLarge(_) => "headers_too_large",
            ApiError::Sor(e) => e.code(),
            ApiError::Internal(_) => "internal_error",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed(..) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::Sor(e) => {
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            ApiError::Internal(cause) | ApiError::Sor(SorError::Unexpected(cause)) => {
                tracing::error!(%cause, "request failed")
            }
            e if status.is_server_error() => tracing::warn!(error = %e, "request failed"),
            _ => {}
        }
        let mut response = HttpResponse::build(status);
        match self {
            ApiError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::MethodNotAllowed(_, Some(allow)) => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            ApiError::TooManyRequests(_) => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            // Space comes back with the next sweep (every minute) or an operator.
            ApiError::InsufficientStorage(_) => {
                response.insert_header((header::RETRY_AFTER, "60"));
            }
            ApiError::Sor(SorError::Throttled {
                retry_after_secs, ..
            }) => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.max(&1).to_string()));
            }
            _ => {}
        }
        response.json(ErrorBody {
            error: self.to_string(),
            code: self.code().to_owned(),
        })
    }
}

/// The same failure as a Connect RPC answers it (`{"code", "message"}`, Connect's code for the
/// status), for the Connect routes agents call.
pub fn connect_error(err: &ApiError) -> HttpResponse {
    let status = err.status_code();
    if status.is_server_error() {
        tracing::warn!(error = %err, "request failed");
    }
    let code = match status.as_u16() {
        401 => "unauthenticated",
        403 => "permission_denied",
        404 => "not_found",
        409 => "failed_precondition",
        413 | 429 | 507 => "resource_exhausted",
        415 => "unimplemented",
        503 => "unavailable",
        s if s >= 500 => "internal",
        _ => "invalid_argument",
    };
    let mut response = HttpResponse::build(status);
    if status == StatusCode::TOO_MANY_REQUESTS {
        response.insert_header((header::RETRY_AFTER, "1"));
    }
    response.json(serde_json::json!({"code": code, "message": err.to_string()}))
}

impl From<InputError> for ApiError {
    fn from(err: InputError) -> Self {
        let code = err.code();
        ApiError::bad_request(code, err.to_string())
    }
}

impl From<AddressDenied> for ApiError {
    fn from(err: AddressDenied) -> Self {
        ApiError::bad_request(
            "forbidden_notification_address",
            format!("notificationChannel: {err}"),
        )
    }
}

impl From<SorError> for ApiError {
    fn from(err: SorError) -> Self {
        ApiError::Sor(err)
    }
}

/// Turns actix's JSON body errors into the error answers of docs/api.md (413, 415, 400 with a
/// precise code).
pub fn json_error(err: actix_web::error::JsonPayloadError, limit: usize) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    let api = match &err {
        J::OverflowKnownLength { .. } | J::Overflow { .. } => {
            ApiError::PayloadTooLarge(format!("request body is larger than {limit} bytes"))
        }
        J::ContentType => ApiError::UnsupportedMediaType(
            "request body must be JSON (Content-Type: application/json)".into(),
        ),
        J::Deserialize(e) => json_deserialize_error(e),
        other => ApiError::bad_request(
            "invalid_body",
            format!("could not read the request body: {other}"),
        ),
    };
    api.into()
}

/// Classifies a serde_json error: syntax problems versus missing or mistyped fields.
pub fn json_deserialize_error(e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::bad_request(
            "malformed_json",
            format!("request body is not valid JSON: {e}"),
        ),
        Category::Data if e.to_string().starts_with("missing field") => {
            ApiError::bad_request("missing_field", e.to_string())
        }
        Category::Data => ApiError::bad_request("invalid_field", e.to_string()),
    }
}

/// The 400 of a query string its parameters cannot be read from, naming the parameter.
pub fn query_refused(err: actix_web::error::QueryPayloadError) -> ApiError {
    ApiError::bad_request("invalid_query", format!("invalid query string: {err}"))
}

/// Turns a path-segment error (e.g. a non-numeric id) into a 400.
pub fn path_error(err: actix_web::error::PathError) -> actix_web::Error {
    ApiError::bad_request("invalid_path", format!("invalid path parameter: {err}")).into()
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;

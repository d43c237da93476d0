//! Extractor configuration and fallback handlers shared by every route module.

use std::collections::HashMap;
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use percent_encoding::percent_decode_str;
use serde::de::DeserializeOwned;
use utoipa::openapi::OpenApi;

use crate::http::auth::TokenName;
use crate::http::error::{json_error, path_error, query_error, ApiError};
use crate::model::{truncate_chars, AppName, ReportFormat, MAX_SHORT_TEXT};

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

/// The methods of each route, as the served OpenAPI document lists them: what a 405's `Allow`
/// header names, from the same document clients read, so the two cannot disagree.
#[derive(Debug, Default)]
pub struct AllowedMethods(HashMap<String, String>);

impl AllowedMethods {
    /// Documented paths that differ only in their parameters' names (`/history/{appName}` GET,
    /// `/history/{id}` DELETE) are one route: their methods are joined.
    pub fn of(doc: &OpenApi) -> Self {
        let mut methods: HashMap<String, Vec<&str>> = HashMap::new();
        for (path, item) in &doc.paths.paths {
            let listed = [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
            ];
            let route = methods.entry(shape(path)).or_default();
            route.extend(listed.iter().filter(|m| m.1).map(|m| m.0));
        }
        let order = ["GET", "POST", "PUT", "PATCH", "DELETE"];
        AllowedMethods(
            methods
                .into_iter()
                .map(|(shape, mut allow)| {
                    allow.sort_by_key(|m| order.iter().position(|o| o == m));
                    allow.dedup();
                    (shape, allow.join(", "))
                })
                .collect(),
        )
    }

    /// The `Allow` value of a route pattern, e.g. `/history/{key}`.
    fn get(&self, pattern: &str) -> Option<String> {
        self.0.get(&shape(pattern)).cloned()
    }
}

/// A path template with its parameters' names left out: `/history/{appName}` → `/history/{}`.
fn shape(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut in_param = false;
    for c in template.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            c if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

/// Fallback of a known path with an unsupported method: 405 with `Allow` listing the route's
/// methods.
pub async fn method_not_allowed(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let allow = req
        .app_data::<web::Data<AllowedMethods>>()
        .zip(req.match_pattern())
        .and_then(|(allowed, pattern)| allowed.get(&pattern));
    Err(ApiError::MethodNotAllowed(
        format!("{} is not allowed on {}", req.method(), req.path()),
        allow,
    ))
}

/// Fallback for paths this process does not serve.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "no route for {} {}",
        req.method(),
        req.path()
    )))
}

/// Reads a numeric row id (`i32` of the stores, `i64` of regression events) from a path
/// segment.
pub fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.trim().parse::<T>().map_err(|_| {
        ApiError::bad_request("invalid_id", format!("id must be an integer, got `{raw}`"))
    })
}

/// Header naming who asked for an assessment; stored as the history record's `requestedBy`.
pub const REQUESTED_BY_HEADER: &str = "x-requested-by";

/// The `X-Requested-By` value: trimmed, cut to the length the history store accepts (a longer
/// value must not cost the whole record). When it is absent, blank or not text: the name of the
/// request's API token, if any.
pub fn requested_by(req: &HttpRequest) -> Option<String> {
    let header = req
        .headers()
        .get(REQUESTED_BY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    match header {
        Some(value) => Some(truncate_chars(value, MAX_SHORT_TEXT)),
        None => req
            .extensions()
            .get::<TokenName>()
            .map(|name| truncate_chars(&name.0, MAX_SHORT_TEXT)),
    }
}

/// A rendered report in the representation `format` names, with that format's media type.
pub fn rendered(
    format: ReportFormat,
    body: impl actix_web::body::MessageBody + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(format.media_type())
        .body(body)
}

/// Path parameters that hold an app name. actix decodes a path's escapes lossily (`%ff`
/// becomes U+FFFD), so this refuses a path whose escapes decode to no text with 400
/// `invalid_app_name` instead: a name must reach the store exactly as it was sent.
pub struct AppPath<T>(T);

impl<T> AppPath<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for AppPath<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for AppPath<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if let Err(error) = decodes_to_text(req) {
            return Box::pin(async move { Err(error.into()) });
        }
        let path = web::Path::<T>::from_request(req, payload);
        Box::pin(async move { path.await.map(|p| AppPath(p.into_inner())) })
    }
}

/// The `{appName}` segment of a route's path (or `{key}`, where one segment holds an app name
/// for some methods and an id for others), checked once at the edge: a handler takes an
/// [`AppName`] and never sees the text it came from. Refused as [`AppPath`] refuses it, or
/// with the name's own `invalid_app_name`.
impl FromRequest for AppName {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let name = decodes_to_text(req).and_then(|()| {
            // `load` decodes the segments as `web::Path` does (`%2F` too).
            let segments: AppSegment = req.match_info().load().map_err(|e| {
                ApiError::bad_request("invalid_path", format!("invalid path parameter: {e}"))
            })?;
            let raw = segments
                .app_name
                .or(segments.key)
                .ok_or_else(|| ApiError::NotFound(format!("no app name in {}", req.path())))?;
            Ok(raw.parse::<AppName>()?)
        });
        std::future::ready(name.map_err(actix_web::Error::from))
    }
}

/// The path segments that may hold an app name.
#[derive(serde::Deserialize)]
struct AppSegment {
    #[serde(rename = "appName")]
    app_name: Option<String>,
    key: Option<String>,
}

/// actix decodes a path's escapes lossily; a path whose escapes are no text is refused.
fn decodes_to_text(req: &HttpRequest) -> Result<(), ApiError> {
    let raw = req.uri().path();
    if percent_decode_str(raw).decode_utf8().is_err() {
        let message = format!("the app name in `{raw}` does not percent-decode to text");
        return Err(ApiError::bad_request("invalid_app_name", message));
    }
    Ok(())
}

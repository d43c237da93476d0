//! Extractor configuration and fallback handlers shared by every route module.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use utoipa::openapi::OpenApi;

use crate::error::{json_error, path_error, query_refused, ApiError};
use pf_model::ReportFormat;

/// JSON, query and path extractors that answer the JSON errors of docs/api.md instead of actix's
/// plain text.
pub fn extractor_config(cfg: &mut web::ServiceConfig, max_body_bytes: usize) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(max_body_bytes)
            .error_handler(move |err, _| json_error(err, max_body_bytes)),
    )
    .app_data(web::QueryConfig::default().error_handler(|err, _| query_refused(err).into()))
    .app_data(web::PathConfig::default().error_handler(|err, _| path_error(err)));
}

/// A capability's routes as the module table mounts them (each routes module's `ROUTES`): how
/// to add them to the server, and their OpenAPI paths.
#[derive(Clone, Copy)]
pub struct Routes {
    pub configure: fn(&mut web::ServiceConfig),
    pub doc: RoutesDoc,
}

/// How a routes module describes itself: its `RoutesDoc::openapi`.
pub type RoutesDoc = fn() -> OpenApi;

impl Routes {
    /// The routes `configure` mounts, documented by `D` (the module's `#[derive(OpenApi)]`).
    pub const fn of<D: utoipa::OpenApi>(configure: fn(&mut web::ServiceConfig)) -> Self {
        Routes {
            configure,
            doc: D::openapi,
        }
    }
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

/// A rendered report in the representation `format` names, with that format's media type.
pub fn rendered(
    format: ReportFormat,
    body: impl actix_web::body::MessageBody + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(format.media_type())
        .body(body)
}

/// The longest request target (path and query) the edge answers; past it, 414 in the JSON of
/// docs/api.md. Below the HTTP server's own bound (its whole head, 128 KiB), which answers
/// with an empty 431 that no middleware sees (SPEC §34).
pub const MAX_TARGET_BYTES: usize = 48 * 1024;
/// The most header bytes (names and values) the edge answers; past them, 431 in JSON.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// The middleware: a request whose target or headers pass the edge's bounds is answered
/// 414 or 431 in JSON before anything reads it.
pub async fn within_head_limits(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<
        actix_web::body::EitherBody<impl actix_web::body::MessageBody + 'static>,
    >,
    actix_web::Error,
> {
    use actix_web::ResponseError;
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    let headers: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    let refusal = if target > MAX_TARGET_BYTES {
        Some(ApiError::UriTooLong(format!(
            "the request target is {target} bytes, more than the {MAX_TARGET_BYTES} answered"
        )))
    } else if headers > MAX_HEADER_BYTES {
        Some(ApiError::HeadersTooLarge(format!(
            "the request headers are {headers} bytes, more than the {MAX_HEADER_BYTES} answered"
        )))
    } else {
        None
    };
    match refusal {
        Some(e) => {
            let response = e.error_response();
            Ok(req.into_response(response).map_into_right_body())
        }
        None => next
            .call(req)
            .await
            .map(actix_web::dev::ServiceResponse::map_into_left_body),
    }
}

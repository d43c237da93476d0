//! What the routes read from a request's path and headers, typed once at the edge: an app
//! name, a row id, who asks.

use std::ops::Deref;
use std::str::FromStr;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use percent_encoding::percent_decode_str;
use serde::de::DeserializeOwned;

use crate::access::{Access, Attribution};
use crate::error::ApiError;
use pf_model::{truncate_chars, AppName, MAX_SHORT_TEXT};

/// Reads a numeric row id (`i32` of the stores, `i64` of regression events) from a path
/// segment.
fn parse_id<T: FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.trim().parse::<T>().map_err(|_| {
        ApiError::bad_request("invalid_id", format!("id must be an integer, got `{raw}`"))
    })
}

/// Header naming who asked for an assessment: a claim, kept as the history record's
/// `onBehalfOf` beside the token that authenticated (`crate::access`).
const REQUESTED_BY_HEADER: &str = "x-requested-by";

/// The `X-Requested-By` value: trimmed, cut to the length the history store accepts (a longer
/// value must not cost the whole record); `None` when absent, blank or not text.
fn claimed_requester(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(REQUESTED_BY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|value| truncate_chars(value, MAX_SHORT_TEXT))
}

/// Who asked for an assessment: with tokens, the token's name as `requestedBy` and the
/// `X-Requested-By` claim as `onBehalfOf`; without, the claim as `requestedBy`
/// ([`Access::attribute`]). Documented by [`RequestedByParam`].
#[derive(Debug, Clone)]
pub struct RequestedBy(pub Attribution);

impl FromRequest for RequestedBy {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let claim = claimed_requester(req);
        let access = Access::from_request(req, payload).into_inner();
        std::future::ready(access.map(|access| RequestedBy(access.attribute(claim, None))))
    }
}

/// Documents the header [`RequestedBy`] is read from.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // Only documents the header: the extractor reads it.
pub struct RequestedByParam {
    /// Who asks: with API tokens, kept as the history record's `onBehalfOf` beside the
    /// token's name (`requestedBy`); without, stored as its `requestedBy` (v2)
    #[param(rename = "X-Requested-By")]
    requested_by: Option<String>,
}

/// A row id read from the `{id}` segment of a route's path (or `{key}`, where one segment holds
/// an app name for some methods and an id for others): `i32` of the stores, `i64` of
/// regression events. Refused with 400 `invalid_id`.
#[derive(Debug, Clone, Copy)]
pub struct RecordId<T>(pub T);

impl<T: FromStr + 'static> FromRequest for RecordId<T> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let id = segments(req).and_then(|s| parse_id(s.id.or(s.key).as_deref().unwrap_or("")));
        std::future::ready(id.map(RecordId).map_err(actix_web::Error::from))
    }
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
/// for some methods and an id for others), checked once at the edge: a handler takes
/// `App(app): App` and never sees the text it came from. Refused as [`AppPath`] refuses it, or
/// with the name's own `invalid_app_name`.
#[derive(Debug, Clone)]
pub struct App(pub AppName);

impl FromRequest for App {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(app_name(req).map(App).map_err(actix_web::Error::from))
    }
}

/// The app name of the request's path, as [`AppName`]'s extractor reads it.
pub fn app_name(req: &HttpRequest) -> Result<AppName, ApiError> {
    decodes_to_text(req)?;
    let segments = segments(req)?;
    let raw = segments
        .app_name
        .or(segments.key)
        .ok_or_else(|| ApiError::NotFound(format!("no app name in {}", req.path())))?;
    Ok(raw.parse::<AppName>()?)
}

/// Documents the `{appName}` segment of a route's path, which [`AppName`] is read from.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // Only documents the parameter: the extractor reads it.
pub struct AppNameParam {
    /// Application name
    #[param(rename = "appName", inline, value_type = pf_model::AppName)]
    app_name: String,
}

/// The path segments that may hold an app name or a row id.
#[derive(serde::Deserialize)]
struct Segments {
    #[serde(rename = "appName")]
    app_name: Option<String>,
    id: Option<String>,
    key: Option<String>,
}

/// The route's segments, decoded as `web::Path` decodes them (`%2F` too).
fn segments(req: &HttpRequest) -> Result<Segments, ApiError> {
    req.match_info()
        .load()
        .map_err(|e| ApiError::bad_request("invalid_path", format!("invalid path parameter: {e}")))
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

/// A request header as text; empty when absent or not text.
pub fn header_text(req: &HttpRequest, name: actix_web::http::header::HeaderName) -> String {
    let value = req.headers().get(name).and_then(|v| v.to_str().ok());
    value.unwrap_or_default().to_owned()
}

/// The whole body, refused with 413 as soon as it passes `limit` bytes (`what` names the
/// limit in the answer); a body cut off mid-way is a 400 with `code`.
pub async fn bounded_body(
    mut payload: Payload,
    limit: usize,
    (what, code): (&str, &'static str),
    timeout: std::time::Duration,
) -> Result<bytes::Bytes, ApiError> {
    use futures_util::StreamExt;
    let deadline = actix_web::rt::time::Instant::now() + timeout;
    let mut body = bytes::BytesMut::new();
    loop {
        // A body that stops arriving is dropped, its memory and its place given back.
        let left = deadline.saturating_duration_since(actix_web::rt::time::Instant::now());
        let next = actix_web::rt::time::timeout(left, payload.next()).await;
        let Ok(next) = next else {
            return Err(ApiError::bad_request(
                "body_timeout",
                format!(
                    "{what} did not arrive within {} s (server.body_timeout_secs)",
                    timeout.as_secs()
                ),
            ));
        };
        let Some(chunk) = next else { break };
        let chunk = chunk.map_err(|e| ApiError::bad_request(code, e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(format!(
                "{what} is larger than {limit} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// What the edge bounds every request by, registered once as app data: how long its window may
/// be (`http.max_window_days`, read by [`Bounds`]) and how long its body may take to arrive
/// (`server.body_timeout_secs`, read by [`bounded_body`]'s callers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeLimits {
    pub max_window_days: u32,
    pub body_timeout: std::time::Duration,
}

impl Default for EdgeLimits {
    fn default() -> Self {
        EdgeLimits {
            max_window_days: pf_model::DEFAULT_MAX_WINDOW_DAYS,
            body_timeout: std::time::Duration::from_secs(30),
        }
    }
}

impl EdgeLimits {
    /// The limits registered for `req`'s app, else the defaults.
    pub fn of(req: &HttpRequest) -> Self {
        req.app_data::<web::Data<EdgeLimits>>()
            .map(|l| *l.get_ref())
            .unwrap_or_default()
    }
}

/// The window rule of a request arriving now ([`pf_model::WindowBounds`]), with the service's
/// [`EdgeLimits`]: every route that reads a window reads it through this, so no window's
/// numbers reach a source unbounded.
#[derive(Debug, Clone, Copy)]
pub struct Bounds(pub pf_model::WindowBounds);

impl Bounds {
    /// The bounds of a request `req` arriving now.
    pub fn of(req: &HttpRequest) -> Self {
        Bounds(pf_model::WindowBounds::now(
            EdgeLimits::of(req).max_window_days,
        ))
    }
}

impl FromRequest for Bounds {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Bounds::of(req)))
    }
}

//! The push routes (docs/agents.md#pushing-from-agents), on Pyroscope's own paths so that an agent
//! configured for Pyroscope works unchanged: `POST /ingest` and the Connect
//! `POST /push.v1.PusherService/Push`. Thin: read the body within its bound, hand it to the
//! [`Intake`], map the answer.

use actix_web::dev::Payload;
use actix_web::http::header::{CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::Serialize;
use utoipa::ToSchema;

use super::intake::{BodyParts, Intake, Kept, PushBody};
use crate::wire_docs::{ConnectErrorBody, OtlpRequestJson, OtlpResponseJson, PushRequestJson};
use crate::IngestQuery;
use pf_http::error::{connect_error, ApiError, ErrorBody};
use pf_http::extract::{bounded_body, header_text, EdgeLimits};
use pf_http::routing::resource;

/// Mounts the routes; expects `web::Data<Intake>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/ingest").route(web::post().to(ingest)))
        .service(resource("/push.v1.PusherService/Push").route(web::post().to(push)))
        .service(resource("/v1development/profiles").route(web::post().to(otlp)));
}

/// The OpenAPI paths of these routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(ingest, push, otlp), components(schemas(Stored)))]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// A body of bytes, as sent (a pprof, a multipart form, a protobuf message).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct BinaryBody(#[allow(dead_code)] Vec<u8>);

/// What a kept push held.
#[derive(Debug, Serialize, ToSchema)]
pub struct Stored {
    /// Profiles stored.
    pub profiles: usize,
    /// Bytes written to the profile store.
    pub bytes: u64,
}

/// Takes a profile pushed by a Pyroscope agent.
///
/// The body is a pprof (gzip or raw), `multipart/form-data` with the pprof in the part
/// `profile` (or the Java agent's JFR in the part `jfr`, its labels in `labels`), a JFR
/// recording (`format=jfr`: one profile per type it has events of), or folded stacks.
/// Answered only once the profile is durably stored.
#[utoipa::path(post, path = "/ingest", tag = "ingest",
    params(IngestQuery),
    request_body(content = inline(BinaryBody), description = "pprof (gzip or raw), JFR, multipart with a `profile` (or `jfr` and `labels`) part, or folded text",
        content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "Stored", body = Stored),
        (status = 400, description = "Malformed name, window or body; a profile dated outside what is kept (`profile_out_of_range`); a body that stalled (`body_timeout`)", body = ErrorBody),
        (status = 409, description = "The service reads Pyroscope: push there", body = ErrorBody),
        (status = 413, description = "Body over `ingest.max_body_bytes`, or over `profiles.max_decoded_bytes` decompressed", body = ErrorBody),
        (status = 415, description = "A format not read here (trie, tree, …)", body = ErrorBody),
        (status = 422, description = "A delta (`prev_profile`), which is not computed here", body = ErrorBody),
        (status = 429, description = "The store is busy; retry after the `Retry-After` seconds", body = ErrorBody),
        (status = 503, description = "The store cannot write", body = ErrorBody),
        (status = 507, description = "The store's volume is nearly full (`ingest.min_free_percent`): retry after the `Retry-After` seconds", body = ErrorBody),
    ))]
pub async fn ingest(
    intake: web::Data<Intake>,
    query: web::Query<IngestQuery>,
    body: PushBody,
) -> Result<HttpResponse, ApiError> {
    let kept = intake
        .ingest(query.into_inner(), body, now())
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(stored(kept)))
}

/// Takes the profiles of a Pyroscope SDK's Connect push.
///
/// `PushRequest{series[{labels, samples[{raw_profile, ID}]}]}` as protobuf (`application/proto`,
/// with or without `Content-Encoding: gzip`) or Connect's JSON; the label `service_name` names
/// the application. Errors are Connect's JSON (`{"code", "message"}`).
#[utoipa::path(post, path = "/push.v1.PusherService/Push", tag = "ingest",
    request_body(description = "push.v1.PushRequest, as protobuf or as Connect's JSON",
        content((inline(BinaryBody) = "application/proto"), (PushRequestJson = "application/json"))),
    responses(
        (status = 200, description = "Stored: an empty PushResponse"),
        (status = 400, description = "Malformed request", body = ConnectErrorBody),
        (status = 409, description = "The service reads Pyroscope: push there", body = ConnectErrorBody),
        (status = 413, description = "Too large, as sent or decompressed", body = ConnectErrorBody),
        (status = 415, description = "Neither protobuf nor JSON", body = ConnectErrorBody),
        (status = 429, description = "The store is busy; retry after the `Retry-After` seconds", body = ConnectErrorBody),
        (status = 503, description = "The store cannot write", body = ConnectErrorBody),
        (status = 507, description = "The store's volume is nearly full (`ingest.min_free_percent`): retry after the `Retry-After` seconds", body = ConnectErrorBody),
    ))]
pub async fn push(intake: web::Data<Intake>, body: Result<PushBody, ApiError>) -> HttpResponse {
    let answer = async {
        let body = body?;
        let json = body.is_json();
        intake.push(body, now()).await.map_err(ApiError::from)?;
        Ok::<_, ApiError>(if json {
            HttpResponse::Ok()
                .content_type("application/json")
                .body("{}")
        } else {
            HttpResponse::Ok()
                .content_type("application/proto")
                .finish()
        })
    };
    answer.await.unwrap_or_else(|e| connect_error(&e))
}

/// Takes OpenTelemetry profiles (OTLP/HTTP).
///
/// An `ExportProfilesServiceRequest` of `opentelemetry.proto.profiles.v1development`, as
/// protobuf (`application/x-protobuf`, with or without `Content-Encoding: gzip`) or JSON: the
/// resource attribute `service.name` names the application, the other resource, scope and
/// profile attributes are labels, each sample's attributes its own. The answer is an
/// `ExportProfilesServiceResponse` in the same encoding, whose `partialSuccess` counts the
/// profiles that could not be read (and says why).
#[utoipa::path(post, path = "/v1development/profiles", tag = "ingest",
    request_body(description = "ExportProfilesServiceRequest",
        content((inline(BinaryBody) = "application/x-protobuf"), (OtlpRequestJson = "application/json"))),
    responses(
        (status = 200, description = "Stored: an ExportProfilesServiceResponse (partialSuccess counts what was rejected)",
            content((inline(BinaryBody) = "application/x-protobuf"), (OtlpResponseJson = "application/json"))),
        (status = 400, description = "Not an ExportProfilesServiceRequest", body = ErrorBody),
        (status = 409, description = "The service reads Pyroscope: export there", body = ErrorBody),
        (status = 413, description = "Too large, as sent or decompressed", body = ErrorBody),
        (status = 415, description = "Neither protobuf nor JSON", body = ErrorBody),
        (status = 429, description = "The store is busy; retry after the `Retry-After` seconds", body = ErrorBody),
        (status = 503, description = "The store cannot write", body = ErrorBody),
        (status = 507, description = "The store's volume is nearly full (`ingest.min_free_percent`): retry after the `Retry-After` seconds", body = ErrorBody),
    ))]
pub async fn otlp(intake: web::Data<Intake>, body: PushBody) -> Result<HttpResponse, ApiError> {
    use opentelemetry_proto::tonic::collector::profiles::v1development::{
        ExportProfilesPartialSuccess, ExportProfilesServiceResponse,
    };
    let json = body.is_json();
    let (_, rejected) = intake.otlp(body, now()).await.map_err(ApiError::from)?;
    let partial_success = (!rejected.is_empty()).then(|| ExportProfilesPartialSuccess {
        rejected_profiles: rejected.len() as i64,
        error_message: rejected.join("; "),
    });
    let answer = ExportProfilesServiceResponse { partial_success };
    Ok(if json {
        HttpResponse::Ok().json(answer)
    } else {
        HttpResponse::Ok()
            .content_type("application/x-protobuf")
            .body(prost::Message::encode_to_vec(&answer))
    })
}

/// A push's body, read within `ingest.max_body_bytes` before the handler runs, with the
/// headers that say how to read it. Needs `web::Data<Intake>`.
impl FromRequest for PushBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = header_text(req, CONTENT_TYPE);
        let gzipped = header_text(req, CONTENT_ENCODING).eq_ignore_ascii_case("gzip");
        let intake = req.app_data::<web::Data<Intake>>().cloned();
        let timeout = EdgeLimits::of(req).body_timeout;
        let length = header_text(req, CONTENT_LENGTH).parse::<u64>().ok();
        let route = match req.path() {
            "/ingest" => "ingest",
            "/push.v1.PusherService/Push" => "push",
            _ => "otlp",
        };
        let payload = payload.take();
        Box::pin(async move {
            let intake = intake.ok_or_else(|| {
                ApiError::Internal("the push routes are mounted without their intake".into())
            })?;
            // Admitted before a byte of the body is read (SPEC §34).
            let limit = intake.max_body_bytes();
            let admission = intake.admit(route, length.unwrap_or(limit as u64))?;
            let what = ("the push", "unreadable_body");
            let bytes = bounded_body(payload, limit, what, timeout).await?;
            Ok(PushBody {
                admission,
                parts: BodyParts {
                    content_type,
                    gzipped,
                    bytes,
                },
            })
        })
    }
}

fn stored(kept: Kept) -> Stored {
    Stored {
        profiles: kept.profiles,
        bytes: kept.bytes,
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

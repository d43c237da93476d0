//! `/history` routes: parse, call the `HistorySor`, map the result.

use actix_web::{web, HttpRequest, HttpResponse};

use super::model::{
    CreateHistoryRequest, HistoryList, HistoryParams, HistoryQuery, HistoryRecord, NewHistoryRecord,
};
use super::{RecordKey, IDEMPOTENCY_KEY_HEADER};
use crate::{endpoints, HistorySor};
use pf_http::access::Access;
use pf_http::error::{ApiError, BodyRefused, ErrorBody, ListErrors, RecordErrors, StoreErrors};
use pf_http::extract::App;
use pf_http::extract::{AppNameParam, RecordId};
use pf_http::routing::resource;

/// Mounts the routes; expects `web::Data<dyn HistorySor>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/history").route(web::post().to(create)))
        .service(
            resource("/history/{key}")
                .route(web::get().to(list))
                .route(web::delete().to(delete)),
        )
        .service(resource("/history/{appName}/latest").route(web::get().to(latest)));
}

/// The OpenAPI paths of these routes; merged into the document of a process that hosts them.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, latest, delete))]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// Record an assessment.
///
/// Sent again with the same `Idempotency-Key`, it is stored once and answers the stored row.
/// With API tokens, `requestedBy` is the calling token's name and the body's `requestedBy` is
/// kept as `onBehalfOf` (docs/api.md#who-the-audit-names).
#[utoipa::path(post, path = endpoints::CREATE.path, tag = "history",
    request_body = CreateHistoryRequest,
    params(("Idempotency-Key" = Option<uuid::Uuid>, Header, nullable = false, description = "A UUID naming this record; a retry with the same key does not store it twice")),
    responses(
        (status = 201, description = "Stored", body = HistoryRecord),
        StoreErrors,
        BodyRefused,
    ))]
pub async fn create(
    store: web::Data<dyn HistorySor>,
    access: Access,
    req: HttpRequest,
    body: web::Json<CreateHistoryRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut record = NewHistoryRecord::try_from(body.into_inner())?;
    let who = access.attribute(record.requested_by.take(), record.on_behalf_of.take());
    record.requested_by = who.by;
    record.on_behalf_of = who.on_behalf_of;
    if let Some(key) = idempotency_key(&req)? {
        record.key = key;
    }
    let saved = store.create(record).await?;
    Ok(HttpResponse::Created().json(saved))
}

/// The `Idempotency-Key` header, when sent: the key a BOR gave the record when it made it.
fn idempotency_key(req: &HttpRequest) -> Result<Option<RecordKey>, ApiError> {
    let Some(value) = req.headers().get(IDEMPOTENCY_KEY_HEADER) else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::bad_request(
            "invalid_idempotency_key",
            "the Idempotency-Key header must be a UUID",
        )
    };
    let text = value.to_str().map_err(|_| invalid())?;
    text.parse().map(Some).map_err(|_| invalid())
}

/// An app's assessments, newest first, optionally within `[from, to)`.
#[utoipa::path(get, path = endpoints::LIST.path, tag = "history",
    params(AppNameParam, HistoryParams),
    responses(
        (status = 200, body = HistoryList),
        ListErrors,
    ))]
pub async fn list(
    store: web::Data<dyn HistorySor>,
    App(app): App,
    params: web::Query<HistoryParams>,
) -> Result<HttpResponse, ApiError> {
    let query = HistoryQuery::try_from(params.into_inner())?;
    let history = store.list(app.clone(), query).await?;
    Ok(HttpResponse::Ok().json(HistoryList {
        app_name: app.into_inner(),
        count: history.len(),
        history,
    }))
}

/// An app's newest assessment.
#[utoipa::path(get, path = endpoints::LATEST.path, tag = "history",
    params(AppNameParam),
    responses(
        (status = 200, body = HistoryRecord),
        (status = 400, body = ErrorBody),
        (status = 404, description = "The app has no history", body = ErrorBody),
        (status = 503, body = ErrorBody),
    ))]
pub async fn latest(
    store: web::Data<dyn HistorySor>,
    App(app): App,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(store.latest(app).await?))
}

/// Delete an assessment.
///
/// With API tokens, only an `admin` token may: the history is the audit trail.
#[utoipa::path(delete, path = endpoints::DELETE.path, tag = "history",
    params(("id" = i32, Path, description = "History record id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an admin token", body = ErrorBody),
        RecordErrors,
    ))]
pub async fn delete(
    store: web::Data<dyn HistorySor>,
    access: Access,
    RecordId(id): RecordId<i32>,
) -> Result<HttpResponse, ApiError> {
    access.require_admin("deleting a history record")?;
    store.delete(id).await?;
    Ok(HttpResponse::NoContent().finish())
}

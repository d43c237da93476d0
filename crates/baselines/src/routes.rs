//! `/baselines` routes: parse, call the `BaselineSor`, map the result.

use actix_web::{web, HttpResponse};

use super::model::{
    Baseline, BaselineList, BaselinePatch, CreateBaselineRequest, NewBaseline,
    UpdateBaselineRequest,
};
use crate::BaselineSor;
use pf_http::error::{ApiError, BodyRefused, ListErrors, RecordErrors, StoreErrors};
use pf_http::extract::App;
use pf_http::extract::{AppNameParam, AppPath, RecordId};
use pf_http::routing::resource;
use pf_infra::sor::fields::Object;
use pf_model::ProfileType;

/// Mounts the routes; expects `web::Data<dyn BaselineSor>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/baselines").route(web::post().to(create)))
        .service(
            resource("/baselines/{key}")
                .route(web::get().to(list_by_app))
                .route(web::put().to(update))
                .route(web::delete().to(delete)),
        )
        .service(resource("/baselines/{appName}/{type}").route(web::get().to(list_by_type)));
}

/// The OpenAPI paths of these routes; merged into the document of a process that hosts them.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list_by_app, list_by_type, update, delete))]
pub struct RoutesDoc;

/// Create a baseline, or update the one with the same app, type and function.
#[utoipa::path(post, path = "/baselines", tag = "baselines",
    request_body = CreateBaselineRequest,
    responses(
        (status = 201, description = "Created or updated (same id on upsert)", body = Baseline),
        StoreErrors,
        BodyRefused,
    ))]
pub async fn create(
    store: web::Data<dyn BaselineSor>,
    body: web::Json<CreateBaselineRequest>,
) -> Result<HttpResponse, ApiError> {
    let baseline = NewBaseline::try_from(body.into_inner())?;
    let saved = store.upsert(baseline).await?;
    Ok(HttpResponse::Created().json(saved))
}

/// An app's baselines of every profile type.
#[utoipa::path(get, path = "/baselines/{appName}", tag = "baselines",
    params(AppNameParam),
    responses(
        (status = 200, body = BaselineList),
        ListErrors,
    ))]
pub async fn list_by_app(
    store: web::Data<dyn BaselineSor>,
    App(app): App,
) -> Result<HttpResponse, ApiError> {
    let baselines = store.list(app.clone(), None).await?;
    Ok(HttpResponse::Ok().json(BaselineList {
        app_name: app.into_inner(),
        profile_type: None,
        baselines,
    }))
}

/// An app's baselines of one profile type.
#[utoipa::path(get, path = "/baselines/{appName}/{type}", tag = "baselines",
    params(
        AppNameParam,
        ("type" = inline(pf_model::ProfileTypeName), Path, description = "cpu, alloc, lock or wall (aliases accepted)"),
    ),
    responses(
        (status = 200, body = BaselineList),
        ListErrors,
    ))]
pub async fn list_by_type(
    store: web::Data<dyn BaselineSor>,
    App(app): App,
    path: AppPath<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (_, profile_type) = path.into_inner();
    let profile_type: ProfileType = profile_type.parse()?;
    let baselines = store.list(app.clone(), Some(profile_type)).await?;
    Ok(HttpResponse::Ok().json(BaselineList {
        app_name: app.into_inner(),
        profile_type: Some(profile_type),
        baselines,
    }))
}

/// Change a baseline's threshold and/or severity.
#[utoipa::path(put, path = "/baselines/{id}", tag = "baselines",
    params(("id" = i32, Path, description = "Baseline id")),
    request_body = UpdateBaselineRequest,
    responses(
        (status = 200, body = Baseline),
        RecordErrors,
        BodyRefused,
    ))]
pub async fn update(
    store: web::Data<dyn BaselineSor>,
    RecordId(id): RecordId<i32>,
    body: web::Json<Object<UpdateBaselineRequest>>,
) -> Result<HttpResponse, ApiError> {
    let patch = BaselinePatch::try_from(body.into_inner().0)?;
    Ok(HttpResponse::Ok().json(store.update(id, patch).await?))
}

/// Delete a baseline.
#[utoipa::path(delete, path = "/baselines/{id}", tag = "baselines",
    params(("id" = i32, Path, description = "Baseline id")),
    responses(
        (status = 204, description = "Deleted"),
        RecordErrors,
    ))]
pub async fn delete(
    store: web::Data<dyn BaselineSor>,
    RecordId(id): RecordId<i32>,
) -> Result<HttpResponse, ApiError> {
    store.delete(id).await?;
    Ok(HttpResponse::NoContent().finish())
}

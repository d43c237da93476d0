//! `/services` routes: parse, call the `RegistrySor`, map the result.

use actix_web::{web, HttpResponse};

use super::model::{
    CreateServiceRequest, NewService, Service, ServiceList, ServiceListParams, ServicePatch,
    UpdateServiceRequest,
};
use crate::RegistrySor;
use pf_http::error::{ApiError, BodyRefused, ErrorBody, RecordErrors, StoreErrors};
use pf_http::extract::App;
use pf_http::extract::AppNameParam;
use pf_http::routing::resource;
use pf_infra::sor::fields::Object;

/// Mounts the routes; expects `web::Data<dyn RegistrySor>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/services")
            .route(web::post().to(create))
            .route(web::get().to(list)),
    )
    .service(
        resource("/services/{appName}")
            .route(web::get().to(get))
            .route(web::put().to(update))
            .route(web::delete().to(delete)),
    );
}

/// The OpenAPI paths of these routes; merged into the document of a process that hosts them.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, get, update, delete))]
pub struct RoutesDoc;

/// Register a service, or replace the registration of the same app.
#[utoipa::path(post, path = "/services", tag = "services",
    request_body = CreateServiceRequest,
    responses(
        (status = 201, description = "Registered or replaced (same id on upsert)", body = Service),
        StoreErrors,
        BodyRefused,
    ))]
pub async fn create(
    store: web::Data<dyn RegistrySor>,
    body: web::Json<CreateServiceRequest>,
) -> Result<HttpResponse, ApiError> {
    let service = NewService::try_from(body.into_inner())?;
    let saved = store.upsert(service).await?;
    Ok(HttpResponse::Created().json(saved))
}

/// All registered services, optionally of one tier.
#[utoipa::path(get, path = "/services", tag = "services",
    params(ServiceListParams),
    responses(
        (status = 200, body = ServiceList),
        (status = 400, description = "Unknown tier", body = ErrorBody),
        (status = 503, body = ErrorBody),
    ))]
pub async fn list(
    store: web::Data<dyn RegistrySor>,
    params: web::Query<ServiceListParams>,
) -> Result<HttpResponse, ApiError> {
    let services = store.list(params.tier).await?;
    Ok(HttpResponse::Ok().json(ServiceList {
        count: services.len(),
        services,
    }))
}

/// One service's registration.
#[utoipa::path(get, path = "/services/{appName}", tag = "services",
    params(AppNameParam),
    responses(
        (status = 200, body = Service),
        RecordErrors,
    ))]
pub async fn get(
    store: web::Data<dyn RegistrySor>,
    App(app): App,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(store.get(app).await?))
}

/// Change only the fields the body names; `null` clears a text field.
#[utoipa::path(put, path = "/services/{appName}", tag = "services",
    params(AppNameParam),
    request_body = UpdateServiceRequest,
    responses(
        (status = 200, body = Service),
        RecordErrors,
        BodyRefused,
    ))]
pub async fn update(
    store: web::Data<dyn RegistrySor>,
    App(app): App,
    body: web::Json<Object<UpdateServiceRequest>>,
) -> Result<HttpResponse, ApiError> {
    let patch = ServicePatch::try_from(body.into_inner().0)?;
    Ok(HttpResponse::Ok().json(store.update(app, patch).await?))
}

/// Unregister a service.
#[utoipa::path(delete, path = "/services/{appName}", tag = "services",
    params(AppNameParam),
    responses(
        (status = 204, description = "Deleted"),
        RecordErrors,
    ))]
pub async fn delete(
    store: web::Data<dyn RegistrySor>,
    App(app): App,
) -> Result<HttpResponse, ApiError> {
    store.delete(app).await?;
    Ok(HttpResponse::NoContent().finish())
}

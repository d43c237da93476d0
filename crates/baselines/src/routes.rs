//! `/baselines` routes: parse, call the `BaselineSor`, map the result.

use actix_web::{web, HttpResponse};

use super::model::{
    Baseline, BaselineList, BaselinePatch, CreateBaselineRequest, NewBaseline,
    UpdateBaselineRequest,
};
use crate::{endpoints, BaselineSor};
use pf_http::access::{owners, Access, AppOwners};
use pf_http::error::{ApiError, BodyRefused, ErrorBody, ListErrors, RecordErrors, StoreErrors};
use pf_http::extract::App;
use pf_http::extract::{AppNameParam, AppPath, RecordId};
use pf_http::routing::resource;
use pf_infra::sor::fields::Object;
use pf_model::{AppName, ProfileType};

/// Mounts the routes; expects `web::Data<dyn BaselineSor>`, and `web::Data<dyn AppOwners>`
/// where team-bound tokens are to be told apart.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/baselines").route(web::post().to(create)))
        .service(
            resource("/baselines/{key}")
                .route(web::get().to(list_by_app))
                .route(web::put().to(update))
                .route(web::delete().to(delete)),
        )
        // Before `/baselines/{appName}/{type}`: an app named `id` has no type that is a number.
        .service(resource("/baselines/id/{id}").route(web::get().to(get)))
        .service(resource("/baselines/{appName}/{type}").route(web::get().to(list_by_type)));
}

/// The OpenAPI paths of these routes; merged into the document of a process that hosts them.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list_by_app, list_by_type, get, update, delete))]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// Create a baseline, or update the one with the same app, type and function.
///
/// With API tokens, `createdBy` is the calling token's name (the body's is kept as
/// `onBehalfOf`), and a token bound to a team sets baselines only of its team's apps.
#[utoipa::path(post, path = endpoints::CREATE.path, tag = "baselines",
    request_body = CreateBaselineRequest,
    responses(
        (status = 201, description = "Created or updated (same id on upsert)", body = Baseline),
        (status = 403, description = "Another team's app, for a team's token", body = ErrorBody),
        StoreErrors,
        BodyRefused,
    ))]
pub async fn create(
    store: web::Data<dyn BaselineSor>,
    access: Access,
    registry: Option<web::Data<dyn AppOwners>>,
    body: web::Json<CreateBaselineRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut baseline = NewBaseline::try_from(body.into_inner())?;
    access
        .may_change(owners(&registry), &baseline.app_name)
        .await?;
    let who = access.attribute(baseline.created_by.take(), baseline.on_behalf_of.take());
    baseline.created_by = who.by;
    baseline.on_behalf_of = who.on_behalf_of;
    let saved = store.upsert(baseline).await?;
    Ok(HttpResponse::Created().json(saved))
}

/// 403 unless the caller may change the app of baseline `id` (a team's token: only its team's
/// apps); 404 when there is none.
async fn may_change(
    store: &dyn BaselineSor,
    access: &Access,
    registry: &Option<web::Data<dyn AppOwners>>,
    id: i32,
) -> Result<(), ApiError> {
    if access.team().is_none() {
        return Ok(());
    }
    let app: AppName = store.get(id).await?.app_name.parse()?;
    access.may_change(owners(registry), &app).await
}

/// One baseline, by id.
#[utoipa::path(get, path = endpoints::GET.path, tag = "baselines",
    params(("id" = i32, Path, description = "Baseline id")),
    responses(
        (status = 200, body = Baseline),
        RecordErrors,
    ))]
pub async fn get(
    store: web::Data<dyn BaselineSor>,
    RecordId(id): RecordId<i32>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(store.get(id).await?))
}

/// An app's baselines of every profile type.
#[utoipa::path(get, path = endpoints::LIST_BY_APP.path, tag = "baselines",
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
#[utoipa::path(get, path = endpoints::LIST_BY_TYPE.path, tag = "baselines",
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
#[utoipa::path(put, path = endpoints::UPDATE.path, tag = "baselines",
    params(("id" = i32, Path, description = "Baseline id")),
    request_body = UpdateBaselineRequest,
    responses(
        (status = 200, body = Baseline),
        (status = 403, description = "Another team's app, for a team's token", body = ErrorBody),
        RecordErrors,
        BodyRefused,
    ))]
pub async fn update(
    store: web::Data<dyn BaselineSor>,
    access: Access,
    registry: Option<web::Data<dyn AppOwners>>,
    RecordId(id): RecordId<i32>,
    body: web::Json<Object<UpdateBaselineRequest>>,
) -> Result<HttpResponse, ApiError> {
    let patch = BaselinePatch::try_from(body.into_inner().0)?;
    may_change(store.get_ref(), &access, &registry, id).await?;
    Ok(HttpResponse::Ok().json(store.update(id, patch).await?))
}

/// Delete a baseline.
#[utoipa::path(delete, path = endpoints::DELETE.path, tag = "baselines",
    params(("id" = i32, Path, description = "Baseline id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Another team's app, for a team's token", body = ErrorBody),
        RecordErrors,
    ))]
pub async fn delete(
    store: web::Data<dyn BaselineSor>,
    access: Access,
    registry: Option<web::Data<dyn AppOwners>>,
    RecordId(id): RecordId<i32>,
) -> Result<HttpResponse, ApiError> {
    may_change(store.get_ref(), &access, &registry, id).await?;
    store.delete(id).await?;
    Ok(HttpResponse::NoContent().finish())
}

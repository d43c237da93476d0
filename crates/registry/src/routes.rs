//! `/services` routes: parse, call the `RegistrySor`, map the result.

use actix_web::{web, HttpResponse};

use super::model::{
    CreateServiceRequest, NewService, Service, ServiceList, ServiceListParams, ServicePatch,
    UpdateServiceRequest,
};
use crate::{endpoints, RegistrySor};
use pf_http::access::Access;
use pf_http::error::{ApiError, BodyRefused, ErrorBody, RecordErrors, StoreErrors};
use pf_http::extract::App;
use pf_http::extract::AppNameParam;
use pf_http::routing::resource;
use pf_infra::address_guard::AddressGuard;
use pf_infra::sor::fields::Object;
use pf_infra::sor::SorError;
use pf_model::AppName;

/// Mounts the routes; expects `web::Data<dyn RegistrySor>` and `web::Data<AddressGuard>`.
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

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// Register a service, or replace the registration of the same app.
///
/// With API tokens, a token bound to a team registers new apps only for its team (an absent
/// `teamOwner` is its team) and replaces only its team's; changing the `teamOwner` of a
/// registered app needs an `admin` token. A webhook that reaches loopback, private, CGNAT,
/// link-local or metadata addresses is refused (400 `forbidden_notification_address`) unless
/// `delivery.allow_cidrs` names its range.
#[utoipa::path(post, path = endpoints::CREATE.path, tag = "services",
    request_body = CreateServiceRequest,
    responses(
        (status = 201, description = "Registered or replaced (same id on upsert)", body = Service),
        (status = 403, description = "Another team's app, or a change of teamOwner without an admin token", body = ErrorBody),
        StoreErrors,
        BodyRefused,
    ))]
pub async fn create(
    store: web::Data<dyn RegistrySor>,
    guard: web::Data<AddressGuard>,
    access: Access,
    body: web::Json<CreateServiceRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut service = NewService::try_from(body.into_inner())?;
    if access != Access::Open {
        let current = registered(store.get_ref(), &service.app_name).await?;
        if let Some(team) = access.team() {
            match &current {
                Some(current) => owned(&access, current)?,
                None => refuse_other_team(&access, team, service.team_owner.as_deref())?,
            }
            // A team's token speaks for its team: an absent owner is its team.
            service.team_owner.get_or_insert_with(|| team.to_owned());
        }
        if let Some(current) = current {
            let change = current.team_owner != service.team_owner;
            if change {
                access
                    .require_admin(&format!("changing the teamOwner of `{}`", current.app_name))?;
            }
        }
    }
    if let Some(channel) = &service.notification_channel {
        guard.check_channel(channel).await?;
    }
    let saved = store.upsert(service).await?;
    Ok(HttpResponse::Created().json(saved))
}

/// `app`'s registration, or none.
async fn registered(store: &dyn RegistrySor, app: &AppName) -> Result<Option<Service>, ApiError> {
    match store.get(app.clone()).await {
        Ok(service) => Ok(Some(service)),
        Err(SorError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// 403 unless the caller may change `service` (a team's token: only its team's apps).
fn owned(access: &Access, service: &Service) -> Result<(), ApiError> {
    let (Some(caller), Some(team)) = (access.caller(), access.team()) else {
        return Ok(());
    };
    if service.team_owner.as_deref() == Some(team) {
        return Ok(());
    }
    let whose = match &service.team_owner {
        Some(owner) => format!("belongs to team `{owner}`"),
        None => "is registered without a teamOwner (an admin token gives it one)".to_owned(),
    };
    Err(ApiError::Forbidden(format!(
        "`{}` {whose}; the token `{}` changes only team `{team}`'s apps",
        service.app_name, caller.name
    )))
}

/// 403 when a team's token registers a new app for another team.
fn refuse_other_team(access: &Access, team: &str, owner: Option<&str>) -> Result<(), ApiError> {
    match owner {
        Some(owner) if owner != team => Err(ApiError::Forbidden(format!(
            "the token `{}` registers apps only for team `{team}`, not `{owner}`",
            access.caller().map_or("", |c| c.name.as_str())
        ))),
        _ => Ok(()),
    }
}

/// All registered services, optionally of one tier.
///
/// A webhook is shown whole only to a token that may change its registration; to others as its
/// scheme, host and fingerprint (docs/alerting.md#webhooks-stay-secret).
#[utoipa::path(get, path = endpoints::LIST.path, tag = "services",
    params(ServiceListParams),
    responses(
        (status = 200, body = ServiceList),
        (status = 400, description = "Unknown tier", body = ErrorBody),
        (status = 503, body = ErrorBody),
    ))]
pub async fn list(
    store: web::Data<dyn RegistrySor>,
    access: Access,
    params: web::Query<ServiceListParams>,
) -> Result<HttpResponse, ApiError> {
    let mut services = store.list(params.tier).await?;
    redact(&access, &mut services);
    Ok(HttpResponse::Ok().json(ServiceList {
        count: services.len(),
        services,
    }))
}

/// One service's registration.
#[utoipa::path(get, path = endpoints::GET.path, tag = "services",
    params(AppNameParam),
    responses(
        (status = 200, body = Service),
        RecordErrors,
    ))]
pub async fn get(
    store: web::Data<dyn RegistrySor>,
    access: Access,
    App(app): App,
) -> Result<HttpResponse, ApiError> {
    let mut service = [store.get(app).await?];
    redact(&access, &mut service);
    let [service] = service;
    Ok(HttpResponse::Ok().json(service))
}

/// The webhooks of `services` the caller may not see whole, redacted: the owner is in the row.
fn redact(access: &Access, services: &mut [Service]) {
    for service in services {
        if !access.sees_secrets_registered(service.team_owner.as_deref()) {
            service.notification_channel = service
                .notification_channel
                .as_deref()
                .map(pf_http::secrets::shown_channel);
        }
    }
}

/// Change only the fields the body names; `null` clears a text field.
///
/// With API tokens, a team's token changes only its team's apps, and changing `teamOwner`
/// needs an `admin` token.
#[utoipa::path(put, path = endpoints::UPDATE.path, tag = "services",
    params(AppNameParam),
    request_body = UpdateServiceRequest,
    responses(
        (status = 200, body = Service),
        (status = 403, description = "Another team's app, or a change of teamOwner without an admin token", body = ErrorBody),
        RecordErrors,
        BodyRefused,
    ))]
pub async fn update(
    store: web::Data<dyn RegistrySor>,
    guard: web::Data<AddressGuard>,
    access: Access,
    App(app): App,
    body: web::Json<Object<UpdateServiceRequest>>,
) -> Result<HttpResponse, ApiError> {
    let patch = ServicePatch::try_from(body.into_inner().0)?;
    if access != Access::Open && (access.team().is_some() || patch.team_owner.is_some()) {
        let current = store.get(app.clone()).await?;
        owned(&access, &current)?;
        if patch
            .team_owner
            .as_ref()
            .is_some_and(|owner| *owner != current.team_owner)
        {
            access.require_admin(&format!("changing the teamOwner of `{app}`"))?;
        }
    }
    if let Some(Some(channel)) = &patch.notification_channel {
        guard.check_channel(channel).await?;
    }
    Ok(HttpResponse::Ok().json(store.update(app, patch).await?))
}

/// Unregister a service.
///
/// With API tokens, a team's token unregisters only its team's apps, and a registration that
/// names a team is removed only with an `admin` token (it gives the app up).
#[utoipa::path(delete, path = endpoints::DELETE.path, tag = "services",
    params(AppNameParam),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Another team's app, or a registration naming a team without an admin token", body = ErrorBody),
        RecordErrors,
    ))]
pub async fn delete(
    store: web::Data<dyn RegistrySor>,
    access: Access,
    App(app): App,
) -> Result<HttpResponse, ApiError> {
    if access != Access::Open {
        let current = store.get(app.clone()).await?;
        owned(&access, &current)?;
        if current.team_owner.is_some() {
            access.require_admin(&format!("unregistering `{app}`, which names a teamOwner"))?;
        }
    }
    store.delete(app).await?;
    Ok(HttpResponse::NoContent().finish())
}

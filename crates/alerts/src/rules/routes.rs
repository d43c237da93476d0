//! `/rules` routes: parse, call the `AlertRuleSor`, map the result.

use actix_web::{web, HttpResponse};

use super::model::{
    ActiveRuleList, AlertRule, AlertRulePatch, CreateAlertRuleRequest, NewAlertRule, RuleList,
    RuleListParams, UpdateAlertRuleRequest,
};
use crate::rules::AlertRuleSor;
use pf_delivery::webhook;
use pf_http::error::{ApiError, BodyRefused, ListErrors, RecordErrors, StoreErrors};
use pf_http::extract::App;
use pf_http::extract::{AppNameParam, RecordId};
use pf_http::routing::resource;
use pf_infra::address_guard::AddressGuard;
use pf_infra::sor::fields::Object;
use pf_model::AppName;

/// Mounts the routes; expects `web::Data<dyn AlertRuleSor>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/rules")
            .route(web::post().to(create))
            .route(web::get().to(list)),
    )
    // Before `/rules/{id}`, so `active` is never read as an id.
    .service(resource("/rules/active/{appName}").route(web::get().to(active)))
    .service(
        resource("/rules/{id}")
            .route(web::get().to(get))
            .route(web::put().to(update))
            .route(web::delete().to(delete)),
    );
}

/// The OpenAPI paths of these routes; merged into the document of a process that hosts them.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, get, active, update, delete))]
pub struct RoutesDoc;

/// Create an alert rule.
#[utoipa::path(post, path = "/rules", tag = "rules",
    request_body = CreateAlertRuleRequest,
    responses(
        (status = 201, description = "Created", body = AlertRule),
        StoreErrors,
        BodyRefused,
    ))]
pub async fn create(
    store: web::Data<dyn AlertRuleSor>,
    guard: web::Data<AddressGuard>,
    body: web::Json<CreateAlertRuleRequest>,
) -> Result<HttpResponse, ApiError> {
    let rule = NewAlertRule::try_from(body.into_inner())?;
    check_webhook(&guard, rule.notification_channel.as_deref()).await?;
    let saved = store.create(rule).await?;
    Ok(HttpResponse::Created().json(saved))
}

/// 400 `forbidden_notification_address` when `channel` is a webhook whose address (a literal,
/// or what its name resolves to now) the outbound policy refuses.
async fn check_webhook(guard: &AddressGuard, channel: Option<&str>) -> Result<(), ApiError> {
    match channel.and_then(webhook) {
        Some(url) => Ok(guard.check_url(&url).await?),
        None => Ok(()),
    }
}

/// All rules, optionally of one app.
#[utoipa::path(get, path = "/rules", tag = "rules",
    params(RuleListParams),
    responses(
        (status = 200, body = RuleList),
        ListErrors,
    ))]
pub async fn list(
    store: web::Data<dyn AlertRuleSor>,
    params: web::Query<RuleListParams>,
) -> Result<HttpResponse, ApiError> {
    let app = params
        .into_inner()
        .app_name
        .map(|raw| AppName::parse_field(&raw, "appName"))
        .transpose()?;
    let rules = store.list(app).await?;
    Ok(HttpResponse::Ok().json(RuleList {
        count: rules.len(),
        rules,
    }))
}

/// One rule.
#[utoipa::path(get, path = "/rules/{id}", tag = "rules",
    params(("id" = i32, Path, description = "Rule id")),
    responses(
        (status = 200, body = AlertRule),
        RecordErrors,
    ))]
pub async fn get(
    store: web::Data<dyn AlertRuleSor>,
    RecordId(id): RecordId<i32>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(store.get(id).await?))
}

/// An app's enabled rules.
#[utoipa::path(get, path = "/rules/active/{appName}", tag = "rules",
    params(AppNameParam),
    responses(
        (status = 200, body = ActiveRuleList),
        ListErrors,
    ))]
pub async fn active(
    store: web::Data<dyn AlertRuleSor>,
    App(app): App,
) -> Result<HttpResponse, ApiError> {
    let rules = store.active(app.clone()).await?;
    Ok(HttpResponse::Ok().json(ActiveRuleList {
        app_name: app.into_inner(),
        count: rules.len(),
        rules,
    }))
}

/// Change only the fields the body names; `null` clears a text field.
#[utoipa::path(put, path = "/rules/{id}", tag = "rules",
    params(("id" = i32, Path, description = "Rule id")),
    request_body = UpdateAlertRuleRequest,
    responses(
        (status = 200, body = AlertRule),
        RecordErrors,
        BodyRefused,
    ))]
pub async fn update(
    store: web::Data<dyn AlertRuleSor>,
    guard: web::Data<AddressGuard>,
    RecordId(id): RecordId<i32>,
    body: web::Json<Object<UpdateAlertRuleRequest>>,
) -> Result<HttpResponse, ApiError> {
    let patch = AlertRulePatch::try_from(body.into_inner().0)?;
    let channel = patch
        .notification_channel
        .as_ref()
        .and_then(Option::as_deref);
    check_webhook(&guard, channel).await?;
    Ok(HttpResponse::Ok().json(store.update(id, patch).await?))
}

/// Delete a rule.
#[utoipa::path(delete, path = "/rules/{id}", tag = "rules",
    params(("id" = i32, Path, description = "Rule id")),
    responses(
        (status = 204, description = "Deleted"),
        RecordErrors,
    ))]
pub async fn delete(
    store: web::Data<dyn AlertRuleSor>,
    RecordId(id): RecordId<i32>,
) -> Result<HttpResponse, ApiError> {
    store.delete(id).await?;
    Ok(HttpResponse::NoContent().finish())
}

//! `/rules` routes: parse, call the `AlertRuleSor`, map the result.

use actix_web::{web, HttpResponse};

use super::model::{
    ActiveRuleList, AlertRule, AlertRulePatch, CreateAlertRuleRequest, NewAlertRule, RuleList,
    RuleListParams, UpdateAlertRuleRequest,
};
use crate::rules::{endpoints, AlertRuleSor};
use pf_http::access::{owners, Access, AppOwners};
use pf_http::error::{ApiError, BodyRefused, ErrorBody, ListErrors, RecordErrors, StoreErrors};
use pf_http::extract::App;
use pf_http::extract::{AppNameParam, RecordId};
use pf_http::routing::resource;
use pf_infra::address_guard::AddressGuard;
use pf_infra::sor::fields::Object;
use pf_model::AppName;

/// Mounts the routes; expects `web::Data<dyn AlertRuleSor>` and `web::Data<AddressGuard>`, and
/// `web::Data<dyn AppOwners>` where team-bound tokens are to be told apart.
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

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// Create an alert rule.
///
/// With API tokens, `createdBy` is the calling token's name (the body's is kept as
/// `onBehalfOf`), and a token bound to a team makes rules only of its team's apps. A webhook
/// that reaches loopback, private, CGNAT, link-local or metadata addresses is refused (400
/// `forbidden_notification_address`) unless `delivery.allow_cidrs` names its range.
#[utoipa::path(post, path = endpoints::CREATE.path, tag = "rules",
    request_body = CreateAlertRuleRequest,
    responses(
        (status = 201, description = "Created", body = AlertRule),
        (status = 403, description = "Another team's app, for a team's token", body = ErrorBody),
        StoreErrors,
        BodyRefused,
    ))]
pub async fn create(
    store: web::Data<dyn AlertRuleSor>,
    guard: web::Data<AddressGuard>,
    access: Access,
    registry: Option<web::Data<dyn AppOwners>>,
    body: web::Json<CreateAlertRuleRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut rule = NewAlertRule::try_from(body.into_inner())?;
    access.may_change(owners(&registry), &rule.app_name).await?;
    check_webhook(&guard, rule.notification_channel.as_deref()).await?;
    let who = access.attribute(rule.created_by.take(), rule.on_behalf_of.take());
    rule.created_by = who.by;
    rule.on_behalf_of = who.on_behalf_of;
    let saved = store.create(rule).await?;
    Ok(HttpResponse::Created().json(saved))
}

/// 400 `forbidden_notification_address` when `channel` is a webhook whose address (a literal,
/// or what its name resolves to now) the outbound policy refuses.
async fn check_webhook(guard: &AddressGuard, channel: Option<&str>) -> Result<(), ApiError> {
    match channel {
        Some(channel) => Ok(guard.check_channel(channel).await?),
        None => Ok(()),
    }
}

/// 403 unless the caller may change rule `id`'s app (a team's token: only its team's apps);
/// 404 when there is none.
async fn may_change(
    store: &dyn AlertRuleSor,
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

/// All rules, optionally of one app.
///
/// A webhook is shown whole only to a token that may change its rule; to others as its scheme,
/// host and fingerprint (docs/alerting.md#webhooks-stay-secret).
#[utoipa::path(get, path = endpoints::LIST.path, tag = "rules",
    params(RuleListParams),
    responses(
        (status = 200, body = RuleList),
        ListErrors,
    ))]
pub async fn list(
    store: web::Data<dyn AlertRuleSor>,
    access: Access,
    registry: Option<web::Data<dyn AppOwners>>,
    params: web::Query<RuleListParams>,
) -> Result<HttpResponse, ApiError> {
    let app = params
        .into_inner()
        .app_name
        .map(|raw| AppName::parse_field(&raw, "appName"))
        .transpose()?;
    let mut rules = store.list(app).await?;
    access.redact(owners(&registry), &mut rules).await;
    Ok(HttpResponse::Ok().json(RuleList {
        count: rules.len(),
        rules,
    }))
}

/// One rule.
#[utoipa::path(get, path = endpoints::GET.path, tag = "rules",
    params(("id" = i32, Path, description = "Rule id")),
    responses(
        (status = 200, body = AlertRule),
        RecordErrors,
    ))]
pub async fn get(
    store: web::Data<dyn AlertRuleSor>,
    access: Access,
    registry: Option<web::Data<dyn AppOwners>>,
    RecordId(id): RecordId<i32>,
) -> Result<HttpResponse, ApiError> {
    let mut rule = [store.get(id).await?];
    access.redact(owners(&registry), &mut rule).await;
    let [rule] = rule;
    Ok(HttpResponse::Ok().json(rule))
}

/// An app's enabled rules.
#[utoipa::path(get, path = endpoints::ACTIVE.path, tag = "rules",
    params(AppNameParam),
    responses(
        (status = 200, body = ActiveRuleList),
        ListErrors,
    ))]
pub async fn active(
    store: web::Data<dyn AlertRuleSor>,
    access: Access,
    registry: Option<web::Data<dyn AppOwners>>,
    App(app): App,
) -> Result<HttpResponse, ApiError> {
    let mut rules = store.active(app.clone()).await?;
    access.redact(owners(&registry), &mut rules).await;
    Ok(HttpResponse::Ok().json(ActiveRuleList {
        app_name: app.into_inner(),
        count: rules.len(),
        rules,
    }))
}

/// Change only the fields the body names; `null` clears a text field.
#[utoipa::path(put, path = endpoints::UPDATE.path, tag = "rules",
    params(("id" = i32, Path, description = "Rule id")),
    request_body = UpdateAlertRuleRequest,
    responses(
        (status = 200, body = AlertRule),
        (status = 403, description = "Another team's app, for a team's token", body = ErrorBody),
        RecordErrors,
        BodyRefused,
    ))]
pub async fn update(
    store: web::Data<dyn AlertRuleSor>,
    guard: web::Data<AddressGuard>,
    access: Access,
    registry: Option<web::Data<dyn AppOwners>>,
    RecordId(id): RecordId<i32>,
    body: web::Json<Object<UpdateAlertRuleRequest>>,
) -> Result<HttpResponse, ApiError> {
    let patch = AlertRulePatch::try_from(body.into_inner().0)?;
    may_change(store.get_ref(), &access, &registry, id).await?;
    let channel = patch
        .notification_channel
        .as_ref()
        .and_then(Option::as_deref);
    check_webhook(&guard, channel).await?;
    Ok(HttpResponse::Ok().json(store.update(id, patch).await?))
}

/// Delete a rule.
#[utoipa::path(delete, path = endpoints::DELETE.path, tag = "rules",
    params(("id" = i32, Path, description = "Rule id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Another team's app, for a team's token", body = ErrorBody),
        RecordErrors,
    ))]
pub async fn delete(
    store: web::Data<dyn AlertRuleSor>,
    access: Access,
    registry: Option<web::Data<dyn AppOwners>>,
    RecordId(id): RecordId<i32>,
) -> Result<HttpResponse, ApiError> {
    may_change(store.get_ref(), &access, &registry, id).await?;
    store.delete(id).await?;
    Ok(HttpResponse::NoContent().finish())
}

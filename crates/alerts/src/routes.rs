//! `POST /rules/{id}/evaluate`: a rule's value now, for tuning it before enabling it.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::notice::{AlertTransitionNotice, AlertWebhook};
use super::service::{AlertEvaluationService, DryRun, EvaluationError};
use crate::firing::{AlertTransition, StoredAlert};
use pf_http::error::{ApiError, ErrorBody, UpstreamErrors};
use pf_http::extract::RecordId;
use pf_http::routing::resource;
use pf_model::{now_floored, parse_limit, AppName};

/// Mounts the route; expects `web::Data<AlertEvaluationService>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/rules/{id}/evaluate").route(web::post().to(evaluate)))
        .service(resource("/alerts").route(web::get().to(firing)))
        .service(resource("/alerts/history").route(web::get().to(history)));
}

/// The OpenAPI paths of these routes.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(evaluate, firing, history),
    // The body a rule's webhook receives: not an answer of these routes, documented with them.
    components(schemas(DryRun, AlertList, TransitionList, AlertWebhook, AlertTransitionNotice))
)]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// Answer of `GET /alerts`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertList {
    pub count: usize,
    /// Firing alerts, by rule id.
    pub alerts: Vec<StoredAlert>,
}

/// Answer of `GET /alerts/history`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransitionList {
    pub count: usize,
    /// Firings and resolutions, newest first.
    pub transitions: Vec<AlertTransition>,
}

/// Query of `GET /alerts/history`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Only this app's transitions.
    #[serde(rename = "appName")]
    #[param(rename = "appName", inline, value_type = Option<pf_model::AppName>)]
    pub app_name: Option<String>,
    /// 1..=1000, default 50.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// The alerts firing now: rule, app, value, threshold, since.
#[utoipa::path(get, path = "/alerts", tag = "alerts",
    responses(
        (status = 200, description = "Firing alerts", body = AlertList),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    ))]
pub async fn firing(service: web::Data<AlertEvaluationService>) -> Result<HttpResponse, ApiError> {
    let alerts = service.firing().await?;
    Ok(HttpResponse::Ok().json(AlertList {
        count: alerts.len(),
        alerts,
    }))
}

/// Firings and resolutions, newest first.
#[utoipa::path(get, path = "/alerts/history", tag = "alerts",
    params(HistoryParams),
    responses(
        (status = 200, description = "Transitions", body = TransitionList),
        (status = 400, description = "Invalid app name or limit", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    ))]
pub async fn history(
    service: web::Data<AlertEvaluationService>,
    query: web::Query<HistoryParams>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let app: Option<AppName> = query.app_name.as_deref().map(str::parse).transpose()?;
    let limit = parse_limit(query.limit, 50, 1000)?;
    let transitions = service.history(app, limit).await?;
    Ok(HttpResponse::Ok().json(TransitionList {
        count: transitions.len(),
        transitions,
    }))
}

impl From<EvaluationError> for ApiError {
    fn from(err: EvaluationError) -> Self {
        match err {
            EvaluationError::Sor(e) => e.into(),
            EvaluationError::Input(e) => e.into(),
            EvaluationError::Value(e) => ApiError::bad_request("unknown_diagnosis", e.to_string()),
        }
    }
}

/// Evaluates one rule over the last `alerts.window_secs` now and changes nothing: its value,
/// threshold, whether it is above it, and the functions behind the value.
#[utoipa::path(post, path = "/rules/{id}/evaluate", tag = "rules",
    params(("id" = i32, Path, description = "Rule id")),
    responses(
        (status = 200, description = "The rule's value now", body = DryRun),
        (status = 400, description = "Invalid id, or a `diagnosis:` category the triage rules lack", body = ErrorBody),
        (status = 404, description = "No such rule", body = ErrorBody),
        UpstreamErrors,
    ))]
pub async fn evaluate(
    service: web::Data<AlertEvaluationService>,
    RecordId(id): RecordId<i32>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(service.dry_run(id, now_floored()).await?))
}

//! `/trends`: an app's profile over time (JSON or SVG), suggested thresholds, and backfills.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::backfill::{BackfillError, BackfillRequest};
use super::trends::{Suggestions, TrendService};
use crate::endpoints;
use crate::store::BackfillCounts;
use pf_http::error::{ApiError, BodyRefused, ErrorBody};
use pf_http::extract::AppNameParam;
use pf_http::extract::{App, Bounds};
use pf_http::routing::{rendered, resource};
use pf_model::trend_view::{TrendPick, TrendQuery, Trends};
use pf_model::{parse_limit, InputError, ProfileType, ReportFormat};
use pf_pictures::trends_svg;

/// Mounts the routes; expects `web::Data<TrendService>`. The backfill resource comes first, so
/// `backfill` is never read as an app name.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/trends/backfill")
            .route(web::post().to(backfill))
            .route(web::get().to(backfill_status)),
    )
    .service(resource("/trends/{appName}").route(web::get().to(trends)))
    .service(resource("/trends/{appName}/suggestions").route(web::get().to(suggestions)));
}

/// The OpenAPI paths of these routes.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(trends, suggestions, backfill, backfill_status),
    components(schemas(Trends, Suggestions, BackfillRequest, BackfillQueued, BackfillCounts))
)]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// What `GET /trends/{appName}` answers: the series, a line chart, or a page with it.
const TREND_FORMATS: [ReportFormat; 3] =
    [ReportFormat::Json, ReportFormat::Svg, ReportFormat::Html];

/// Most functions one trend shows.
const MAX_FUNCTIONS: u32 = 100;

/// Query of `GET /trends/{appName}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendParams {
    /// Profile type: cpu (default), alloc, lock or wall.
    #[serde(rename = "type")]
    #[param(rename = "type", example = "cpu", inline, value_type = Option<pf_model::ProfileTypeName>)]
    pub profile_type: Option<String>,
    /// Slices starting at or after this, epoch seconds (default: 24 h before `to`).
    #[param(minimum = 0)]
    pub from: Option<i64>,
    /// … and before this (default: now).
    #[param(minimum = 1)]
    pub to: Option<i64>,
    /// Comma-separated exact function names (1 to 100; spaces around a name are ignored);
    /// wins over `limit`.
    #[param(max_length = 20000, pattern = "^[^,]*[^, ][^,]*(,[^,]*){0,99}$")]
    pub functions: Option<String>,
    /// The functions with the highest mean self share, 1..=100 (default 10).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `json` (default), `svg`, or `html`: a page with the chart and the app's regressions
    /// marked, linked to their pages.
    #[param(pattern = "^(json|svg|html)$")]
    pub format: Option<String>,
}

/// Query of `GET /trends/{appName}/suggestions`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestionParams {
    /// Profile type: cpu (default), alloc, lock or wall.
    #[serde(rename = "type")]
    #[param(rename = "type", example = "cpu", inline, value_type = Option<pf_model::ProfileTypeName>)]
    pub profile_type: Option<String>,
    /// Days of summaries, 1..=90 (default 7).
    #[param(minimum = 1, maximum = 90)]
    pub days: Option<i64>,
    /// Functions suggested at most, 1..=100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// Answer of `POST /trends/backfill`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BackfillQueued {
    /// App × type × slice items queued (slices already summarized are not).
    pub slices: u64,
}

fn profile_type(raw: Option<&str>) -> Result<ProfileType, InputError> {
    raw.map_or(Ok(ProfileType::Cpu), str::parse)
}

fn pick(params: &TrendParams) -> Result<TrendPick, InputError> {
    if let Some(list) = &params.functions {
        let names: Vec<String> = list
            .split(',')
            .map(|n| n.trim_matches(' '))
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect();
        if names.is_empty() || names.len() > MAX_FUNCTIONS as usize {
            return Err(InputError::new(
                "invalid_functions",
                format!("functions must list 1 to {MAX_FUNCTIONS} names"),
            ));
        }
        return Ok(TrendPick::Named(names));
    }
    let limit = parse_limit(params.limit, 10, MAX_FUNCTIONS)?;
    Ok(TrendPick::Top(limit as usize))
}

/// One app's profile over time: per slice its total samples, its versions, and the chosen
/// functions' samples and shares.
///
/// Arrays are aligned with `slices` (only summarized slices are listed); `null` where a
/// function was not among the slice's kept functions. `format=svg`: one line per function,
/// version changes marked; `format=html`: a page with that chart, the app's regressions and
/// leaks of the window marked on it and linked to their pages.
#[utoipa::path(get, path = endpoints::TRENDS.path, tag = "trends",
    params(AppNameParam, TrendParams),
    responses(
        (status = 200, description = "The trend: JSON, or a line chart (`format=svg`), or a page (`format=html`)", content(
            (Trends = "application/json"),
            (String = "image/svg+xml"),
            (String = "text/html"),
        )),
        (status = 400, description = "Invalid app name, type, window, functions, limit or format", body = ErrorBody),
        (status = 503, description = "The summary store is unavailable", body = ErrorBody),
    ))]
pub async fn trends(
    service: web::Data<TrendService>,
    App(app): App,
    query: web::Query<TrendParams>,
    Bounds(bounds): Bounds,
) -> Result<HttpResponse, ApiError> {
    let params = query.into_inner();
    let profile_type = profile_type(params.profile_type.as_deref())?;
    let to = bounds.end(params.to.unwrap_or(bounds.now));
    let window = bounds.window(params.from.unwrap_or(to.saturating_sub(86_400)), to)?;
    let format = ReportFormat::parse(params.format.as_deref(), &TREND_FORMATS)?;
    let pick = pick(&params)?;
    let asked = TrendQuery {
        app,
        profile_type,
        window,
        pick,
    };
    let trends = service.trends(asked.clone()).await?;
    Ok(match format {
        ReportFormat::Svg => rendered(format, trends_svg(trends.as_ref())),
        ReportFormat::Html => {
            let (trends, marks) = service
                .marked(&asked, trends, params.functions.is_none())
                .await?;
            rendered(format, super::page::render(trends.as_ref(), &marks))
        }
        _ => HttpResponse::Ok().json(trends.as_ref()),
    })
}

/// Thresholds suggested from the last days of summaries.
///
/// For the functions with the highest mean self share that were kept in at least half of the
/// slices: mean, p95 (nearest rank) and max of the share where kept, and
/// `suggestedMaxSelfPercent` = p95 + max(1.0, 0.2 × p95), rounded up to 0.1. Approve one
/// with `POST /baselines`.
#[utoipa::path(get, path = "/trends/{appName}/suggestions", tag = "trends",
    params(AppNameParam, SuggestionParams),
    responses(
        (status = 200, description = "The suggestions", body = Suggestions),
        (status = 400, description = "Invalid app name, type, days or limit", body = ErrorBody),
        (status = 503, description = "The summary store is unavailable", body = ErrorBody),
    ))]
pub async fn suggestions(
    service: web::Data<TrendService>,
    App(app): App,
    query: web::Query<SuggestionParams>,
) -> Result<HttpResponse, ApiError> {
    let profile_type = profile_type(query.profile_type.as_deref())?;
    let days = parse_limit(query.days, 7, 90)
        .map_err(|_| InputError::new("invalid_days", "days must be between 1 and 90"))?;
    let limit = parse_limit(query.limit, 20, 100)?;
    let now = Utc::now().timestamp();
    let answer = service
        .suggestions(app, profile_type, (days, limit as usize), now)
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Summarizes past slices as if they had happened live.
///
/// Queues one item per app × type × slice in `[from, to)` that has ended and is not summarized
/// yet; replicas work them in time order per series. 400 (nothing queued) for `from ≥ to`, a
/// range beyond `watch.retention_days`, or a type that is not watched.
#[utoipa::path(post, path = "/trends/backfill", tag = "trends",
    request_body = BackfillRequest,
    responses(
        (status = 202, description = "Queued", body = BackfillQueued),
        (status = 400, description = "Invalid window, apps or types", body = ErrorBody),
        BodyRefused,
        (status = 503, description = "The summary store or Profile Data is unavailable", body = ErrorBody),
    ))]
pub async fn backfill(
    service: web::Data<TrendService>,
    body: web::Json<BackfillRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = Utc::now().timestamp();
    let slices = service
        .backfill(body.into_inner(), now)
        .await
        .map_err(|e| match e {
            BackfillError::Input(e) => ApiError::from(e),
            BackfillError::Store(e) => ApiError::from(e),
        })?;
    Ok(HttpResponse::Accepted().json(BackfillQueued { slices }))
}

/// Backfill items by state, over every backfill in the store, whichever replica works them.
#[utoipa::path(get, path = "/trends/backfill", tag = "trends",
    responses(
        (status = 200, description = "Counts", body = BackfillCounts),
        (status = 503, description = "The summary store is unavailable", body = ErrorBody),
    ))]
pub async fn backfill_status(service: web::Data<TrendService>) -> Result<HttpResponse, ApiError> {
    let counts = service.summaries.backfill_counts().await?;
    Ok(HttpResponse::Ok().json(counts))
}

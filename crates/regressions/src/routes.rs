//! `GET /regressions`, `GET /regressions/{id}` (JSON, or its page with `format=html`) and
//! `GET /regressions/{id}/suspects`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::service::{RegressionDetail, RegressionList, RegressionService};
use crate::store::{Regression, RegressionFilter};
use pf_commits::SuspectsAnswer;
use pf_detection::model::{EventKind, EventState};
use pf_http::error::{ApiError, ErrorBody, UpstreamErrors};
use pf_http::extract::RecordId;
use pf_http::routing::{rendered, resource};
use pf_model::{now_floored, parse_limit, AppName, InputError, ReportFormat, TimeWindow};

/// Mounts the routes; expects `web::Data<RegressionService>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/regressions").route(web::get().to(list)))
        .service(resource("/regressions/{id}").route(web::get().to(one)))
        .service(resource("/regressions/{id}/suspects").route(web::get().to(suspects)));
}

/// The OpenAPI paths of these routes.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, one, suspects),
    components(schemas(RegressionList, RegressionDetail, Regression, SuspectsAnswer))
)]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// Query of `GET /regressions`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only this app's events.
    #[serde(rename = "appName")]
    #[param(rename = "appName", inline, value_type = Option<pf_model::AppName>)]
    pub app_name: Option<String>,
    /// Only events in this state.
    #[param(pattern = "^(suspected|confirmed|went_away|resolved|settled)$")]
    pub state: Option<String>,
    /// Only events of this kind: `leak` for memory that only grows
    /// (docs/regressions.md#memory-that-only-grows).
    #[param(pattern = "^(regression|cost_shift|leak)$")]
    pub kind: Option<String>,
    /// Only change points at or after this, epoch seconds.
    #[param(minimum = 0)]
    pub from: Option<i64>,
    /// … and before this.
    #[param(minimum = 1)]
    pub to: Option<i64>,
    /// 1..=1000, default 50.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// What `GET /regressions/{id}` answers: the event, or its page.
const PAGE_FORMATS: [ReportFormat; 2] = [ReportFormat::Json, ReportFormat::Html];

/// Query of `GET /regressions/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OneParams {
    /// `json` (default) or `html`.
    #[param(pattern = "^(json|html)$")]
    pub format: Option<String>,
}

/// Regressions the watcher found by itself, newest change point first.
///
/// Each event: the function whose self share rose, its change point, the shares before and
/// after with the 95 % interval and p-value of the change (docs/api.md#how-sure-is-a-diff over
/// slices), the deploy (`version`) when a new version appeared at the change point, and `kind`
/// `cost_shift` when the cost moved from another function (`shiftedFrom`). A `leak`
/// (docs/regressions.md#memory-that-only-grows) is a function whose in-use memory only grows: its
/// `leak` holds the rate with its interval, since when, and when the process reaches its memory
/// limit.
#[utoipa::path(get, path = "/regressions", tag = "regressions",
    params(ListParams),
    responses(
        (status = 200, description = "The events", body = RegressionList),
        (status = 400, description = "Invalid app name, state, kind, window or limit", body = ErrorBody),
        (status = 503, description = "The store is unavailable", body = ErrorBody),
    ))]
pub async fn list(
    service: web::Data<RegressionService>,
    query: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let app: Option<AppName> = q.app_name.as_deref().map(str::parse).transpose()?;
    let state = q
        .state
        .as_deref()
        .map(|s| {
            s.parse::<EventState>().map_err(|_| {
                InputError::new(
                    "invalid_state",
                    format!(
                        "state must be suspected, confirmed, went_away, resolved or settled, \
                         got {s:.40}"
                    ),
                )
            })
        })
        .transpose()?;
    let kind = q
        .kind
        .as_deref()
        .map(|k| {
            k.parse::<EventKind>().map_err(|_| {
                InputError::new(
                    "invalid_kind",
                    format!("kind must be regression, cost_shift or leak, got {k:.40}"),
                )
            })
        })
        .transpose()?;
    let window = match (q.from, q.to) {
        (None, None) => None,
        (from, to) => Some(TimeWindow::new(
            from.unwrap_or(0),
            to.unwrap_or_else(|| now_floored().saturating_add(1)),
        )?),
    };
    let filter = RegressionFilter {
        app,
        state,
        kind,
        window,
        limit: parse_limit(q.limit, 50, 1000)?,
    };
    Ok(HttpResponse::Ok().json(service.list(filter).await?))
}

/// One regression and its function's trend around it; with `format=html`, one self-contained
/// page: the trend with the change point and versions marked, the differential flame graph
/// and significance table of before vs after, and the queries behind them.
#[utoipa::path(get, path = "/regressions/{id}", tag = "regressions",
    params(("id" = i64, Path, description = "Event id", minimum = 1), OneParams),
    responses(
        (status = 200, description = "The event: JSON, or its page (`format=html`)", content(
            (RegressionDetail = "application/json"),
            (String = "text/html"),
        )),
        (status = 400, description = "Invalid id or format", body = ErrorBody),
        (status = 404, description = "No such event", body = ErrorBody),
        UpstreamErrors,
        (status = 503, description = "The store is unavailable", body = ErrorBody),
    ))]
pub async fn one(
    service: web::Data<RegressionService>,
    RecordId(id): RecordId<i64>,
    query: web::Query<OneParams>,
) -> Result<HttpResponse, ApiError> {
    let format = ReportFormat::parse(query.into_inner().format.as_deref(), &PAGE_FORMATS)?;
    if format == ReportFormat::Json {
        return Ok(HttpResponse::Ok().json(service.detail(id).await?));
    }
    let page = super::page::render(&service.compared(id).await?);
    Ok(rendered(format, page))
}

/// The commits most likely behind one regression, ranked again
/// (docs/regressions.md#the-change-that-caused-it).
///
/// Reads the refs its slices name before and after its change point, the repository
/// `[repositories.dirs]` names for the app (or its `service_repository` label) and where the
/// profile places the functions on its stacks, then ranks the commits of the range: after the
/// operator fetched a ref that was missing, this names what the confirmation could not.
#[utoipa::path(get, path = "/regressions/{id}/suspects", tag = "regressions",
    params(("id" = i64, Path, description = "Event id", minimum = 1)),
    responses(
        (status = 200, description = "At most five commits, best first, or why none is named", body = SuspectsAnswer),
        (status = 400, description = "Invalid id", body = ErrorBody),
        (status = 404, description = "No such event", body = ErrorBody),
        UpstreamErrors,
        (status = 503, description = "The store is unavailable", body = ErrorBody),
    ))]
pub async fn suspects(
    service: web::Data<RegressionService>,
    RecordId(id): RecordId<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(service.suspects(id).await?))
}

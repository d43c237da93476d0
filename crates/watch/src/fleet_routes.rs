//! `GET /summaries/fleet` and `GET /summaries/coverage`: the watcher's process hands the fleet
//! BOR of another process every app's summaries of a window, merged per app
//! (docs/profiles-over-time.md#the-fleet-from-the-summaries), and what it has worked of
//! each series there (docs/profiles-over-time.md#whole-or-live), in split mode over
//! `WATCH_URL`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::coverage::{AppCoverage, CoverageQuery};
use crate::fleet_window::{AppWindow, FleetQuery, WindowFunction};
use crate::remote::{FleetCoverage, FleetSummaries};
use crate::{endpoints, FleetSummarySor};
use pf_http::error::{ApiError, ErrorBody};
use pf_http::extract::Bounds;
use pf_http::routing::resource;
use pf_model::{parse_limit, AppName, InputError, WindowBounds};

/// Mounts the route; expects `web::Data<dyn FleetSummarySor>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/summaries/fleet").route(web::get().to(fleet)))
        .service(resource("/summaries/coverage").route(web::get().to(coverage)));
}

/// The OpenAPI paths of this route.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(fleet, coverage),
    components(schemas(FleetSummaries, AppWindow, WindowFunction, FleetCoverage, AppCoverage))
)]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// Query of `GET /summaries/fleet` and `/summaries/coverage`: which series, in which window.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesParams {
    /// Profile type: cpu (default), alloc, lock, wall or inuse.
    #[serde(rename = "type")]
    #[param(rename = "type", inline, value_type = Option<pf_model::ProfileTypeName>)]
    pub profile_type: Option<String>,
    /// Slices starting at or after this, epoch seconds.
    #[param(minimum = 0)]
    pub from: i64,
    /// … and before this.
    #[param(minimum = 1)]
    pub to: i64,
    /// Comma-separated app names; default every app with a summary in the window (fleet), or
    /// every series the watcher follows (coverage).
    #[param(inline, value_type = Option<pf_model::AppNameList>)]
    pub apps: Option<String>,
}

/// Query of `GET /summaries/fleet` besides its [`SeriesParams`].
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopParam {
    /// Functions kept per app after merging, 1..=1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub top: Option<i64>,
}

/// The `apps` list of either query.
fn app_list(raw: Option<&str>) -> Result<Option<Vec<AppName>>, InputError> {
    raw.map(|raw| {
        raw.split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| AppName::parse_field(a, "apps"))
            .collect::<Result<Vec<_>, _>>()
    })
    .transpose()
}

/// Every app's summaries of one type whose slice starts in `[from, to)`, merged per app.
///
/// What the fleet BOR of another process reads
/// (docs/profiles-over-time.md#the-fleet-from-the-summaries): exact self and total samples
/// for the functions the slices kept, and per app the most a function outside them may have had.
#[utoipa::path(get, path = endpoints::FLEET.path, tag = "trends",
    params(SeriesParams, TopParam),
    responses(
        (status = 200, description = "Apps by name; an app without a summary in the window is absent", body = FleetSummaries),
        (status = 400, description = "Invalid type, window, app name or top", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn fleet(
    store: web::Data<dyn FleetSummarySor>,
    series: web::Query<SeriesParams>,
    top: web::Query<TopParam>,
    Bounds(bounds): Bounds,
) -> Result<HttpResponse, ApiError> {
    let apps = store
        .fleet(series.into_inner().fleet(top.top, bounds)?)
        .await?;
    Ok(HttpResponse::Ok().json(FleetSummaries { apps }))
}

impl SeriesParams {
    /// The series and window asked for, as the coverage read takes them.
    fn coverage(self, bounds: WindowBounds) -> Result<CoverageQuery, InputError> {
        Ok(CoverageQuery {
            profile_type: self.profile_type.as_deref().unwrap_or("cpu").parse()?,
            slices: bounds.window(self.from, self.to)?,
            apps: app_list(self.apps.as_deref())?,
        })
    }

    /// The same, as the fleet read takes them, with `top` functions per app (default 50).
    fn fleet(self, top: Option<i64>, bounds: WindowBounds) -> Result<FleetQuery, InputError> {
        let CoverageQuery {
            profile_type,
            slices,
            apps,
        } = self.coverage(bounds)?;
        Ok(FleetQuery {
            profile_type,
            window: slices,
            apps,
            top: parse_limit(top, 50, 1000)?,
        })
    }
}

/// What the watcher has worked of every series of one type in `[from, to)`
/// (docs/profiles-over-time.md#whole-or-live).
///
/// Per series: how many of the slices starting in the window it has worked (summarized, or
/// read without a profile), and which it tried and could not read. The fleet BOR of another
/// process answers from the summaries only where every due slice of every app is worked.
#[utoipa::path(get, path = endpoints::COVERAGE.path, tag = "trends",
    params(SeriesParams),
    responses(
        (status = 200, description = "One entry per series the watcher follows; an app it does not follow is absent", body = FleetCoverage),
        (status = 400, description = "Invalid type, window or app name", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn coverage(
    store: web::Data<dyn FleetSummarySor>,
    query: web::Query<SeriesParams>,
    Bounds(bounds): Bounds,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner().coverage(bounds)?;
    let apps = store.coverage(query).await?;
    Ok(HttpResponse::Ok().json(FleetCoverage { apps }))
}

//! `/profiles` routes: parse and validate, call the `ProfileDataSor`, answer its result.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{AppList, Profile, ProfileDiff, ProfileDiffQuery};
use super::selection::{LabelsParam, Selection, TypeParam, Window, WindowParams};
use crate::{endpoints, ProfileDataSor};
use pf_http::error::{ApiError, ErrorBody, UpstreamErrors};
use pf_http::extract::{AppNameParam, Bounds};
use pf_http::routing::resource;
use pf_model::{parse_limit, parse_slices, InputError, LabelSelector, WindowBounds};

/// Default and maximum `limit` of `GET /profiles/{appName}`.
const PROFILE_LIMIT: (u32, u32) = (50, 1000);
/// Default and maximum `limit` of `GET /profiles/{appName}/diff`.
pub(super) const DIFF_LIMIT: (u32, u32) = (500, 5000);

/// Mounts the routes; expects `web::Data<dyn ProfileDataSor>`. `/profiles/apps` is registered
/// first, so it wins over an app literally named `apps`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/profiles/apps").route(web::get().to(apps)))
        .service(resource("/profiles/{appName}").route(web::get().to(profile)))
        .service(resource("/profiles/{appName}/diff").route(web::get().to(diff)));
}

/// The OpenAPI paths of these routes; merged into the document of a process that hosts them.
#[derive(utoipa::OpenApi)]
#[openapi(paths(apps, profile, diff))]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// Query of `GET /profiles/{appName}` besides its [`Selection`].
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitParam {
    /// How many functions to return, 1..=1000 (default 50).
    #[param(example = 50, minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// Query of `GET /profiles/{appName}/diff` besides its [`Selection`], which names the current
/// window and the labels both sides share.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct DiffParams {
    /// Baseline window start (default: as long before `baselineTo` as the current window lasts).
    #[param(minimum = 0, rename = "baselineFrom", example = 1_700_000_000)]
    pub baseline_from: Option<i64>,
    /// Baseline window end (default: `from`).
    #[param(minimum = 0, rename = "baselineTo", example = 1_700_003_600)]
    pub baseline_to: Option<i64>,
    /// How many functions to return per window, 1..=5000 (default 500).
    #[param(example = 500, minimum = 1, maximum = 5000)]
    pub limit: Option<i64>,
    /// Matchers for the baseline side only (joined to `labels`).
    #[param(inline, value_type = Option<pf_model::SelectorText>, rename = "baselineLabels", example = "version=\"1.4.1\"")]
    pub baseline_labels: Option<String>,
    /// Matchers for the current side only (joined to `labels`).
    #[param(inline, value_type = Option<pf_model::SelectorText>, rename = "currentLabels", example = "version=\"1.4.2\"")]
    pub current_labels: Option<String>,
}

impl DiffParams {
    /// The diff these parameters ask for of `selection`, `limit` within `1..=max`.
    pub(super) fn query(
        self,
        selection: Selection,
        max: (u32, u32),
        bounds: WindowBounds,
    ) -> Result<ProfileDiffQuery, InputError> {
        let Selection { scope, labels } = selection;
        let side = |raw: Option<String>, name| {
            LabelSelector::parse(raw.as_deref(), name).map(|side| labels.and(&side))
        };
        Ok(ProfileDiffQuery {
            app: scope.app,
            profile_type: scope.profile_type,
            baseline: bounds
                .check(scope.window.baseline(
                    self.baseline_from,
                    self.baseline_to.map(|to| bounds.end(to)),
                )?)
                .map_err(|e| e.within("baseline window"))?,
            current: scope.window,
            limit: parse_limit(self.limit, max.0, max.1)?,
            baseline_labels: side(self.baseline_labels, "baselineLabels")?,
            current_labels: side(self.current_labels, "currentLabels")?,
            slices: 0,
        })
    }
}

/// Apps with profiles in a window.
#[utoipa::path(get, path = endpoints::APPS.path, tag = "profiles",
    params(WindowParams),
    responses(
        (status = 200, description = "Sorted, unique app names, each with its types", body = AppList),
        (status = 400, description = "Invalid window", body = ErrorBody,
            example = json!({"error": "from must be before to, got from=20 to=10", "code": "invalid_time_window"})),
        UpstreamErrors,
    ))]
pub async fn apps(
    sor: web::Data<dyn ProfileDataSor>,
    Window(window): Window,
) -> Result<HttpResponse, ApiError> {
    let types = sor.app_types(window).await?;
    Ok(HttpResponse::Ok().json(AppList::of(types)))
}

/// One app's functions ranked by self time.
#[utoipa::path(get, path = endpoints::PROFILE.path, tag = "profiles",
    params(AppNameParam, TypeParam, WindowParams, LimitParam, LabelsParam),
    responses(
        (status = 200, description = "Ranked functions", body = Profile),
        (status = 400, description = "Invalid app name, type, window or limit", body = ErrorBody,
            example = json!({"error": "limit must be between 1 and 1000, got 0", "code": "invalid_limit"})),
        UpstreamErrors,
    ))]
pub async fn profile(
    sor: web::Data<dyn ProfileDataSor>,
    selection: Selection,
    query: web::Query<LimitParam>,
) -> Result<HttpResponse, ApiError> {
    let request = selection.query(parse_limit(query.limit, PROFILE_LIMIT.0, PROFILE_LIMIT.1)?);
    Ok(HttpResponse::Ok().json(sor.profile(request).await?))
}

/// How finely `GET /profiles/{appName}/diff` cuts its windows (docs/api.md#how-sure-is-a-diff).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlicesParam {
    /// Each window is also read in this many equal parts (at most one per 10 s; 0 = off,
    /// at most 60): the windows gain `parts`, their functions `partSelfSamples`.
    #[param(example = 10, minimum = 0, maximum = 60)]
    pub slices: Option<i64>,
}

/// One app's functions in a baseline and a current window.
#[utoipa::path(get, path = endpoints::DIFF.path, tag = "profiles",
    params(AppNameParam, TypeParam, WindowParams, LabelsParam, DiffParams, SlicesParam),
    responses(
        (status = 200, description = "Both windows' ranked functions", body = ProfileDiff),
        (status = 400, description = "Invalid app name, type, window or limit", body = ErrorBody,
            example = json!({"error": "unknown profile type `stack`; valid values: cpu, alloc, lock, wall, inuse", "code": "invalid_profile_type"})),
        UpstreamErrors,
    ))]
pub async fn diff(
    sor: web::Data<dyn ProfileDataSor>,
    selection: Selection,
    query: web::Query<DiffParams>,
    slices: web::Query<SlicesParam>,
    Bounds(bounds): Bounds,
) -> Result<HttpResponse, ApiError> {
    let mut request = query.into_inner().query(selection, DIFF_LIMIT, bounds)?;
    request.slices = parse_slices(slices.into_inner().slices)?;
    Ok(HttpResponse::Ok().json(sor.diff(request).await?))
}

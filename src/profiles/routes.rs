//! `/profiles` routes: parse and validate, call the `ProfileDataSor`, answer its result.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{AppList, Profile, ProfileDiff, ProfileDiffQuery, ProfileQuery};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::routing::resource;
use crate::model::{
    now_floored, parse_limit, parse_slices, AppName, InputError, LabelSelector, ProfileType,
    TimeWindow,
};
use crate::profiles::ProfileDataSor;

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

/// What every `/profiles` route answers when Pyroscope fails.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only documents answers: `ApiError` builds them.
pub(super) enum PyroscopeFailure {
    #[response(status = 502, description = "Pyroscope unreachable, failing or unreadable",
        example = json!({"error": "Pyroscope answered 503 Service Unavailable to SelectMergeStacktraces", "code": "upstream_error"}))]
    Unreachable(ErrorBody),
    #[response(status = 504, description = "Pyroscope too slow",
        example = json!({"error": "Pyroscope did not answer SelectMergeStacktraces in time (limit 30s)", "code": "upstream_timeout"}))]
    TooSlow(ErrorBody),
}

/// Query of `GET /profiles/apps`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppsParams {
    /// Window start, epoch seconds (default: one hour before `to`).
    #[param(minimum = 0, example = 1_700_000_000)]
    pub from: Option<i64>,
    /// Window end, epoch seconds (default: now, floored to 10 s).
    #[param(minimum = 0, example = 1_700_003_600)]
    pub to: Option<i64>,
}

/// Query of `GET /profiles/{appName}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProfileParams {
    /// Profile type: cpu (default), alloc, lock or wall; aliases such as memory or mutex work.
    #[serde(rename = "type")]
    #[param(rename = "type", example = "cpu", inline, value_type = Option<crate::model::ProfileTypeName>)]
    pub profile_type: Option<String>,
    /// Window start, epoch seconds (default: one hour before `to`).
    #[param(minimum = 0, example = 1_700_000_000)]
    pub from: Option<i64>,
    /// Window end, epoch seconds (default: now, floored to 10 s).
    #[param(minimum = 0, example = 1_700_003_600)]
    pub to: Option<i64>,
    /// How many functions to return, 1..=1000 (default 50).
    #[param(example = 50, minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Extra label matchers, Prometheus style: `version="1.4.2",region=~"eu-.*"`.
    #[param(inline, value_type = Option<crate::model::SelectorText>, example = "version=\"1.4.2\"")]
    pub labels: Option<String>,
}

/// Query of `GET /profiles/{appName}/diff`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct DiffParams {
    /// Profile type: cpu (default), alloc, lock or wall.
    #[serde(rename = "type")]
    #[param(rename = "type", example = "cpu", inline, value_type = Option<crate::model::ProfileTypeName>)]
    pub profile_type: Option<String>,
    /// Current window start, epoch seconds (default: one hour before `to`).
    #[param(minimum = 0, example = 1_700_003_600)]
    pub from: Option<i64>,
    /// Current window end, epoch seconds (default: now, floored to 10 s).
    #[param(minimum = 0, example = 1_700_007_200)]
    pub to: Option<i64>,
    /// Baseline window start (default: as long before `baselineTo` as the current window lasts).
    #[param(minimum = 0, rename = "baselineFrom", example = 1_700_000_000)]
    pub baseline_from: Option<i64>,
    /// Baseline window end (default: `from`).
    #[param(minimum = 0, rename = "baselineTo", example = 1_700_003_600)]
    pub baseline_to: Option<i64>,
    /// How many functions to return per window, 1..=5000 (default 500).
    #[param(example = 500, minimum = 1, maximum = 5000)]
    pub limit: Option<i64>,
    /// Extra label matchers, Prometheus style: `version="1.4.2",region=~"eu-.*"`.
    #[param(inline, value_type = Option<crate::model::SelectorText>, example = "version=\"1.4.2\"")]
    pub labels: Option<String>,
    /// Matchers for the baseline side only (joined to `labels`).
    #[param(inline, value_type = Option<crate::model::SelectorText>, rename = "baselineLabels", example = "version=\"1.4.1\"")]
    pub baseline_labels: Option<String>,
    /// Matchers for the current side only (joined to `labels`).
    #[param(inline, value_type = Option<crate::model::SelectorText>, rename = "currentLabels", example = "version=\"1.4.2\"")]
    pub current_labels: Option<String>,
}

impl DiffParams {
    /// The diff these parameters ask for, `limit` within `1..=max`.
    pub(super) fn query(
        self,
        app: AppName,
        max: (u32, u32),
    ) -> Result<ProfileDiffQuery, InputError> {
        let Subject {
            app,
            profile_type,
            window: current,
        } = subject(app, self.profile_type.as_deref(), self.from, self.to)?;
        let labels = LabelSelector::parse(self.labels.as_deref(), "labels")?;
        Ok(ProfileDiffQuery {
            app,
            profile_type,
            baseline: current.baseline(self.baseline_from, self.baseline_to)?,
            current,
            limit: limit(self.limit, max)?,
            baseline_labels: labels.and(&LabelSelector::parse(
                self.baseline_labels.as_deref(),
                "baselineLabels",
            )?),
            current_labels: labels.and(&LabelSelector::parse(
                self.current_labels.as_deref(),
                "currentLabels",
            )?),
            slices: 0,
        })
    }
}

/// Apps with profiles in a window.
#[utoipa::path(get, path = "/profiles/apps", tag = "profiles",
    params(AppsParams),
    responses(
        (status = 200, description = "Sorted, unique app names", body = AppList),
        (status = 400, description = "Invalid window", body = ErrorBody,
            example = json!({"error": "from must be before to, got from=20 to=10", "code": "invalid_time_window"})),
        PyroscopeFailure,
    ))]
pub async fn apps(
    sor: web::Data<dyn ProfileDataSor>,
    query: web::Query<AppsParams>,
) -> Result<HttpResponse, ApiError> {
    let window = TimeWindow::resolve(query.from, query.to, now_floored())?;
    let apps = sor.apps(window).await?;
    Ok(HttpResponse::Ok().json(AppList { apps }))
}

/// One app's functions ranked by self time.
#[utoipa::path(get, path = "/profiles/{appName}", tag = "profiles",
    params(("appName" = inline(crate::model::AppName), Path, description = "Application name"), ProfileParams),
    responses(
        (status = 200, description = "Ranked functions", body = Profile),
        (status = 400, description = "Invalid app name, type, window or limit", body = ErrorBody,
            example = json!({"error": "limit must be between 1 and 1000, got 0", "code": "invalid_limit"})),
        PyroscopeFailure,
    ))]
pub async fn profile(
    sor: web::Data<dyn ProfileDataSor>,
    app: AppName,
    query: web::Query<ProfileParams>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let Subject {
        app,
        profile_type,
        window,
    } = subject(app, q.profile_type.as_deref(), q.from, q.to)?;
    let request = ProfileQuery {
        app,
        profile_type,
        window,
        limit: limit(q.limit, PROFILE_LIMIT)?,
        labels: LabelSelector::parse(q.labels.as_deref(), "labels")?,
    };
    Ok(HttpResponse::Ok().json(sor.profile(request).await?))
}

/// How finely `GET /profiles/{appName}/diff` cuts its windows (SPEC §14).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlicesParam {
    /// Each window is also read in this many equal parts (at most one per 10 s; 0 = off,
    /// at most 60): the windows gain `parts`, their functions `partSelfSamples`.
    #[param(example = 10, minimum = 0, maximum = 60)]
    pub slices: Option<i64>,
}

/// One app's functions in a baseline and a current window.
#[utoipa::path(get, path = "/profiles/{appName}/diff", tag = "profiles",
    params(("appName" = inline(crate::model::AppName), Path, description = "Application name"), DiffParams, SlicesParam),
    responses(
        (status = 200, description = "Both windows' ranked functions", body = ProfileDiff),
        (status = 400, description = "Invalid app name, type, window or limit", body = ErrorBody,
            example = json!({"error": "unknown profile type `stack`; valid values: cpu, alloc, lock, wall, inuse", "code": "invalid_profile_type"})),
        PyroscopeFailure,
    ))]
pub async fn diff(
    sor: web::Data<dyn ProfileDataSor>,
    app: AppName,
    query: web::Query<DiffParams>,
    slices: web::Query<SlicesParam>,
) -> Result<HttpResponse, ApiError> {
    let mut request = query.into_inner().query(app, DIFF_LIMIT)?;
    request.slices = parse_slices(slices.into_inner().slices)?;
    Ok(HttpResponse::Ok().json(sor.diff(request).await?))
}

/// What every per-app route reads first, typed once.
pub(super) struct Subject {
    pub(super) app: AppName,
    /// Default cpu.
    pub(super) profile_type: ProfileType,
    /// The current window.
    pub(super) window: TimeWindow,
}

/// The app, the profile type and the current window of a per-app route.
pub(super) fn subject(
    app: AppName,
    profile_type: Option<&str>,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<Subject, InputError> {
    Ok(Subject {
        app,
        profile_type: self::profile_type(profile_type)?,
        window: TimeWindow::resolve(from, to, now_floored())?,
    })
}

/// `type`, defaulting to cpu.
fn profile_type(raw: Option<&str>) -> Result<ProfileType, InputError> {
    raw.map_or(Ok(ProfileType::Cpu), str::parse)
}

/// `limit` within `1..=max`; read as i64 so a negative value is an `invalid_limit`, not a
/// generic query error.
pub(super) fn limit(raw: Option<i64>, (default, max): (u32, u32)) -> Result<u32, InputError> {
    parse_limit(raw, default, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_checked_including_negative_values() {
        assert_eq!(limit(None, PROFILE_LIMIT).unwrap(), 50);
        assert_eq!(limit(None, DIFF_LIMIT).unwrap(), 500);
        assert_eq!(limit(Some(5000), DIFF_LIMIT).unwrap(), 5000);
        for bad in [0, -1, 1001, i64::MAX] {
            let err = limit(Some(bad), PROFILE_LIMIT).unwrap_err();
            assert_eq!(err.code(), "invalid_limit");
            assert!(err.to_string().contains(&bad.to_string()), "{err}");
        }
    }
}

//! `GET /profiles/{appName}/sites`: where the functions of an app's profile live in the source
//! (docs/regressions.md#the-change-that-caused-it), which is how the regression examiner in another
//! process ranks a regression's commits.

use actix_web::{web, HttpResponse};

use super::model::FunctionSites;
use super::selection::{LabelsParam, Selection, TypeParam, WindowParams};
use crate::{endpoints, ProfileDataSor};
use pf_http::error::{ApiError, ErrorBody, UpstreamErrors};
use pf_http::extract::AppNameParam;
use pf_http::routing::resource;

/// Mounts the route; expects `web::Data<dyn ProfileDataSor>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/profiles/{appName}/sites").route(web::get().to(sites)));
}

/// The OpenAPI paths of this route.
#[derive(utoipa::OpenApi)]
#[openapi(paths(sites), components(schemas(FunctionSites)))]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// Where the functions of one profile live in the source.
///
/// Each function of the window's profile (named as `/profiles/{appName}` ranks it) with its
/// file, its first line and the lines its samples were taken at, by name then file. From
/// pprof files, their `Function.filename`, `Function.start_line` and sampled `Line.line`s (a
/// py-spy frame `handle (app.py:12)` without a file: `app.py`, line 12); a function without a
/// file is left out. From Grafana Pyroscope, its merged pprof of the window (the same fields);
/// its legacy API has no lines (501).
#[utoipa::path(get, path = endpoints::SITES.path, tag = "profiles",
    params(AppNameParam, TypeParam, WindowParams, LabelsParam),
    responses(
        (status = 200, description = "The functions' sites", body = FunctionSites),
        (status = 400, description = "Invalid app name, type, window or labels", body = ErrorBody,
            example = json!({"error": "unknown profile type `stack`; valid values: cpu, alloc, lock, wall, inuse", "code": "invalid_profile_type"})),
        (status = 501, description = "The profile source has no files or lines (the legacy Pyroscope API)", body = ErrorBody,
            example = json!({"error": "the legacy Pyroscope API answers flame graphs only, which hold no files or lines", "code": "not_implemented"})),
        UpstreamErrors,
    ))]
pub async fn sites(
    sor: web::Data<dyn ProfileDataSor>,
    selection: Selection,
) -> Result<HttpResponse, ApiError> {
    let sites = sor.sites(selection.query(1)).await?;
    Ok(HttpResponse::Ok().json(FunctionSites { sites }))
}

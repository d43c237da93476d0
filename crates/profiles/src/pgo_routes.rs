//! `GET /pgo/{appName}`: the window's CPU profile as the file Go's compiler takes for
//! profile-guided optimisation (docs/gate.md#a-profile-for-the-compiler),
//! `go build -pgo=default.pgo`.

use std::num::NonZeroUsize;

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::PgoQuery;
use super::selection::{Labels, LabelsParam, Window, WindowParams};
use crate::{endpoints, ProfileDataSor};
use pf_http::error::{ApiError, ErrorBody, UpstreamErrors};
use pf_http::extract::App;
use pf_http::extract::AppNameParam;
use pf_http::routing::resource;
use pf_model::{AppName, InputError, LabelSelector, TimeWindow};

/// Mounts the route; expects `web::Data<dyn ProfileDataSor>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/pgo/{appName}").route(web::get().to(pgo)));
}

/// The OpenAPI paths of this route.
#[derive(utoipa::OpenApi)]
#[openapi(paths(pgo))]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// The answer's body in the document: a gzip pprof, bytes.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PgoFile(#[allow(dead_code)] Vec<u8>);

/// Query of `GET /pgo/{appName}` besides its window and labels.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PgoParams {
    /// Each stack cut to this many innermost (leaf-side) locations and equal stacks merged,
    /// as `profilecli query go-pgo` does; a positive integer (default: every location).
    #[param(minimum = 1, example = 5)]
    pub keep_locations: Option<i64>,
}

impl PgoParams {
    fn query(
        self,
        app: AppName,
        window: TimeWindow,
        labels: LabelSelector,
    ) -> Result<PgoQuery, InputError> {
        let keep_locations = match self.keep_locations {
            None => None,
            Some(n) => Some(
                usize::try_from(n)
                    .ok()
                    .and_then(NonZeroUsize::new)
                    .ok_or_else(|| {
                        InputError::new(
                            "invalid_keep_locations",
                            format!("keep_locations must be a positive integer, got {n}"),
                        )
                    })?,
            ),
        };
        Ok(PgoQuery {
            app,
            window,
            labels,
            keep_locations,
        })
    }
}

/// One merged CPU profile for Go's compiler (`go build -pgo=`).
///
/// The window's CPU profiles merged into one gzip pprof, `default.pgo`: Go's sample types
/// (`samples/count`, `cpu/nanoseconds`), functions with their files and start lines, and
/// inlined frames as they came. From pprof files every detail is kept; from Pyroscope the
/// merged flame graph names functions only. A non-Go profile is served as it is (the compiler
/// ignores what it does not know). In CI: `curl -fsS -o default.pgo "$SERVICE/pgo/$APP"`,
/// then `go build -pgo=default.pgo`.
#[utoipa::path(get, path = endpoints::PGO.path, tag = "profiles",
    params(AppNameParam, WindowParams, LabelsParam, PgoParams),
    responses(
        (status = 200, description = "The merged CPU profile, a gzip pprof (`default.pgo`)",
            content_type = "application/octet-stream", body = inline(PgoFile),
            headers(("Content-Disposition" = String, description = "attachment; filename=\"default.pgo\""))),
        (status = 400, description = "Invalid app name, window, labels or keep_locations", body = ErrorBody,
            example = json!({"error": "keep_locations must be a positive integer, got 0", "code": "invalid_keep_locations"})),
        (status = 404, description = "No CPU profile of the app in the window", body = ErrorBody,
            example = json!({"error": "no CPU profile of checkout in 1700000000..1700003600", "code": "not_found"})),
        (status = 501, description = "The profile source has no files or lines (the legacy Pyroscope API)", body = ErrorBody,
            example = json!({"error": "the legacy Pyroscope API answers flame graphs only, which hold no files or lines", "code": "not_implemented"})),
        UpstreamErrors,
    ))]
pub async fn pgo(
    sor: web::Data<dyn ProfileDataSor>,
    App(app): App,
    Window(window): Window,
    Labels(labels): Labels,
    query: web::Query<PgoParams>,
) -> Result<HttpResponse, ApiError> {
    let profile = sor
        .pgo(query.into_inner().query(app, window, labels)?)
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename("default.pgo".into())],
        })
        .body(profile))
}

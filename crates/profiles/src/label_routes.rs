//! `GET /profiles/{appName}/labels/{labelName}`: the values of one label on an app's profiles,
//! which is how the profile watcher in another process learns the versions of a slice.

use actix_web::{web, HttpResponse};

use super::model::{LabelQuery, LabelValues};
use super::selection::{Scope, TypeParam, WindowParams};
use crate::{endpoints, ProfileDataSor};
use pf_http::error::{ApiError, ErrorBody, UpstreamErrors};
use pf_http::extract::{AppNameParam, AppPath};
use pf_http::routing::resource;
use pf_model::{is_label_name, InputError};

/// Mounts the route; expects `web::Data<dyn ProfileDataSor>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/profiles/{appName}/labels/{labelName}").route(web::get().to(label_values)),
    );
}

/// The OpenAPI paths of this route.
#[derive(utoipa::OpenApi)]
#[openapi(paths(label_values), components(schemas(LabelValues)))]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// The values of one label on an app's profiles of one type in a window.
///
/// From Pyroscope, its label index for the app's series; from pprof files, the string labels
/// of their samples.
#[utoipa::path(get, path = endpoints::LABEL_VALUES.path, tag = "profiles",
    params(
        AppNameParam,
        ("labelName" = String, Path, description = "Label name, e.g. version",
            pattern = "^[a-zA-Z_][a-zA-Z0-9_]{0,127}$"),
        TypeParam, WindowParams),
    responses(
        (status = 200, description = "The label's values", body = LabelValues),
        (status = 400, description = "Invalid app name, label name, type or window", body = ErrorBody),
        UpstreamErrors,
    ))]
pub async fn label_values(
    sor: web::Data<dyn ProfileDataSor>,
    scope: Scope,
    path: AppPath<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (_, name) = path.into_inner();
    if name.len() > 128 || !is_label_name(&name) {
        return Err(InputError::new(
            "invalid_label_name",
            "labelName must be a label name ([a-zA-Z_][a-zA-Z0-9_]*, at most 128 characters)",
        )
        .into());
    }
    let Scope {
        app,
        profile_type,
        window,
    } = scope;
    let query = LabelQuery {
        app,
        profile_type,
        window,
        name,
    };
    let values = sor.label_values(query).await?;
    Ok(HttpResponse::Ok().json(LabelValues { values }))
}

//! `GET /profiles/{appName}/labels/{labelName}`: the values of one label on an app's profiles,
//! which is how the profile watcher in another process learns the versions of a slice.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::LabelValues;
use super::routes::{subject, PyroscopeFailure, Subject};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::routing::{resource, AppPath};
use crate::model::{is_label_name, AppName, InputError};
use crate::profiles::ProfileDataSor;

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

/// Query of `GET /profiles/{appName}/labels/{labelName}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LabelParams {
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
}

/// The values of one label on an app's profiles of one type in a window.
///
/// From Pyroscope, its label index for the app's series; from pprof files, the string labels
/// of their samples.
#[utoipa::path(get, path = "/profiles/{appName}/labels/{labelName}", tag = "profiles",
    params(
        ("appName" = inline(crate::model::AppName), Path, description = "Application name"),
        ("labelName" = String, Path, description = "Label name, e.g. version",
            pattern = "^[a-zA-Z_][a-zA-Z0-9_]{0,127}$"),
        LabelParams),
    responses(
        (status = 200, description = "The label's values", body = LabelValues),
        (status = 400, description = "Invalid app name, label name, type or window", body = ErrorBody),
        PyroscopeFailure,
    ))]
pub async fn label_values(
    sor: web::Data<dyn ProfileDataSor>,
    app: AppName,
    path: AppPath<(String, String)>,
    query: web::Query<LabelParams>,
) -> Result<HttpResponse, ApiError> {
    let (_, name) = path.into_inner();
    if name.len() > 128 || !is_label_name(&name) {
        return Err(InputError::new(
            "invalid_label_name",
            "labelName must be a label name ([a-zA-Z_][a-zA-Z0-9_]*, at most 128 characters)",
        )
        .into());
    }
    let query = query.into_inner();
    let Subject {
        app,
        profile_type,
        window,
    } = subject(app, query.profile_type.as_deref(), query.from, query.to)?;
    let values = sor.label_values(app, profile_type, window, name).await?;
    Ok(HttpResponse::Ok().json(LabelValues { values }))
}

//! The OpenAPI document, assembled from every module's annotations.

use utoipa::OpenApi;

use crate::settings::Function;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pyroscope profiling functions",
        description = "Turns Grafana Pyroscope profiles into triage, diff reports and fleet hotspots, \
                       with approved baselines, an audit trail, a service registry and alert rules in PostgreSQL."
    ),
    paths(
        crate::health::health,
        crate::health::live,
        crate::health::ready,
        crate::telemetry::metrics,
        crate::sor::baseline::routes::create,
        crate::sor::baseline::routes::list_by_app,
        crate::sor::baseline::routes::list_by_type,
        crate::sor::baseline::routes::update,
        crate::sor::baseline::routes::delete,
        crate::sor::history::routes::create,
        crate::sor::history::routes::list,
        crate::sor::history::routes::latest,
        crate::sor::history::routes::delete,
        crate::sor::registry::routes::create,
        crate::sor::registry::routes::list,
        crate::sor::registry::routes::get,
        crate::sor::registry::routes::update,
        crate::sor::registry::routes::delete,
        crate::sor::alert_rule::routes::create,
        crate::sor::alert_rule::routes::list,
        crate::sor::alert_rule::routes::get,
        crate::sor::alert_rule::routes::active,
        crate::sor::alert_rule::routes::update,
        crate::sor::alert_rule::routes::delete,
        crate::sor::profile_data::routes::apps,
        crate::sor::profile_data::routes::profile,
        crate::sor::profile_data::routes::diff,
    ),
    components(schemas(crate::error::ErrorBody)),
    tags(
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "baselines", description = "Approved per-function thresholds (ReadPyroscopeBaseline.sor.v1)"),
        (name = "history", description = "Audit trail of assessments (CreatePyroscopeTriageHistory.sor.v1)"),
        (name = "services", description = "Service registry (ReadPyroscopeServiceRegistry.sor.v1)"),
        (name = "rules", description = "Profiling alert rules (ReadPyroscopeAlertRule.sor.v1)"),
        (name = "profiles", description = "Ranked functions from Pyroscope (ReadPyroscopeProfile.sor.v1)"),
    )
)]
pub struct ApiDoc;

/// The function whose routes live under a path, or `None` for operational routes.
pub fn owner_of(path: &str) -> Option<Function> {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    match first {
        "baselines" => Some(Function::BaselineSor),
        "history" => Some(Function::HistorySor),
        "services" => Some(Function::RegistrySor),
        "rules" => Some(Function::AlertRuleSor),
        "profiles" => Some(Function::ProfileDataSor),
        _ => None,
    }
}

/// The document as this process serves it: only the routes it hosts.
pub fn document_for(function: Function) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.paths
        .paths
        .retain(|path, _| owner_of(path).is_none_or(|owner| function.hosts(owner)));
    doc
}

/// The whole document, pretty-printed, as committed in `openapi/openapi.json`.
pub fn pretty_json() -> Result<String, serde_json::Error> {
    ApiDoc::openapi().to_pretty_json()
}

//! The OpenAPI document, assembled from every module's annotations.

use utoipa::OpenApi;

use crate::settings::{Bor, Function};

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
        crate::bor::triage::routes::triage,
        crate::bor::diff_report::routes::diff,
        crate::bor::fleet_search::routes::search,
        crate::bor::fleet_search::routes::hotspots,
    ),
    components(schemas(
        crate::error::ErrorBody,
        crate::bor::triage::model::UnavailableType,
        crate::bor::triage::model::Assessment,
        crate::bor::triage::model::EvidenceBody,
        crate::bor::triage::model::BaselineViolation,
    )),
    tags(
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "baselines", description = "Approved per-function thresholds (ReadPyroscopeBaseline.sor.v1)"),
        (name = "history", description = "Audit trail of assessments (CreatePyroscopeTriageHistory.sor.v1)"),
        (name = "services", description = "Service registry (ReadPyroscopeServiceRegistry.sor.v1)"),
        (name = "rules", description = "Profiling alert rules (ReadPyroscopeAlertRule.sor.v1)"),
        (name = "profiles", description = "Ranked functions from Pyroscope (ReadPyroscopeProfile.sor.v1)"),
        (name = "triage", description = "Per-type diagnosis of an app (ReadPyroscopeTriageAssessment.v1/.v2)"),
        (name = "diff", description = "What changed between two windows (ReadPyroscopeDiffReport.v1/.v2)"),
        (name = "fleet", description = "A function across every app, and the fleet's hotspots (ReadPyroscopeFleetSearch.v1/.v2)"),
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

/// The business function whose routes live under a path, or `None`.
pub fn bor_of(path: &str) -> Option<Bor> {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    match first {
        "triage" => Some(Bor::Triage),
        "diff" => Some(Bor::DiffReport),
        "search" | "fleet" => Some(Bor::FleetSearch),
        _ => None,
    }
}

/// The document as this process serves it: only the routes it hosts.
pub fn document_for(function: Function) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.paths.paths.retain(|path, _| match bor_of(path) {
        Some(bor) => function.bor_version(bor).is_some(),
        None => owner_of(path).is_none_or(|owner| function.hosts(owner)),
    });
    doc
}

/// The whole document, pretty-printed, as committed in `openapi/openapi.json`.
pub fn pretty_json() -> Result<String, serde_json::Error> {
    ApiDoc::openapi().to_pretty_json()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bor_route_is_documented_with_its_answers() {
        let doc = ApiDoc::openapi();
        let json = serde_json::to_value(&doc).unwrap();
        for (path, statuses) in [
            ("/triage/{appName}", ["200", "400", "502"]),
            ("/diff/{appName}", ["200", "400", "502"]),
            ("/search", ["200", "400", "502"]),
            ("/fleet/hotspots", ["200", "400", "502"]),
        ] {
            let responses = &json["paths"][path]["get"]["responses"];
            for status in statuses {
                assert!(responses.get(status).is_some(), "{path} {status}");
            }
        }
        let diff_ok = &json["paths"]["/diff/{appName}"]["get"]["responses"]["200"]["content"];
        assert!(diff_ok.get("application/json").is_some());
        assert!(diff_ok["text/markdown"]["example"].is_string());
        for schema in [
            "TriageReport",
            "DiffReport",
            "SearchReport",
            "HotspotReport",
        ] {
            let s = &json["components"]["schemas"][schema];
            assert!(s.get("example").is_some(), "{schema} has an example");
        }
    }

    #[test]
    fn a_bor_process_documents_only_its_own_routes() {
        let doc = document_for(Function::DiffReportV1);
        let paths: Vec<&String> = doc.paths.paths.keys().collect();
        assert!(paths.iter().any(|p| p.as_str() == "/diff/{appName}"));
        assert!(!paths
            .iter()
            .any(|p| p.starts_with("/triage") || p.starts_with("/baselines")));
        assert!(paths.iter().any(|p| p.as_str() == "/health"));
        let all = document_for(Function::All);
        assert!(all.paths.paths.contains_key("/fleet/hotspots"));
        let sor = document_for(Function::BaselineSor);
        assert!(!sor.paths.paths.contains_key("/search"));
    }
}

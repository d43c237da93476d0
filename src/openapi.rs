//! The OpenAPI document, assembled from every module's annotations.

use utoipa::OpenApi;

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
        crate::health::metrics,
    ),
    components(schemas(crate::error::ErrorBody)),
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

/// How a route module describes itself: its `RoutesDoc::openapi`.
pub type RoutesDoc = fn() -> utoipa::openapi::OpenApi;

/// Every route module's paths, in the order the document lists its tags.
pub const ALL_ROUTES: [RoutesDoc; 10] = [
    crate::sor::baseline::routes::RoutesDoc::openapi,
    crate::sor::history::routes::RoutesDoc::openapi,
    crate::sor::registry::routes::RoutesDoc::openapi,
    crate::sor::alert_rule::routes::RoutesDoc::openapi,
    crate::sor::profile_data::routes::RoutesDoc::openapi,
    crate::sor::profile_data::tree_routes::RoutesDoc::openapi,
    crate::bor::triage::routes::RoutesDoc::openapi,
    crate::bor::diff_report::routes::RoutesDoc::openapi,
    crate::bor::fleet_search::routes::RoutesDoc::openapi,
    crate::bor::alerting::routes::RoutesDoc::openapi,
];

/// The document of a process that hosts `routes`: the operational routes and theirs.
pub fn document(routes: &[RoutesDoc]) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for module in routes {
        doc.merge(module());
    }
    doc
}

/// The whole document, pretty-printed, as committed in `openapi/openapi.json`.
pub fn pretty_json() -> Result<String, serde_json::Error> {
    document(&ALL_ROUTES).to_pretty_json()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bor_route_is_documented_with_its_answers() {
        let doc = document(&ALL_ROUTES);
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
    fn a_process_documents_only_the_routes_it_hosts() {
        let doc = document(&[crate::bor::diff_report::routes::RoutesDoc::openapi]);
        let paths: Vec<&String> = doc.paths.paths.keys().collect();
        assert!(paths.iter().any(|p| p.as_str() == "/diff/{appName}"));
        assert!(!paths
            .iter()
            .any(|p| p.starts_with("/triage") || p.starts_with("/baselines")));
        assert!(paths.iter().any(|p| p.as_str() == "/health"));
        let all = document(&ALL_ROUTES);
        assert!(all.paths.paths.contains_key("/fleet/hotspots"));
        assert!(all
            .components
            .is_some_and(|c| c.schemas.contains_key("Assessment")));
    }
}

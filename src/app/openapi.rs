//! The OpenAPI document, assembled from every module's annotations.

use utoipa::OpenApi;

use pf_http::auth_settings::DEFAULT_EXEMPT;
use pf_http::openapi::require_a_field;
pub use pf_http::openapi::{secured, BEARER_SCHEME};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pyroscope profiling functions",
        description = "Turns Grafana Pyroscope profiles into triage, diff reports and fleet hotspots, \
                       with approved baselines, an audit trail, a service registry and alert rules in PostgreSQL."
    ),
    components(schemas(pf_http::error::ErrorBody)),
    tags(
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "baselines", description = "Approved per-function thresholds (ReadPyroscopeBaseline.sor.v1)"),
        (name = "history", description = "Audit trail of assessments (CreatePyroscopeTriageHistory.sor.v1)"),
        (name = "services", description = "Service registry (ReadPyroscopeServiceRegistry.sor.v1)"),
        (name = "rules", description = "Profiling alert rules (ReadPyroscopeAlertRule.sor.v1)"),
        (name = "profiles", description = "Ranked functions from Pyroscope (ReadPyroscopeProfile.sor.v1)"),
        (name = "ingest", description = "Profiles pushed by agents: Pyroscope SDKs and OpenTelemetry (ReadPyroscopeProfile.sor.v1)"),
        (name = "querier", description = "Pyroscope's query API over the service's own store, for Grafana (ReadPyroscopeProfile.sor.v1)"),
        (name = "triage", description = "Per-type diagnosis of an app (ReadPyroscopeTriageAssessment.v1/.v2)"),
        (name = "diff", description = "What changed between two windows (ReadPyroscopeDiffReport.v1/.v2)"),
        (name = "fleet", description = "A function across every app, and the fleet's hotspots (ReadPyroscopeFleetSearch.v1/.v2)"),
        (name = "alerts", description = "Alert rules evaluated and delivered (EvaluatePyroscopeAlertRules.v1)"),
        (name = "trends", description = "Every app's profiles over time, slice by slice (WatchPyroscopeProfiles.v1)"),
        (name = "regressions", description = "Regressions found without rules: detected, explained, delivered (WatchPyroscopeProfiles.v1)"),
        (name = "front door", description = "Where a person starts: every app, its open regressions and leaks, and links (WatchPyroscopeProfiles.v1)"),
    )
)]
pub struct ApiDoc;

/// How a route module describes itself: its `RoutesDoc::openapi`.
pub use pf_http::routing::RoutesDoc;

/// Every route module's paths, in the order the document lists its tags.
pub const ALL_ROUTES: [RoutesDoc; 19] = [
    pf_baselines::ROUTES.doc,
    pf_history::ROUTES.doc,
    pf_registry::ROUTES.doc,
    pf_alerts::RULE_ROUTES.doc,
    pf_profiles::ROUTES.doc,
    pf_profiles::TREE_ROUTES.doc,
    pf_profiles::LABEL_ROUTES.doc,
    pf_profiles::SITE_ROUTES.doc,
    pf_profiles::PGO_ROUTES.doc,
    pf_ingest::ROUTES.doc,
    pf_querier::ROUTES.doc,
    pf_triage::ROUTES.doc,
    pf_diff_report::ROUTES.doc,
    pf_fleet_search::ROUTES.doc,
    pf_alerts::ROUTES.doc,
    pf_watch::ROUTES.doc,
    pf_watch::FLEET_ROUTES.doc,
    pf_regressions::ROUTES.doc,
    pf_front_door::ROUTES.doc,
];

/// The document of a process that hosts `routes`: the operational routes and theirs.
pub fn document(routes: &[RoutesDoc]) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge((pf_health::ROUTES.doc)());
    for module in routes {
        doc.merge(module());
    }
    require_a_field(&mut doc, &PARTIAL_UPDATES);
    head_limits(&mut doc);
    doc
}

/// Every operation may be answered 414 or 431 by the edge (`pf_http::routing::within_head_limits`)
/// before its route is reached: said once here rather than on each route.
fn head_limits(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let answer = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let responses = &mut operation.responses.responses;
            responses.entry("414".to_owned()).or_insert_with(|| {
                answer("The request target is longer than the edge answers (48 KiB)").into()
            });
            responses.entry("431".to_owned()).or_insert_with(|| {
                answer("The request headers are larger than the edge answers (32 KiB)").into()
            });
        }
    }
}

/// Partial-update bodies, which must name at least one field (the server answers `{}` with 400).
/// `#[schema(min_properties = 1)]` would say so, but utoipa-gen 5.5 writes that attribute out
/// as `maxProperties`; so it is stated here.
const PARTIAL_UPDATES: [&str; 3] = [
    "UpdateBaselineRequest",
    "UpdateAlertRuleRequest",
    "UpdateServiceRequest",
];

/// The whole document, pretty-printed, as committed in `openapi/openapi.json`: as a process
/// serving everything with tokens required (and the default exempt paths) serves it.
pub fn pretty_json() -> Result<String, serde_json::Error> {
    let exempt: Vec<String> = DEFAULT_EXEMPT.iter().map(|p| (*p).to_owned()).collect();
    secured(document(&ALL_ROUTES), &exempt).to_pretty_json()
}

#[cfg(test)]
#[path = "openapi_tests.rs"]
mod tests;

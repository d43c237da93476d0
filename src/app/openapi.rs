//! The OpenAPI document, assembled from every module's annotations.

use utoipa::openapi::header::Header;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, RefOr, ResponseBuilder, Schema, Type};
use utoipa::OpenApi;

use crate::http::auth::is_exempt;
use crate::http::auth_settings::DEFAULT_EXEMPT;

/// The name of the bearer scheme in `components.securitySchemes`.
pub const BEARER_SCHEME: &str = "bearerToken";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pyroscope profiling functions",
        description = "Turns Grafana Pyroscope profiles into triage, diff reports and fleet hotspots, \
                       with approved baselines, an audit trail, a service registry and alert rules in PostgreSQL."
    ),
    paths(
        crate::app::health::health,
        crate::app::health::live,
        crate::app::health::ready,
        crate::app::health::metrics,
    ),
    components(schemas(crate::http::error::ErrorBody)),
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
pub type RoutesDoc = fn() -> utoipa::openapi::OpenApi;

/// Every route module's paths, in the order the document lists its tags.
pub const ALL_ROUTES: [RoutesDoc; 19] = [
    crate::baselines::routes::RoutesDoc::openapi,
    crate::history::routes::RoutesDoc::openapi,
    crate::registry::routes::RoutesDoc::openapi,
    crate::alerts::rules::routes::RoutesDoc::openapi,
    crate::profiles::routes::RoutesDoc::openapi,
    crate::profiles::tree_routes::RoutesDoc::openapi,
    crate::profiles::label_routes::RoutesDoc::openapi,
    crate::profiles::site_routes::RoutesDoc::openapi,
    crate::profiles::pgo_routes::RoutesDoc::openapi,
    crate::ingest::routes::RoutesDoc::openapi,
    crate::querier::routes::RoutesDoc::openapi,
    crate::triage::routes::RoutesDoc::openapi,
    crate::diff_report::routes::RoutesDoc::openapi,
    crate::fleet_search::routes::RoutesDoc::openapi,
    crate::alerts::routes::RoutesDoc::openapi,
    crate::watch::routes::RoutesDoc::openapi,
    crate::watch::fleet_routes::RoutesDoc::openapi,
    crate::regressions::routes::RoutesDoc::openapi,
    crate::front_door::routes::RoutesDoc::openapi,
];

/// The document of a process that hosts `routes`: the operational routes and theirs.
pub fn document(routes: &[RoutesDoc]) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for module in routes {
        doc.merge(module());
    }
    require_a_field(&mut doc);
    doc
}

/// Partial-update bodies, which must name at least one field (the server answers `{}` with 400).
/// `#[schema(min_properties = 1)]` would say so, but utoipa-gen 5.5 writes that attribute out
/// as `maxProperties`; so it is stated here.
const PARTIAL_UPDATES: [&str; 3] = [
    "UpdateBaselineRequest",
    "UpdateAlertRuleRequest",
    "UpdateServiceRequest",
];

fn require_a_field(doc: &mut utoipa::openapi::OpenApi) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for name in PARTIAL_UPDATES {
        if let Some(RefOr::T(Schema::Object(body))) = components.schemas.get_mut(name) {
            body.min_properties = Some(1);
        }
    }
}

/// `doc` as served when tokens are required: the bearer scheme (Swagger UI's Authorize
/// button), required by every operation except those on `exempt` paths, whose 401 and (for
/// methods that change something) 403 answers are listed.
pub fn secured(mut doc: utoipa::openapi::OpenApi, exempt: &[String]) -> utoipa::openapi::OpenApi {
    let scheme = SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer));
    let error = |description: &str| {
        let body = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build();
        ResponseBuilder::new()
            .description(description)
            .content("application/json", body)
    };
    let mut challenge = Header::new(ObjectBuilder::new().schema_type(Type::String));
    challenge.description = Some("`Bearer`".into());
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(BEARER_SCHEME, scheme);
    let unauthorized = error("No known bearer token").header("WWW-Authenticate", challenge);
    (components.responses).insert(UNAUTHORIZED.into(), unauthorized.build().into());
    let forbidden = error("A read-only token on a method that changes something");
    (components.responses).insert(FORBIDDEN.into(), forbidden.build().into());
    let no_scopes = Vec::<String>::new();
    doc.security = Some(vec![SecurityRequirement::new(BEARER_SCHEME, no_scopes)]);
    for (path, item) in doc.paths.paths.iter_mut() {
        let open = is_exempt(exempt, path);
        let operations = [
            (&mut item.get, false),
            (&mut item.head, false),
            (&mut item.options, false),
            (&mut item.trace, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, true),
        ];
        for (operation, writes) in operations {
            if let Some(operation) = operation {
                document_access(operation, open, writes);
            }
        }
    }
    doc
}

/// The names of the shared 401 and 403 answers under `components.responses`.
const UNAUTHORIZED: &str = "Unauthorized";
const FORBIDDEN: &str = "Forbidden";

fn document_access(operation: &mut Operation, open: bool, writes: bool) {
    if open {
        // An empty list: this operation needs no token.
        operation.security = Some(Vec::new());
        return;
    }
    let shared = |name: &str| RefOr::Ref(Ref::new(format!("#/components/responses/{name}")));
    let responses = &mut operation.responses.responses;
    responses.insert("401".into(), shared(UNAUTHORIZED));
    if writes {
        responses.insert("403".into(), shared(FORBIDDEN));
    }
}

/// The whole document, pretty-printed, as committed in `openapi/openapi.json`: as a process
/// serving everything with tokens required (and the default exempt paths) serves it.
pub fn pretty_json() -> Result<String, serde_json::Error> {
    let exempt: Vec<String> = DEFAULT_EXEMPT.iter().map(|p| (*p).to_owned()).collect();
    secured(document(&ALL_ROUTES), &exempt).to_pretty_json()
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
        let doc = document(&[crate::diff_report::routes::RoutesDoc::openapi]);
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

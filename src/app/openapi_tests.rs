//! The document lists what each process hosts, with each BOR route's answers.

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
    let doc = document(&[pf_diff_report::ROUTES.doc]);
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

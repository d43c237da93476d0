//! Reading profiles and app lists: the requests Pyroscope gets and the rankings answered.

use pf_formats::formats::flamegraph;
use pyroscope_functions::app::settings::Settings;
use secrecy::SecretString;
use serde_json::{json, Value};
use wiremock::matchers::{
    basic_auth, bearer_token, body_json, body_partial_json, header, method, path, query_param,
};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

use super::{
    java_functions, java_graph, json_for, ok_json, top_java_functions, window, Api, CPU_ID, FROM,
    LABEL_VALUES, RENDER, SELECT, TO,
};
use crate::profile_data::testdata;

/// One API style reading a CPU profile with credentials, as its documentation describes.
struct ReadCase {
    api: Api,
    /// The exact upstream request expected, once: a second limit must come from the cache.
    request: fn() -> MockBuilder,
    credentials: fn(&mut Settings),
    profile_type_id: &'static str,
}

#[tokio::test]
async fn a_profile_is_read_with_the_documented_request_of_either_api_ranked_and_cached() {
    let cases = [
        ReadCase {
            api: Api::Modern,
            request: || {
                Mock::given(method("POST"))
                    .and(path(SELECT))
                    .and(header("content-type", "application/json"))
                    .and(header("x-scope-orgid", "team-a"))
                    .and(basic_auth("reader", "s3cret"))
                    .and(body_json(json!({
                        "profileTypeID": CPU_ID,
                        "labelSelector": "{service_name=\"checkout-service\"}",
                        "start": FROM * 1000,
                        "end": TO * 1000,
                        "maxNodes": 16384
                    })))
            },
            credentials: |s| {
                s.pyroscope.tenant_id = Some("team-a".into());
                s.pyroscope.username = Some("reader".into());
                s.pyroscope.password = Some(SecretString::from("s3cret"));
            },
            profile_type_id: CPU_ID,
        },
        ReadCase {
            api: Api::Legacy,
            request: || {
                Mock::given(method("GET"))
                    .and(path(RENDER))
                    .and(query_param("query", "checkout-service.cpu{}"))
                    .and(query_param("from", FROM.to_string()))
                    .and(query_param("until", TO.to_string()))
                    .and(query_param("format", "json"))
                    .and(query_param("max-nodes", "16384"))
                    .and(header("x-scope-orgid", "team-b"))
                    .and(bearer_token("tok3n"))
            },
            credentials: |s| {
                s.pyroscope.tenant_id = Some("team-b".into());
                s.pyroscope.bearer_token = Some(SecretString::from("tok3n"));
            },
            profile_type_id: "checkout-service.cpu{}",
        },
    ];
    for case in cases {
        let api = case.api;
        let server = MockServer::start().await;
        (case.request)()
            .respond_with(api.answer(&java_graph()))
            .expect(1)
            .named(format!("{api:?} read"))
            .mount(&server)
            .await;
        let app = api.app(&server, case.credentials).await;
        let path = format!("/profiles/checkout-service?{}", window(FROM, TO));
        let body = json_for(&format!("{api:?}"), app.get(&path).await, 200).await;
        let expected = json!({
            "appName": "checkout-service", "profileType": "cpu", "from": FROM, "to": TO,
            "profileTypeId": case.profile_type_id, "totalSamples": 1001, "truncatedPercent": 3.0,
            "functions": java_functions()
        });
        assert_eq!(body, expected, "{api:?}");

        // Another limit of the same query is served from the cache (expect(1) above).
        let path = format!(
            "/profiles/checkout-service?type=CPU&limit=2&{}",
            window(FROM, TO)
        );
        let top2 = json_for(&format!("{api:?} limit=2"), app.get(&path).await, 200).await;
        assert_eq!(top2["functions"], top_java_functions(2), "{api:?} limit=2");
    }
}

#[tokio::test]
async fn quotes_and_backslashes_in_app_names_are_escaped_in_the_selector() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SELECT))
        .and(body_partial_json(
            json!({"labelSelector": r#"{app="we\"ird\\app"}"#}),
        ))
        .respond_with(ok_json(java_graph().connect()))
        .expect(1)
        .mount(&server)
        .await;
    let app = Api::Modern
        .app(&server, |s| s.pyroscope.app_label = "app".into())
        .await;
    let path = format!("/profiles/we%22ird%5Capp?{}", window(FROM, TO));
    let body = json_for("escaped app name", app.get(&path).await, 200).await;
    assert_eq!(body["appName"], r#"we"ird\app"#);
    assert_eq!(body["totalSamples"], 1001);
}

#[tokio::test]
async fn apps_are_listed_sorted_unique_and_cached_in_either_api() {
    let cases: [(Api, MockBuilder, Value, Value); 2] = [
        (
            Api::Modern,
            Mock::given(method("POST"))
                .and(path(LABEL_VALUES))
                .and(body_json(
                    json!({"name": "service_name", "start": FROM * 1000, "end": TO * 1000}),
                )),
            json!({"names": ["payments", "checkout-service", "payments", "inventory"]}),
            json!(["checkout-service", "inventory", "payments"]),
        ),
        (
            // Legacy app names are metric names: the profile type suffix is stripped.
            Api::Legacy,
            Mock::given(method("GET"))
                .and(path("/pyroscope/label-values"))
                .and(query_param("label", "__name__")),
            json!([
                "checkout.cpu",
                "checkout.alloc_in_new_tlab_bytes",
                "com.example.billing.cpu",
                "inventory.wall"
            ]),
            json!(["checkout", "com.example.billing", "inventory"]),
        ),
    ];
    for (api, request, answer, apps) in cases {
        let server = MockServer::start().await;
        let name = format!("{api:?} app list");
        request
            .respond_with(ok_json(answer))
            .expect(1)
            .named(&name)
            .mount(&server)
            .await;
        let app = api.app(&server, |_| {}).await;
        let path = format!("/profiles/apps?{}", window(FROM, TO));
        let body = json_for(&name, app.get(&path).await, 200).await;
        assert_eq!(body["apps"], json!(apps), "{name}");
        // Pyroscope's label index names apps only: their types are left unsaid.
        let unsaid: Vec<_> = apps
            .as_array()
            .unwrap()
            .iter()
            .map(|a| json!({"appName": a, "profileTypes": []}))
            .collect();
        assert_eq!(body["types"], json!(unsaid), "{name}");
        // Cached: the mock expects exactly one call.
        let again = json_for(&name, app.get(&path).await, 200).await;
        assert_eq!(again, body, "{name} (cached)");
    }
}

#[tokio::test]
async fn generated_flame_graphs_are_ranked_like_the_parser_ranks_them() {
    let server = MockServer::start().await;
    let graph = testdata::generate(3_000, 42).to_connect_json();
    let expected = flamegraph::parse_connect(graph.as_bytes()).unwrap();
    Mock::given(method("POST"))
        .and(path(SELECT))
        .respond_with(ResponseTemplate::new(200).set_body_raw(graph, "application/json"))
        .mount(&server)
        .await;
    let app = Api::Modern
        .app(&server, |s| {
            s.pyroscope.truncation_threshold_percent = 100.0
        })
        .await;
    let path = format!("/profiles/jvm?limit=1000&{}", window(FROM, TO));
    let body = json_for("generated graph", app.get(&path).await, 200).await;
    assert_eq!(body["totalSamples"], expected.total_samples);
    let functions = body["functions"].as_array().unwrap();
    assert_eq!(functions.len(), expected.functions.len().min(1000));
    for (i, (got, want)) in functions.iter().zip(&expected.functions).enumerate() {
        assert_eq!(got["name"], want.name.as_str(), "function {i}");
        assert_eq!(got["selfSamples"], want.self_samples, "function {i}");
        assert_eq!(got["totalSamples"], want.total_samples, "function {i}");
    }
    let truncated = body["truncatedPercent"].as_f64().unwrap();
    assert!(truncated > 0.0);
    assert!((truncated - expected.truncated_percent()).abs() <= 0.005);
}

//! `/profiles` against a stub Pyroscope (wiremock), in both API styles.

use std::time::{Duration, Instant};

use pyroscope_functions::settings::{PyroscopeApi, Settings};
use pyroscope_functions::sor::profile_data::flamegraph;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{json, Value};
use url::Url;
use wiremock::matchers::{
    basic_auth, bearer_token, body_json, body_partial_json, header, method, path, query_param,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{
    assert_error, free_port, json_with_status, spawn_app_with, spawn_profile_data_sor, TestApp,
};
use crate::profile_data::testdata;

const FROM: i64 = 1_700_000_000;
const TO: i64 = 1_700_003_600;
const HOUR: i64 = 3600;
const CPU_ID: &str = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
const TLAB_ID: &str = "memory:alloc_in_new_tlab_bytes:bytes:space:bytes";
const ALLOC_SPACE_ID: &str = "memory:alloc_space:bytes:space:bytes";
const SELECT: &str = "/querier.v1.QuerierService/SelectMergeStacktraces";
const SERIES: &str = "/querier.v1.QuerierService/Series";
const LABEL_VALUES: &str = "/querier.v1.QuerierService/LabelValues";

// ---------------------------------------------------------------------------------------------
// Flame graphs

/// A flame graph as names plus delta-encoded `[offset, total, self, name]` levels.
struct Graph {
    names: &'static [&'static str],
    levels: Vec<Vec<i64>>,
    total: i64,
}

impl Graph {
    /// Connect JSON, int64 values as strings as Pyroscope 1.x sends them.
    fn connect(&self) -> Value {
        let levels: Vec<Value> = self
            .levels
            .iter()
            .map(|l| json!({ "values": l.iter().map(i64::to_string).collect::<Vec<_>>() }))
            .collect();
        json!({"flamegraph": {
            "names": self.names, "levels": levels,
            "total": self.total.to_string(), "maxSelf": "670"
        }})
    }

    /// Legacy flamebearer JSON as Pyroscope OG's `/render?format=json` sends it.
    fn legacy(&self) -> Value {
        json!({
            "version": 1,
            "flamebearer": {"names": self.names, "levels": self.levels, "numTicks": self.total, "maxSelf": 670},
            "metadata": {"format": "single", "spyName": "javaspy", "sampleRate": 100, "units": "samples", "name": "cpu"},
            "timeline": {"startTime": FROM, "samples": [1, 2], "durationDelta": 10}
        })
    }
}

/// A Java service: `HashMap.resize` reached from two call sites, GC threads, a little `other`.
///
/// ```text
/// total 1001
/// ├─ java/lang/Thread.run 800
/// │  ├─ CheckoutService.handle 600 (self 100)
/// │  │  ├─ java/util/HashMap.resize 470
/// │  │  └─ other 30
/// │  └─ java/util/HashMap.resize 200
/// └─ G1 Young Generation 201
/// ```
fn java_graph() -> Graph {
    Graph {
        names: &[
            "total",
            "java/lang/Thread.run",
            "com/example/checkout/CheckoutService.handle",
            "java/util/HashMap.resize",
            "G1 Young Generation",
            "other",
        ],
        levels: vec![
            vec![0, 1001, 0, 0],
            vec![0, 800, 0, 1, 0, 201, 201, 4],
            vec![0, 600, 100, 2, 0, 200, 200, 3],
            vec![0, 470, 470, 3, 0, 30, 30, 5],
        ],
        total: 1001,
    }
}

/// The ranking of [`java_graph`], as the API answers it.
fn java_functions() -> Value {
    json!([
        {"name": "java/util/HashMap.resize", "selfPercent": 66.93, "selfSamples": 670, "totalSamples": 670},
        {"name": "G1 Young Generation", "selfPercent": 20.08, "selfSamples": 201, "totalSamples": 201},
        {"name": "com/example/checkout/CheckoutService.handle", "selfPercent": 9.99, "selfSamples": 100, "totalSamples": 600},
        {"name": "other", "selfPercent": 3.0, "selfSamples": 30, "totalSamples": 30},
        {"name": "java/lang/Thread.run", "selfPercent": 0.0, "selfSamples": 0, "totalSamples": 800},
    ])
}

/// The first `n` functions of [`java_functions`].
fn top_java_functions(n: usize) -> Value {
    Value::Array(java_functions().as_array().unwrap()[..n].to_vec())
}

/// 40 % of the samples folded into `other`, as with too small a node budget.
fn heavily_truncated_graph() -> Graph {
    Graph {
        names: &[
            "total",
            "java/lang/Thread.run",
            "java/util/HashMap.resize",
            "other",
        ],
        levels: vec![
            vec![0, 1000, 0, 0],
            vec![0, 1000, 0, 1],
            vec![0, 600, 600, 2, 0, 400, 400, 3],
        ],
        total: 1000,
    }
}

/// The same profile with more nodes: only 2 % left in `other`.
fn detailed_graph() -> Graph {
    Graph {
        names: &[
            "total",
            "java/lang/Thread.run",
            "java/util/HashMap.resize",
            "other",
            "com/example/checkout/CheckoutService.handle",
        ],
        levels: vec![
            vec![0, 1000, 0, 0],
            vec![0, 1000, 0, 1],
            vec![0, 600, 600, 2, 0, 380, 380, 4, 0, 20, 20, 3],
        ],
        total: 1000,
    }
}

// ---------------------------------------------------------------------------------------------
// Set-up

async fn modern_app(server: &MockServer) -> TestApp {
    modern_app_with(server, |_| {}).await
}

async fn modern_app_with(server: &MockServer, customize: impl FnOnce(&mut Settings)) -> TestApp {
    let url = Url::parse(&server.uri()).unwrap();
    spawn_profile_data_sor(move |s| {
        s.pyroscope.url = url;
        customize(s);
    })
    .await
}

/// A legacy-API app whose Pyroscope lives under the `/pyroscope` path prefix.
async fn legacy_app_with(server: &MockServer, customize: impl FnOnce(&mut Settings)) -> TestApp {
    let url = Url::parse(&format!("{}/pyroscope", server.uri())).unwrap();
    spawn_profile_data_sor(move |s| {
        s.pyroscope.url = url;
        s.pyroscope.api = PyroscopeApi::Legacy;
        customize(s);
    })
    .await
}

fn ok_json(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn window(from: i64, to: i64) -> String {
    format!("from={from}&to={to}")
}

/// The value of the first sample of `name` whose labels include every one of `labels`.
fn metric(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .find(|l| labels.iter().all(|label| l.contains(label)))
        .and_then(|l| l.rsplit(' ').next())
        .map_or(0.0, |v| v.parse().unwrap())
}

// ---------------------------------------------------------------------------------------------
// Modern API

#[tokio::test]
async fn a_profile_is_read_with_the_documented_connect_request_and_ranked() {
    let server = MockServer::start().await;
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
        .respond_with(ok_json(java_graph().connect()))
        .expect(1)
        .mount(&server)
        .await;
    let app = modern_app_with(&server, |s| {
        s.pyroscope.tenant_id = Some("team-a".into());
        s.pyroscope.username = Some("reader".into());
        s.pyroscope.password = Some(SecretString::from("s3cret"));
    })
    .await;

    let body = json_with_status(
        app.get(&format!("/profiles/checkout-service?{}", window(FROM, TO)))
            .await,
        200,
    )
    .await;
    assert_eq!(
        body,
        json!({
            "appName": "checkout-service", "profileType": "cpu", "from": FROM, "to": TO,
            "profileTypeId": CPU_ID, "totalSamples": 1001, "truncatedPercent": 3.0,
            "functions": java_functions()
        })
    );

    // Another limit of the same query is served from the cache (expect(1) above).
    let top2 = json_with_status(
        app.get(&format!(
            "/profiles/checkout-service?type=CPU&limit=2&{}",
            window(FROM, TO)
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(top2["functions"], top_java_functions(2));
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
    let app = modern_app_with(&server, |s| s.pyroscope.app_label = "app".into()).await;
    let body = json_with_status(
        app.get(&format!("/profiles/we%22ird%5Capp?{}", window(FROM, TO)))
            .await,
        200,
    )
    .await;
    assert_eq!(body["appName"], r#"we"ird\app"#);
    assert_eq!(body["totalSamples"], 1001);
}

#[tokio::test]
async fn apps_come_from_label_values_sorted_and_unique() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LABEL_VALUES))
        .and(body_json(
            json!({"name": "service_name", "start": FROM * 1000, "end": TO * 1000}),
        ))
        .respond_with(ok_json(
            json!({"names": ["payments", "checkout-service", "payments", "inventory"]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let app = modern_app(&server).await;
    let path = format!("/profiles/apps?{}", window(FROM, TO));
    let body = json_with_status(app.get(&path).await, 200).await;
    assert_eq!(
        body,
        json!({"apps": ["checkout-service", "inventory", "payments"]})
    );
    // Cached: the mock expects exactly one call.
    assert_eq!(json_with_status(app.get(&path).await, 200).await, body);
}

#[tokio::test]
async fn alloc_uses_the_profile_type_the_app_actually_has() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SERIES))
        .and(body_json(json!({
            "matchers": ["{service_name=\"checkout-service\"}"],
            "labelNames": ["__profile_type__"],
            "start": FROM * 1000,
            "end": TO * 1000
        })))
        .respond_with(ok_json(json!({"labelsSet": [
            {"labels": [{"name": "__profile_type__", "value": CPU_ID}]},
            {"labels": [{"name": "__profile_type__", "value": ALLOC_SPACE_ID}]}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SELECT))
        .and(body_partial_json(json!({"profileTypeID": ALLOC_SPACE_ID})))
        .respond_with(ok_json(java_graph().connect()))
        .expect(2)
        .mount(&server)
        .await;
    let app = modern_app(&server).await;

    let body = json_with_status(
        app.get(&format!(
            "/profiles/checkout-service?type=memory&{}",
            window(FROM, TO)
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(body["profileType"], "alloc");
    assert_eq!(body["profileTypeId"], ALLOC_SPACE_ID);
    // The app's profile types are remembered: another window asks no Series again.
    let later = json_with_status(
        app.get(&format!(
            "/profiles/checkout-service?type=alloc&{}",
            window(TO, TO + HOUR)
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(later["profileTypeId"], ALLOC_SPACE_ID);
}

#[tokio::test]
async fn a_failed_or_empty_series_lookup_falls_back_to_the_first_candidate() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SERIES))
        .and(body_partial_json(
            json!({"matchers": ["{service_name=\"broken\"}"]}),
        ))
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SERIES))
        .and(body_partial_json(
            json!({"matchers": ["{service_name=\"fresh\"}"]}),
        ))
        .respond_with(ok_json(json!({})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SELECT))
        .and(body_partial_json(json!({"profileTypeID": TLAB_ID})))
        .respond_with(ok_json(java_graph().connect()))
        .expect(2)
        .mount(&server)
        .await;
    let app = modern_app(&server).await;
    for name in ["broken", "fresh"] {
        let body = json_with_status(
            app.get(&format!("/profiles/{name}?type=alloc&{}", window(FROM, TO)))
                .await,
            200,
        )
        .await;
        assert_eq!(body["profileTypeId"], TLAB_ID, "{name}");
    }
}

#[tokio::test]
async fn a_failing_pyroscope_is_retried_then_answers_502_naming_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SELECT))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(json!({"code": "unavailable", "message": "no healthy ingesters"})),
        )
        // One attempt plus max_retries (2).
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(LABEL_VALUES))
        .respond_with(ResponseTemplate::new(500))
        // 500 is not transient: no retry.
        .expect(1)
        .mount(&server)
        .await;
    let app = modern_app(&server).await;

    let body = assert_error(
        app.get(&format!("/profiles/checkout-service?{}", window(FROM, TO)))
            .await,
        502,
        "upstream_error",
    )
    .await;
    let message = body["error"].as_str().unwrap();
    assert!(message.contains("Pyroscope"), "{message}");
    assert!(message.contains("503"), "{message}");
    assert!(message.contains("no healthy ingesters"), "{message}");

    let body = assert_error(
        app.get(&format!("/profiles/apps?{}", window(FROM, TO)))
            .await,
        502,
        "upstream_error",
    )
    .await;
    assert!(body["error"].as_str().unwrap().contains("Pyroscope"));
}

#[tokio::test]
async fn an_unreachable_pyroscope_answers_502() {
    let port = free_port();
    let app = spawn_profile_data_sor(|s| {
        s.pyroscope.url = Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
    })
    .await;
    let body = assert_error(
        app.get(&format!("/profiles/checkout-service?{}", window(FROM, TO)))
            .await,
        502,
        "upstream_error",
    )
    .await;
    let message = body["error"].as_str().unwrap();
    assert!(message.contains("Pyroscope"), "{message}");
    assert!(message.contains("unreachable"), "{message}");
}

#[tokio::test]
async fn unreadable_answers_are_502_never_a_panic() {
    let server = MockServer::start().await;
    let cases = [
        ("truncated-json", r#"{"flamegraph":{"names":["total""#),
        (
            "bad-name-index",
            r#"{"flamegraph":{"names":["total"],"levels":[{"values":["0","10","0","5"]}],"total":"10"}}"#,
        ),
        (
            "not-int64",
            r#"{"flamegraph":{"names":["total"],"levels":[{"values":["0","1.5","0","0"]}],"total":"1"}}"#,
        ),
        ("html", "<html>gateway</html>"),
    ];
    for (app_name, body) in cases {
        Mock::given(method("POST"))
            .and(path(SELECT))
            .and(body_partial_json(
                json!({"labelSelector": format!("{{service_name=\"{app_name}\"}}")}),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path(LABEL_VALUES))
        .respond_with(ResponseTemplate::new(200).set_body_raw("[1,2", "application/json"))
        .mount(&server)
        .await;
    let app = modern_app(&server).await;
    for (app_name, _) in cases {
        let body = assert_error(
            app.get(&format!("/profiles/{app_name}?{}", window(FROM, TO)))
                .await,
            502,
            "upstream_error",
        )
        .await;
        let message = body["error"].as_str().unwrap();
        assert!(
            message.starts_with("Pyroscope returned an unreadable flame graph: "),
            "{app_name}: {message}"
        );
    }
    let body = assert_error(app.get("/profiles/apps").await, 502, "upstream_error").await;
    assert!(body["error"].as_str().unwrap().contains("unreadable"));
}

#[tokio::test]
async fn a_slow_pyroscope_answers_504_within_the_configured_timeout() {
    let server = MockServer::start().await;
    let slow = ResponseTemplate::new(200)
        .set_body_json(java_graph().connect())
        .set_delay(Duration::from_secs(6));
    Mock::given(method("POST"))
        .and(path(SELECT))
        .respond_with(slow.clone())
        .mount(&server)
        .await;
    // The profile-type lookup is slow too: it must not add its own timeout to the wait.
    Mock::given(method("POST"))
        .and(path(SERIES))
        .respond_with(slow)
        .mount(&server)
        .await;
    let app = modern_app_with(&server, |s| s.pyroscope.request_timeout_secs = 1).await;

    for query in ["type=cpu", "type=alloc"] {
        let started = Instant::now();
        let res = app
            .get(&format!(
                "/profiles/checkout-service?{query}&{}",
                window(FROM, TO)
            ))
            .await;
        let elapsed = started.elapsed();
        let body = assert_error(res, 504, "upstream_timeout").await;
        assert!(
            body["error"].as_str().unwrap().contains("Pyroscope"),
            "{body}"
        );
        assert!(
            elapsed < Duration::from_secs(2),
            "{query}: answered after {elapsed:?}, limit 1 s + 1 s"
        );
    }
}

#[tokio::test]
async fn fifty_concurrent_identical_requests_make_one_upstream_call() {
    let server = MockServer::start().await;
    let graph = testdata::generate(3_000, 7).to_connect_json();
    Mock::given(method("POST"))
        .and(path(SELECT))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(graph, "application/json")
                // Long enough that all fifty requests arrive while the first is in flight.
                .set_delay(Duration::from_millis(500)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let app = modern_app_with(&server, |s| {
        s.pyroscope.truncation_threshold_percent = 100.0;
    })
    .await;

    let path = format!("/profiles/checkout-service?{}", window(FROM, TO));
    let answers =
        futures_util::future::join_all((0..50).map(|_| async { app.get(&path).await })).await;
    let mut bodies = Vec::new();
    for res in answers {
        bodies.push(json_with_status(res, 200).await);
    }
    assert!(bodies.iter().all(|b| b == &bodies[0]));
    assert_eq!(bodies[0]["functions"].as_array().unwrap().len(), 50);

    let metrics = app.get("/metrics").await.text().await.unwrap();
    let lookups = |result: &str| {
        metric(
            &metrics,
            "cache_lookups_total",
            &["cache=\"profile\"", &format!("result=\"{result}\"")],
        )
    };
    assert_eq!(lookups("miss"), 1.0, "{metrics}");
    assert_eq!(lookups("coalesced") + lookups("hit"), 49.0, "{metrics}");
    let upstream = metric(
        &metrics,
        "upstream_request_duration_seconds_count",
        &["outcome=\"ok\"", "target=\"pyroscope\""],
    );
    assert_eq!(upstream, 1.0, "{metrics}");
}

#[tokio::test]
async fn a_zero_ttl_still_coalesces_but_does_not_cache() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SELECT))
        .respond_with(ok_json(java_graph().connect()).set_delay(Duration::from_millis(500)))
        .expect(2)
        .mount(&server)
        .await;
    let app = modern_app_with(&server, |s| s.pyroscope.cache_ttl_secs = 0).await;
    let path = format!("/profiles/checkout-service?{}", window(FROM, TO));
    let answers =
        futures_util::future::join_all((0..20).map(|_| async { app.get(&path).await })).await;
    for res in answers {
        json_with_status(res, 200).await;
    }
    // Nothing was stored: the next identical request asks Pyroscope again (2nd call).
    json_with_status(app.get(&path).await, 200).await;
}

#[tokio::test]
async fn a_heavily_truncated_profile_is_asked_again_with_more_nodes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SELECT))
        .and(body_partial_json(json!({"maxNodes": 16384})))
        .respond_with(ok_json(heavily_truncated_graph().connect()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SELECT))
        .and(body_partial_json(json!({"maxNodes": 65536})))
        .respond_with(ok_json(detailed_graph().connect()))
        .expect(1)
        .mount(&server)
        .await;
    let app = modern_app(&server).await;
    let body = json_with_status(
        app.get(&format!("/profiles/checkout-service?{}", window(FROM, TO)))
            .await,
        200,
    )
    .await;
    assert_eq!(body["truncatedPercent"], 2.0);
    assert_eq!(
        body["functions"][1],
        json!({"name": "com/example/checkout/CheckoutService.handle", "selfPercent": 38.0, "selfSamples": 380, "totalSamples": 380})
    );
}

#[tokio::test]
async fn truncation_beyond_the_node_limit_is_reported_as_it_comes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SELECT))
        .respond_with(ok_json(heavily_truncated_graph().connect()))
        .expect(1)
        .mount(&server)
        .await;
    let app = modern_app_with(&server, |s| s.pyroscope.max_nodes_limit = 16384).await;
    let body = json_with_status(
        app.get(&format!("/profiles/checkout-service?{}", window(FROM, TO)))
            .await,
        200,
    )
    .await;
    assert_eq!(body["truncatedPercent"], 40.0);
    assert_eq!(
        body["functions"][1],
        json!({"name": "other", "selfPercent": 40.0, "selfSamples": 400, "totalSamples": 400})
    );
}

#[tokio::test]
async fn a_diff_reads_both_windows_with_one_profile_type() {
    let server = MockServer::start().await;
    // The lookup spans both windows; the default baseline is the hour before `from`.
    Mock::given(method("POST"))
        .and(path(SERIES))
        .and(body_partial_json(
            json!({"start": FROM * 1000, "end": (TO + HOUR) * 1000}),
        ))
        .respond_with(ok_json(json!({"labelsSet": [
            {"labels": [{"name": "__profile_type__", "value": ALLOC_SPACE_ID}]}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SELECT))
        .and(body_partial_json(json!({
            "profileTypeID": ALLOC_SPACE_ID, "start": FROM * 1000, "end": TO * 1000
        })))
        .respond_with(ok_json(detailed_graph().connect()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SELECT))
        .and(body_partial_json(json!({
            "profileTypeID": ALLOC_SPACE_ID, "start": TO * 1000, "end": (TO + HOUR) * 1000
        })))
        .respond_with(ok_json(java_graph().connect()))
        .expect(1)
        .mount(&server)
        .await;
    let app = modern_app(&server).await;
    let body = json_with_status(
        app.get(&format!(
            "/profiles/checkout-service/diff?type=alloc&limit=2&{}",
            window(TO, TO + HOUR)
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(
        body,
        json!({
            "appName": "checkout-service", "profileType": "alloc", "profileTypeId": ALLOC_SPACE_ID,
            "baseline": {"from": FROM, "to": TO, "totalSamples": 1000, "truncatedPercent": 2.0,
                "functions": [
                    {"name": "java/util/HashMap.resize", "selfPercent": 60.0, "selfSamples": 600, "totalSamples": 600},
                    {"name": "com/example/checkout/CheckoutService.handle", "selfPercent": 38.0, "selfSamples": 380, "totalSamples": 380}
                ]},
            "current": {"from": TO, "to": TO + HOUR, "totalSamples": 1001, "truncatedPercent": 3.0,
                "functions": top_java_functions(2)}
        })
    );
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
    let app = modern_app_with(&server, |s| {
        s.pyroscope.truncation_threshold_percent = 100.0;
    })
    .await;
    let body = json_with_status(
        app.get(&format!("/profiles/jvm?limit=1000&{}", window(FROM, TO)))
            .await,
        200,
    )
    .await;
    assert_eq!(body["totalSamples"], expected.total_samples);
    let functions = body["functions"].as_array().unwrap();
    assert_eq!(functions.len(), expected.functions.len().min(1000));
    for (got, want) in functions.iter().zip(&expected.functions) {
        assert_eq!(got["name"], want.name.as_str());
        assert_eq!(got["selfSamples"], want.self_samples);
        assert_eq!(got["totalSamples"], want.total_samples);
    }
    let truncated = body["truncatedPercent"].as_f64().unwrap();
    assert!(truncated > 0.0);
    assert!((truncated - expected.truncated_percent()).abs() <= 0.005);
}

#[tokio::test]
async fn invalid_requests_are_400s_and_never_reach_pyroscope() {
    let server = MockServer::start().await;
    let app = modern_app(&server).await;
    let long_name = "x".repeat(256);
    let cases = [
        ("/profiles/checkout?type=heap", "invalid_profile_type"),
        ("/profiles/checkout?limit=0", "invalid_limit"),
        ("/profiles/checkout?limit=1001", "invalid_limit"),
        ("/profiles/checkout?limit=-5", "invalid_limit"),
        ("/profiles/checkout?from=200&to=100", "invalid_time_window"),
        ("/profiles/checkout?from=-1&to=100", "invalid_time_window"),
        ("/profiles/checkout?from=abc", "invalid_query"),
        ("/profiles/checkout/diff?limit=5001", "invalid_limit"),
        ("/profiles/checkout/diff?type=nope", "invalid_profile_type"),
        (
            "/profiles/checkout/diff?from=100&to=7300",
            "invalid_time_window",
        ),
        (
            "/profiles/checkout/diff?baselineFrom=500&baselineTo=400",
            "invalid_time_window",
        ),
        ("/profiles/apps?from=10&to=10", "invalid_time_window"),
        ("/profiles/%20", "invalid_app_name"),
        ("/profiles/a%07b", "invalid_app_name"),
        (&format!("/profiles/{long_name}"), "invalid_app_name"),
    ];
    for (path, code) in cases {
        let body = assert_error(app.get(path).await, 400, code).await;
        assert!(!body["error"].as_str().unwrap().is_empty(), "{path}");
    }
    assert_error(
        app.request(Method::POST, "/profiles/checkout", None).await,
        405,
        "method_not_allowed",
    )
    .await;
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn health_reports_pyroscope_without_failing_readiness() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LABEL_VALUES))
        .respond_with(ok_json(json!({"names": ["a", "b"]})))
        .mount(&server)
        .await;
    let app = modern_app(&server).await;
    let health = json_with_status(app.get("/health").await, 200).await;
    assert_eq!(health["status"], "healthy", "{health}");
    assert_eq!(health["checks"]["pyroscope"]["status"], "up");
    assert_eq!(health["checks"]["pyroscope"]["required"], false);
    assert_eq!(health["checks"]["pyroscope"]["details"]["apps"], 2);

    server.reset().await;
    Mock::given(method("POST"))
        .and(path(LABEL_VALUES))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let health = json_with_status(app.get("/health").await, 200).await;
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["checks"]["pyroscope"]["status"], "down");
    assert!(health["checks"]["pyroscope"]["error"]
        .as_str()
        .unwrap()
        .contains("Pyroscope"));
    json_with_status(app.get("/health/ready").await, 200).await;
}

#[tokio::test]
async fn the_openapi_document_lists_the_profile_routes() {
    let server = MockServer::start().await;
    let app = modern_app(&server).await;
    let doc = json_with_status(app.get("/openapi.json").await, 200).await;
    let paths = doc["paths"].as_object().unwrap();
    for route in [
        "/profiles/apps",
        "/profiles/{appName}",
        "/profiles/{appName}/diff",
    ] {
        assert!(paths.contains_key(route), "{route} missing");
    }
    assert!(!paths.contains_key("/baselines"), "not hosted here");
    let params = doc["paths"]["/profiles/{appName}/diff"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let names: Vec<&str> = params.iter().filter_map(|p| p["name"].as_str()).collect();
    for name in [
        "appName",
        "type",
        "from",
        "to",
        "baselineFrom",
        "baselineTo",
        "limit",
    ] {
        assert!(names.contains(&name), "{name} not in {names:?}");
    }
    let schemas = &doc["components"]["schemas"];
    for schema in ["AppList", "Profile", "ProfileDiff", "FunctionStat"] {
        assert!(
            schemas[schema]["example"].is_object(),
            "{schema} has no example"
        );
    }
}

#[tokio::test]
async fn the_all_in_one_process_serves_profiles_too() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LABEL_VALUES))
        .respond_with(ok_json(json!({"names": ["checkout-service"]})))
        .mount(&server)
        .await;
    let url = Url::parse(&server.uri()).unwrap();
    let app = spawn_app_with(|s| s.pyroscope.url = url).await;
    let body = json_with_status(app.get("/profiles/apps").await, 200).await;
    assert_eq!(body, json!({"apps": ["checkout-service"]}));
}

// ---------------------------------------------------------------------------------------------
// Legacy API

#[tokio::test]
async fn legacy_render_is_asked_under_the_path_prefix_with_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/pyroscope/render"))
        .and(query_param("query", "checkout-service.cpu{}"))
        .and(query_param("from", FROM.to_string()))
        .and(query_param("until", TO.to_string()))
        .and(query_param("format", "json"))
        .and(query_param("max-nodes", "16384"))
        .and(header("x-scope-orgid", "team-b"))
        .and(bearer_token("tok3n"))
        .respond_with(ok_json(java_graph().legacy()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/pyroscope/render"))
        .and(query_param(
            "query",
            "checkout-service.alloc_in_new_tlab_bytes{}",
        ))
        .respond_with(ok_json(java_graph().legacy()))
        .expect(1)
        .mount(&server)
        .await;
    let app = legacy_app_with(&server, |s| {
        s.pyroscope.tenant_id = Some("team-b".into());
        s.pyroscope.bearer_token = Some(SecretString::from("tok3n"));
    })
    .await;
    let body = json_with_status(
        app.get(&format!("/profiles/checkout-service?{}", window(FROM, TO)))
            .await,
        200,
    )
    .await;
    assert_eq!(
        body,
        json!({
            "appName": "checkout-service", "profileType": "cpu", "from": FROM, "to": TO,
            "profileTypeId": "checkout-service.cpu{}", "totalSamples": 1001, "truncatedPercent": 3.0,
            "functions": java_functions()
        })
    );
    let alloc = json_with_status(
        app.get(&format!(
            "/profiles/checkout-service?type=alloc&{}",
            window(FROM, TO)
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(
        alloc["profileTypeId"],
        "checkout-service.alloc_in_new_tlab_bytes{}"
    );
}

#[tokio::test]
async fn legacy_apps_strip_the_type_suffix() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/pyroscope/label-values"))
        .and(query_param("label", "__name__"))
        .respond_with(ok_json(json!([
            "checkout.cpu",
            "checkout.alloc_in_new_tlab_bytes",
            "com.example.billing.cpu",
            "inventory.wall"
        ])))
        .expect(1)
        .mount(&server)
        .await;
    let app = legacy_app_with(&server, |_| {}).await;
    let body = json_with_status(
        app.get(&format!("/profiles/apps?{}", window(FROM, TO)))
            .await,
        200,
    )
    .await;
    assert_eq!(
        body,
        json!({"apps": ["checkout", "com.example.billing", "inventory"]})
    );
}

#[tokio::test]
async fn legacy_truncation_asks_again_with_a_larger_max_nodes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/pyroscope/render"))
        .and(query_param("max-nodes", "16384"))
        .respond_with(ok_json(heavily_truncated_graph().legacy()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/pyroscope/render"))
        .and(query_param("max-nodes", "65536"))
        .respond_with(ok_json(detailed_graph().legacy()))
        .expect(1)
        .mount(&server)
        .await;
    let app = legacy_app_with(&server, |_| {}).await;
    let body = json_with_status(
        app.get(&format!("/profiles/checkout?{}", window(FROM, TO)))
            .await,
        200,
    )
    .await;
    assert_eq!(body["truncatedPercent"], 2.0);
}

#[tokio::test]
async fn legacy_failures_are_502s() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/pyroscope/render"))
        .and(query_param("query", "down.cpu{}"))
        .respond_with(ResponseTemplate::new(502))
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/pyroscope/render"))
        .and(query_param("query", "diff.cpu{}"))
        .respond_with(ok_json(json!({
            "flamebearer": {"names": ["total"], "levels": [[0, 1, 0, 0, 1, 0, 0]], "numTicks": 1},
            "metadata": {"format": "double"}
        })))
        .mount(&server)
        .await;
    let app = legacy_app_with(&server, |_| {}).await;
    let body = assert_error(
        app.get(&format!("/profiles/down?{}", window(FROM, TO)))
            .await,
        502,
        "upstream_error",
    )
    .await;
    assert!(body["error"].as_str().unwrap().contains("Pyroscope"));
    let body = assert_error(
        app.get(&format!("/profiles/diff?{}", window(FROM, TO)))
            .await,
        502,
        "upstream_error",
    )
    .await;
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("unreadable flame graph"));
}

//! Arbitrary bodies never panic or answer 5xx; a stop, and a real SIGTERM, let requests finish.

use std::time::Duration;

use pf_alerts::{AlertRulePatch, CreateAlertRuleRequest, NewAlertRule, UpdateAlertRuleRequest};
use pf_baselines::{BaselinePatch, CreateBaselineRequest, NewBaseline, UpdateBaselineRequest};
use pf_history::{CreateHistoryRequest, NewHistoryRecord};
use pf_registry::{CreateServiceRequest, NewService, ServicePatch, UpdateServiceRequest};
use proptest::prelude::*;
use pyroscope_functions::app::Application;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{eventually, spawn_app, spawn_binary, test_settings, TestDatabase};

/// Any JSON value, biased towards objects with the fields the bodies know.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
    ];
    let value = leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    let field = prop_oneof![
        Just("appName"),
        Just("profileType"),
        Just("functionName"),
        Just("maxSelfPercent"),
        Just("severity"),
        Just("diagnosis"),
        Just("topFunctions"),
        Just("tier"),
        Just("metadata"),
        Just("pyroscopeLabels"),
        Just("thresholdPercent"),
        Just("enabled"),
        Just("teamOwner"),
    ];
    prop_oneof![
        value.clone(),
        prop::collection::btree_map(field, value, 0..8)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
    ]
}

/// Deserialises and validates `raw` as every request body; errors are fine, panics are not.
fn parse_everything(raw: &[u8]) {
    if let Ok(b) = serde_json::from_slice::<CreateBaselineRequest>(raw) {
        let _ = NewBaseline::try_from(b);
    }
    if let Ok(b) = serde_json::from_slice::<UpdateBaselineRequest>(raw) {
        let _ = BaselinePatch::try_from(b);
    }
    if let Ok(b) = serde_json::from_slice::<CreateHistoryRequest>(raw) {
        let _ = NewHistoryRecord::try_from(b);
    }
    if let Ok(b) = serde_json::from_slice::<CreateServiceRequest>(raw) {
        let _ = NewService::try_from(b);
    }
    if let Ok(b) = serde_json::from_slice::<UpdateServiceRequest>(raw) {
        let _ = ServicePatch::try_from(b);
    }
    if let Ok(b) = serde_json::from_slice::<CreateAlertRuleRequest>(raw) {
        let _ = NewAlertRule::try_from(b);
    }
    if let Ok(b) = serde_json::from_slice::<UpdateAlertRuleRequest>(raw) {
        let _ = AlertRulePatch::try_from(b);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_any_body_type(raw in prop::collection::vec(any::<u8>(), 0..256)) {
        parse_everything(&raw);
    }

    #[test]
    fn arbitrary_json_never_panics_any_body_type(value in arbitrary_json()) {
        parse_everything(value.to_string().as_bytes());
    }
}

#[test]
fn arbitrary_json_bodies_never_answer_5xx() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(spawn_app());
    let routes = [
        ("POST", "/baselines"),
        ("PUT", "/baselines/1"),
        ("POST", "/history"),
        ("POST", "/services"),
        ("PUT", "/services/checkout"),
        ("POST", "/rules"),
        ("PUT", "/rules/1"),
    ];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&arbitrary_json(), |value| {
            for (verb, path) in routes {
                let method = reqwest::Method::from_bytes(verb.as_bytes()).unwrap();
                let status = rt.block_on(async {
                    app.client
                        .request(method, app.url(path))
                        .json(&value)
                        .send()
                        .await
                        .unwrap()
                        .status()
                });
                prop_assert!(
                    status.as_u16() < 500,
                    "{verb} {path} with {value} answered {status}"
                );
            }
            Ok(())
        })
        .unwrap();
}

/// A Pyroscope that lists a CPU series for every app at once and answers every other query
/// with a one-function graph after 1.5 s.
async fn slow_pyroscope() -> MockServer {
    let pyroscope = MockServer::start().await;
    let types = json!({"labelsSet": [{"labels": [{"name": "__profile_type__",
        "value": "process_cpu:cpu:nanoseconds:cpu:nanoseconds"}]}]});
    Mock::given(method("POST"))
        .and(wiremock::matchers::path(
            "/querier.v1.QuerierService/Series",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(types))
        .mount(&pyroscope)
        .await;
    let graph = json!({"flamegraph": {"names": ["total", "main"], "levels": [{"values": ["0", "10", "0", "0"]}, {"values": ["0", "10", "10", "1"]}], "total": "10"}});
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(graph)
                .set_delay(Duration::from_millis(1500)),
        )
        .mount(&pyroscope)
        .await;
    pyroscope
}

/// A profile request that waits on the slow Pyroscope, under way (Pyroscope has it) once this
/// returns.
async fn start_slow_request(
    address: &str,
    pyroscope: &MockServer,
) -> tokio::task::JoinHandle<reqwest::Result<reqwest::Response>> {
    let slow = tokio::spawn(reqwest::get(format!(
        "{address}/profiles/checkout?from=1700000000&to=1700003600"
    )));
    eventually(5, "Pyroscope has the query", || async {
        pyroscope
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .any(|r| r.url.path().ends_with("SelectMergeStacktraces"))
    })
    .await;
    slow
}

async fn assert_answered_in_full(
    slow: tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>,
) {
    let res = slow
        .await
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["totalSamples"], 10);
}

#[tokio::test]
async fn a_stop_lets_an_in_flight_request_finish() {
    let pyroscope = slow_pyroscope().await;
    let db = TestDatabase::create().await;
    let mut settings = test_settings(&db);
    settings.pyroscope.url = Some(url::Url::parse(&pyroscope.uri()).unwrap());
    let app = Application::build(settings).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let running = tokio::spawn(app.run_until_stopped());

    let slow = start_slow_request(&address, &pyroscope).await;
    handle.stop(true).await;
    assert_answered_in_full(slow).await;
    running.await.unwrap().unwrap();
    assert!(
        reqwest::get(format!("{address}/health/live"))
            .await
            .is_err(),
        "the server stopped accepting"
    );
}

#[tokio::test]
async fn sigterm_lets_an_in_flight_request_finish_then_the_process_exits_cleanly() {
    let pyroscope = slow_pyroscope().await;
    let db = TestDatabase::create().await;
    let (mut service, address) = spawn_binary(db.url.as_str(), &pyroscope.uri()).await;

    let slow = start_slow_request(&address, &pyroscope).await;
    let pid = libc::pid_t::try_from(service.id().unwrap()).unwrap();
    // SAFETY: sends a signal to the child this test started; no memory is touched.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);

    assert_answered_in_full(slow).await;
    let status = tokio::time::timeout(Duration::from_secs(15), service.wait())
        .await
        .expect("the process exits after draining")
        .unwrap();
    assert!(status.success(), "{status}");
}

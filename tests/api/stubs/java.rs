//! The Java service stub Pyroscope (`checkout` and `inventory`, an incident hour and the calm
//! hour before it) and helpers shared by the triage, diff report and fleet search tests:
//! all-in-one process, real PostgreSQL.

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use pyroscope_functions::app::settings::Settings;

use super::{StartsBefore, LABEL_VALUES, SELECT};
use crate::helpers::{eventually, json_with_status, spawn_app_with, TestApp};

/// The incident hour: GC at 34.2 % and HashMap.resize at 50 % of CPU. Every query that starts
/// before it (the hour before, and any part of it) gets the calm profile: GC 10 %, resize 40 %.
pub const INCIDENT_FROM: i64 = 1_700_000_000;
pub const INCIDENT_TO: i64 = 1_700_003_600;

const NAMES: [&str; 5] = [
    "total",
    "java/lang/Thread.run",
    "G1 Young Generation",
    "com/acme/checkout/CheckoutService.handle",
    "java/util/HashMap.resize",
];

/// A CPU flame graph of 1000 samples in Connect JSON (int64 as strings):
/// Thread.run → CheckoutService.handle (self `handle_self`) → HashMap.resize (`resize`), plus G1 (`gc`).
fn java_cpu(gc: i64, handle_self: i64, resize: i64) -> Value {
    let run = handle_self + resize;
    let levels: Vec<Vec<i64>> = vec![
        vec![0, 1000, 0, 0],
        vec![0, run, 0, 1, 0, gc, gc, 2],
        vec![0, run, handle_self, 3],
        vec![0, resize, resize, 4],
    ];
    let levels: Vec<Value> = levels
        .iter()
        .map(|l| json!({"values": l.iter().map(i64::to_string).collect::<Vec<_>>()}))
        .collect();
    json!({"flamegraph": {"names": NAMES, "levels": levels, "total": "1000", "maxSelf": "500"}})
}

/// Pyroscope serving apps `checkout` and `inventory`; the current hour shows GC at 34.2% and
/// HashMap.resize at 50.0%, the hour before GC at 10.0% and HashMap.resize at 40.0%.
pub async fn stub_pyroscope() -> MockServer {
    let pyroscope = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LABEL_VALUES))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"names": ["inventory", "checkout"]})),
        )
        .mount(&pyroscope)
        .await;
    Mock::given(method("POST"))
        .and(path(SELECT))
        .and(StartsBefore(INCIDENT_FROM * 1000))
        .respond_with(ResponseTemplate::new(200).set_body_json(java_cpu(100, 500, 400)))
        .mount(&pyroscope)
        .await;
    Mock::given(method("POST"))
        .and(path(SELECT))
        .respond_with(ResponseTemplate::new(200).set_body_json(java_cpu(342, 158, 500)))
        .mount(&pyroscope)
        .await;
    pyroscope
}

pub async fn spawn_with_pyroscope() -> (TestApp, MockServer) {
    spawn_with_pyroscope_and(|_| {}).await
}

/// The all-in-one service on the stub Pyroscope, after `customize` adjusted its settings.
pub async fn spawn_with_pyroscope_and(
    customize: impl FnOnce(&mut Settings),
) -> (TestApp, MockServer) {
    let pyroscope = stub_pyroscope().await;
    let url = url::Url::parse(&pyroscope.uri()).unwrap();
    let app = spawn_app_with(move |s| {
        s.pyroscope.url = Some(url);
        customize(s);
    })
    .await;
    (app, pyroscope)
}

pub async fn add_baseline(app: &TestApp, function: &str, max: f64) {
    let body = json!({"appName": "checkout", "profileType": "cpu", "functionName": function, "maxSelfPercent": max});
    json_with_status(app.post("/baselines", &body).await, 201).await;
}

/// History is written after the answer; wait for it.
pub async fn history_of(app: &TestApp, app_name: &str, count: usize) -> Value {
    let history =
        || async { json_with_status(app.get(&format!("/history/{app_name}")).await, 200).await };
    eventually(
        5,
        &format!("the history of {app_name} holds {count} records"),
        || async { history().await["count"].as_u64() == Some(count as u64) },
    )
    .await;
    history().await
}

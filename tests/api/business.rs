//! Triage, diff report and fleet search end to end: all-in-one process, stub Pyroscope, real PostgreSQL.

use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{json_with_status, spawn_app_with, TestApp};

const FROM: i64 = 1_700_000_000;
const TO: i64 = 1_700_003_600;
const SELECT: &str = "/querier.v1.QuerierService/SelectMergeStacktraces";
const LABEL_VALUES: &str = "/querier.v1.QuerierService/LabelValues";

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
async fn stub_pyroscope() -> MockServer {
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
        .and(body_partial_json(json!({"start": (FROM - 3600) * 1000})))
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

async fn spawn_with_pyroscope() -> (TestApp, MockServer) {
    let pyroscope = stub_pyroscope().await;
    let url = url::Url::parse(&pyroscope.uri()).unwrap();
    let app = spawn_app_with(move |s| s.pyroscope.url = url).await;
    (app, pyroscope)
}

async fn add_baseline(app: &TestApp, function: &str, max: f64) {
    let body = json!({"appName": "checkout", "profileType": "cpu", "functionName": function, "maxSelfPercent": max});
    json_with_status(app.post("/baselines", &body).await, 201).await;
}

/// History is written after the answer; wait for it.
async fn history_of(app: &TestApp, app_name: &str, count: usize) -> Value {
    for _ in 0..100 {
        let body = json_with_status(app.get(&format!("/history/{app_name}")).await, 200).await;
        if body["count"].as_u64() == Some(count as u64) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("history of {app_name} never reached {count} records");
}

#[tokio::test]
async fn triage_reports_a_violation_when_gc_exceeds_its_baseline() {
    let (app, _pyroscope) = spawn_with_pyroscope().await;
    add_baseline(&app, "G1 Young Generation", 15.0).await;
    let res = app
        .client
        .get(app.url(&format!("/triage/checkout?from={FROM}&to={TO}&types=cpu")))
        .header("X-Requested-By", "alice")
        .send()
        .await
        .unwrap();
    let body = json_with_status(res, 200).await;
    let cpu = &body["profiles"]["cpu"];
    assert_eq!(cpu["diagnosis"], "gc_pressure");
    assert_eq!(cpu["totalSamples"], 1000);
    assert_eq!(
        cpu["baselineViolations"],
        json!([{"function": "G1 Young Generation", "currentPercent": 34.2, "threshold": 15.0, "exceededBy": 19.2, "severity": "warning"}])
    );
    assert_eq!(cpu["topFunctions"][0]["name"], "java/util/HashMap.resize");
    assert_eq!(cpu["topFunctions"][0]["selfPercent"], 50.0);
    assert_eq!(body["summary"]["baselineViolations"], 1);
    assert_eq!(body["summary"]["severity"], "high");
    assert!(
        cpu["recommendation"]
            .as_str()
            .unwrap()
            .contains("G1 Young Generation"),
        "{cpu}"
    );

    let history = history_of(&app, "checkout", 1).await;
    let record = &history["history"][0];
    assert_eq!(record["requestedBy"], "alice");
    assert_eq!(record["diagnosis"], body["summary"]["primaryIssue"]);
    assert_eq!(record["profileTypes"], "cpu");
    assert_eq!(record["topFunctions"]["query"]["from"], FROM);
    assert_eq!(
        record["topFunctions"]["query"]["profileTypeIds"]["cpu"],
        "process_cpu:cpu:nanoseconds:cpu:nanoseconds"
    );
}

#[tokio::test]
async fn a_diff_with_a_breached_threshold_fails_in_json_and_markdown() {
    let (app, _pyroscope) = spawn_with_pyroscope().await;
    add_baseline(&app, "java/util/HashMap.resize", 45.0).await;
    let query = format!("from={FROM}&to={TO}&type=cpu");
    let body = json_with_status(app.get(&format!("/diff/checkout?{query}")).await, 200).await;
    assert_eq!(body["summary"]["verdict"], "fail");
    assert_eq!(body["summary"]["thresholdBreaches"], 1);
    assert_eq!(
        body["summary"]["topRegression"],
        "G1 Young Generation (+24.2%)"
    );
    let regressions = body["regressions"].as_array().unwrap();
    assert_eq!(regressions.len(), 2, "{body}");
    assert_eq!(regressions[1]["function"], "java/util/HashMap.resize");
    assert_eq!(regressions[1]["baselinePercent"], 40.0);
    assert_eq!(regressions[1]["currentPercent"], 50.0);
    assert_eq!(regressions[1]["deltaPercent"], 10.0);
    assert_eq!(regressions[1]["approvedThreshold"], 45.0);
    assert_eq!(regressions[1]["exceedsThreshold"], true);
    assert_eq!(
        body["improvements"][0]["function"],
        "com/acme/checkout/CheckoutService.handle"
    );
    assert_eq!(body["improvements"][0]["deltaPercent"], -34.2);

    let res = app
        .get(&format!("/diff/checkout?{query}&format=markdown"))
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "text/markdown; charset=utf-8");
    let markdown = res.text().await.unwrap();
    assert!(markdown.contains("BREACH"), "{markdown}");
    assert!(markdown.to_lowercase().contains("fail"), "{markdown}");
    assert!(markdown.contains("java/util/HashMap.resize"), "{markdown}");

    let history = history_of(&app, "checkout", 2).await;
    assert!(history["history"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["diagnosis"] == "regressions_detected"));
    assert_eq!(history["history"][0]["severity"], "high");
}

#[tokio::test]
async fn hotspots_and_search_are_routed_to_the_owning_team() {
    let (app, _pyroscope) = spawn_with_pyroscope().await;
    let service = json!({"appName": "checkout", "teamOwner": "team-payments", "tier": "critical", "notificationChannel": "#payments"});
    json_with_status(app.post("/services", &service).await, 201).await;

    let body = json_with_status(
        app.get(&format!("/fleet/hotspots?from={FROM}&to={TO}&type=cpu"))
            .await,
        200,
    )
    .await;
    assert_eq!(body["appsQueried"], 2);
    assert_eq!(body["failedApps"], json!([]));
    let top = &body["hotspots"][0];
    assert_eq!(top["function"], "java/util/HashMap.resize");
    assert_eq!(top["serviceCount"], 2);
    assert_eq!(top["maxSelfPercent"], 50.0);
    assert_eq!(top["impactScore"], 100.0);
    assert_eq!(top["criticalServiceCount"], 1);
    let services = top["services"].as_array().unwrap();
    let checkout = services.iter().find(|s| s["app"] == "checkout").unwrap();
    assert_eq!(checkout["teamOwner"], "team-payments");
    assert_eq!(checkout["tier"], "critical");
    let inventory = services.iter().find(|s| s["app"] == "inventory").unwrap();
    assert!(inventory.get("teamOwner").is_none(), "{inventory}");

    let body = json_with_status(
        app.get(&format!(
            "/search?function=hashmap.RESIZE&from={FROM}&to={TO}"
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(body["matchCount"], 2);
    let checkout = body["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["app"] == "checkout")
        .unwrap()
        .clone();
    assert_eq!(checkout["function"], "java/util/HashMap.resize");
    assert_eq!(checkout["selfSamples"], 500);
    assert_eq!(checkout["teamOwner"], "team-payments");
    assert_eq!(checkout["notificationChannel"], "#payments");
}

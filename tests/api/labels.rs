//! Label selectors end to end (docs/gate.md#comparing-a-canary): the exact selector each route
//! sends to Pyroscope in both API styles, the injections refused before anything is sent, and a
//! canary comparison.

use serde_json::{json, Value};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use pf_profiles::PyroscopeApi;

use crate::helpers::{json_with_status, spawn_app_with, TestApp};
use crate::split::encoded;
use crate::stubs::java::{INCIDENT_FROM, INCIDENT_TO};

const SELECT: &str = "/querier.v1.QuerierService/SelectMergeStacktraces";
/// `version="1\"2\\"` and a regex: a quote and a backslash, escaped once on the wire.
const LABELS: &str = r#"version="1\"2\\",region=~"eu-.*""#;

/// A Connect flame graph of 1000 samples: `work` then `gc` self samples under `main`.
fn graph(work: i64, gc: i64) -> Value {
    let values = |v: &[i64]| json!({"values": v.iter().map(i64::to_string).collect::<Vec<_>>()});
    json!({"flamegraph": {"names": ["total", "main", "work", "gc"], "total": (work + gc).to_string(),
        "levels": [values(&[0, work + gc, 0, 0]), values(&[0, work + gc, 0, 1]),
                   values(&[0, work, work, 2, 0, gc, gc, 3])]}})
}

/// Any profile, in both API styles.
async fn mount_graphs(pyroscope: &MockServer) {
    Mock::given(method("POST"))
        .and(path(SELECT))
        .respond_with(ResponseTemplate::new(200).set_body_json(graph(900, 100)))
        .mount(pyroscope)
        .await;
    let flamebearer = json!({"flamebearer": {"names": ["total", "work"], "numTicks": 10,
        "levels": [[0, 10, 0, 0], [0, 10, 10, 1]]}});
    Mock::given(method("GET"))
        .and(path("/render"))
        .respond_with(ResponseTemplate::new(200).set_body_json(flamebearer))
        .mount(pyroscope)
        .await;
}

/// The service on `pyroscope`, with the profile watcher running beside
/// (docs/profiles-over-time.md#the-fleet-from-the-summaries: a fleet answer narrowed by labels is
/// live whatever the watcher holds).
async fn spawn(pyroscope: &MockServer, api: PyroscopeApi) -> TestApp {
    spawn_watching(pyroscope, api, true).await
}

async fn spawn_watching(pyroscope: &MockServer, api: PyroscopeApi, watching: bool) -> TestApp {
    let url = url::Url::parse(&pyroscope.uri()).unwrap();
    spawn_app_with(move |s| {
        s.pyroscope.url = Some(url);
        s.pyroscope.api = api;
        s.watch.enabled = watching;
        s.watch.backfill_hours = 1;
    })
    .await
}

/// Every selector Pyroscope was asked for, in order (modern: `labelSelector`; legacy: `query`).
async fn selectors(pyroscope: &MockServer) -> Vec<String> {
    let requests = pyroscope.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .filter_map(|r| {
            if r.url.path() == SELECT {
                let body: Value = serde_json::from_slice(&r.body).ok()?;
                body["labelSelector"].as_str().map(str::to_owned)
            } else {
                r.url
                    .query_pairs()
                    .find(|(k, _)| k == "query")
                    .map(|(_, v)| v.into_owned())
            }
        })
        .collect()
}

/// The labelled routes, with `labels` appended; each over its own window, so none is answered
/// from what an earlier one cached.
fn routes(labels: &str) -> Vec<String> {
    let l = encoded(labels);
    let mut n = 0;
    let mut window = || {
        n += 1;
        format!("from={INCIDENT_FROM}&to={}", INCIDENT_TO + 10 * n)
    };
    vec![
        format!("/profiles/checkout?{}&labels={l}", window()),
        format!("/profiles/checkout/diff?{}&labels={l}", window()),
        format!("/profiles/checkout/flamegraph.svg?{}&labels={l}", window()),
        format!("/triage/checkout?{}&types=cpu&labels={l}", window()),
        format!("/diff/checkout?{}&labels={l}", window()),
        format!(
            "/search?function=work&apps=checkout&{}&labels={l}",
            window()
        ),
        format!("/fleet/hotspots?apps=checkout&{}&labels={l}", window()),
    ]
}

#[tokio::test]
async fn every_route_sends_the_matchers_escaped_once_in_both_api_styles() {
    for (api, expected) in [
        (
            PyroscopeApi::Modern,
            format!(r#"{{service_name="checkout",{LABELS}}}"#),
        ),
        (PyroscopeApi::Legacy, format!("checkout.cpu{{{LABELS}}}")),
    ] {
        let pyroscope = MockServer::start().await;
        let app = spawn(&pyroscope, api).await;
        for route in routes(LABELS) {
            pyroscope.reset().await;
            mount_graphs(&pyroscope).await;
            let res = app.get(&route).await;
            assert_eq!(
                res.status().as_u16(),
                200,
                "{api:?} {route}: {}",
                res.text().await.unwrap()
            );
            let sent = selectors(&pyroscope).await;
            assert!(!sent.is_empty(), "{api:?} {route} asked nothing");
            assert!(
                sent.iter().all(|s| *s == expected),
                "{api:?} {route}: {sent:?}"
            );
        }
        // The answer names the labels it was narrowed to.
        let body = json_with_status(app.get(&routes(LABELS)[0]).await, 200).await;
        assert_eq!(body["labels"], LABELS);
    }
}

#[tokio::test]
async fn injections_are_refused_and_nothing_reaches_pyroscope() {
    let pyroscope = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(graph(900, 100)))
        .mount(&pyroscope)
        .await;
    // No watcher here: its own reads would reach Pyroscope, and this test counts every request.
    let app = spawn_watching(&pyroscope, PyroscopeApi::Modern, false).await;
    for bad in [
        r#"x="a"}"#,
        "{",
        "x=\"a\nb\"",
        r#"x=~"(""#,
        r#"x="a"},{y="b""#,
    ] {
        for route in routes(bad) {
            let body = json_with_status(app.get(&route).await, 400).await;
            assert_eq!(body["code"], "invalid_labels", "{route}: {body}");
            assert!(
                body["error"].as_str().unwrap().contains("bad matcher"),
                "{route}: {body}"
            );
        }
    }
    let window = format!("from={INCIDENT_FROM}&to={INCIDENT_TO}");
    for (param, name) in [
        ("baselineLabels", "baselineLabels"),
        ("currentLabels", "currentLabels"),
    ] {
        let body = json_with_status(
            app.get(&format!("/diff/checkout?{window}&{param}={}", encoded("{")))
                .await,
            400,
        )
        .await;
        assert!(body["error"].as_str().unwrap().starts_with(name), "{body}");
    }
    let sent = pyroscope.received_requests().await.unwrap_or_default();
    assert!(sent.is_empty(), "{} requests reached Pyroscope", sent.len());
}

#[tokio::test]
async fn a_canary_is_compared_with_stable_over_the_same_hour() {
    let pyroscope = MockServer::start().await;
    // Stable spends 10 % in gc, the canary 34.2 %.
    for (track, work, gc) in [("stable", 900, 100), ("canary", 658, 342)] {
        Mock::given(method("POST"))
            .and(path(SELECT))
            .and(body_string_contains(format!(r#"track=\"{track}\""#)))
            .respond_with(ResponseTemplate::new(200).set_body_json(graph(work, gc)))
            .mount(&pyroscope)
            .await;
    }
    let app = spawn(&pyroscope, PyroscopeApi::Modern).await;
    let query = format!(
        "from={INCIDENT_FROM}&to={INCIDENT_TO}&baselineLabels={}&currentLabels={}",
        encoded(r#"track="stable""#),
        encoded(r#"track="canary""#)
    );
    let body = json_with_status(app.get(&format!("/diff/checkout?{query}")).await, 200).await;
    assert_eq!(
        body["baseline"],
        json!({"from": INCIDENT_FROM, "to": INCIDENT_TO}),
        "same hour: {body}"
    );
    assert_eq!(
        body["current"],
        json!({"from": INCIDENT_FROM, "to": INCIDENT_TO})
    );
    assert_eq!(body["baselineLabels"], r#"track="stable""#);
    assert_eq!(body["currentLabels"], r#"track="canary""#);
    let gc = &body["regressions"][0];
    assert_eq!(gc["function"], "gc");
    assert_eq!(gc["baselinePercent"], 10.0);
    assert_eq!(gc["currentPercent"], 34.2);
    assert_eq!(gc["deltaPercent"], 24.2);
    let work = &body["improvements"][0];
    assert_eq!(work["function"], "work");
    assert_eq!(work["deltaPercent"], -24.2);
    let markdown = app
        .get(&format!("/diff/checkout?{query}&format=markdown"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        markdown.contains("- **Baseline labels:** `track=\"stable\"`"),
        "{markdown}"
    );
    assert!(
        markdown.contains("- **Current labels:** `track=\"canary\"`"),
        "{markdown}"
    );
    let selectors = selectors(&pyroscope).await;
    assert!(selectors.contains(&r#"{service_name="checkout",track="stable"}"#.to_owned()));
    assert!(selectors.contains(&r#"{service_name="checkout",track="canary"}"#.to_owned()));
}

/// A pprof file whose samples carry `track` labels: 700 samples of `main;work` on the canary,
/// 300 of `main;gc` on stable.
fn labelled_pprof() -> Vec<u8> {
    use pprof::protos::{Function, Label, Line, Location, Message, Profile, Sample, ValueType};
    let strings = [
        "",
        "cpu",
        "nanoseconds",
        "main",
        "work",
        "gc",
        "track",
        "canary",
        "stable",
    ];
    let function = |id: u64, name: i64| Function {
        id,
        name,
        ..Default::default()
    };
    let location = |id: u64| Location {
        id,
        line: vec![Line {
            function_id: id,
            line: 1,
        }],
        ..Default::default()
    };
    let sample = |leaf: u64, value: i64, track: i64| Sample {
        location_id: vec![leaf, 1],
        value: vec![value],
        label: vec![Label {
            key: 6,
            str: track,
            ..Default::default()
        }],
    };
    Profile {
        sample_type: vec![ValueType { ty: 1, unit: 2 }],
        sample: vec![sample(2, 700, 7), sample(3, 300, 8)],
        location: (1..=3).map(location).collect(),
        function: vec![function(1, 3), function(2, 4), function(3, 5)],
        string_table: strings.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
    .encode_to_vec()
}

#[tokio::test]
async fn profile_files_are_filtered_by_their_samples_labels() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("shop")).unwrap();
    std::fs::write(dir.path().join("shop/cpu.pb"), labelled_pprof()).unwrap();
    let profiles = dir.path().to_owned();
    let app = spawn_app_with(move |s| {
        s.pyroscope.url = None;
        s.profiles.dir = Some(profiles);
    })
    .await;
    let get = |labels: &str| {
        format!(
            "/profiles/shop?from={INCIDENT_FROM}&to={INCIDENT_TO}&labels={}",
            encoded(labels)
        )
    };
    let all = json_with_status(
        app.get(&format!(
            "/profiles/shop?from={INCIDENT_FROM}&to={INCIDENT_TO}"
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(all["totalSamples"], 1000);
    let canary = json_with_status(app.get(&get(r#"track="canary""#)).await, 200).await;
    assert_eq!(canary["totalSamples"], 700, "{canary}");
    assert_eq!(canary["functions"][0]["name"], "work");
    assert_eq!(canary["labels"], r#"track="canary""#);
    let not_canary = json_with_status(app.get(&get(r#"track!="canary""#)).await, 200).await;
    assert_eq!(not_canary["totalSamples"], 300);
    assert_eq!(not_canary["functions"][0]["name"], "gc");
    let both = json_with_status(app.get(&get(r#"track=~"stable|canary""#)).await, 200).await;
    assert_eq!(both["totalSamples"], 1000);
    let none = json_with_status(app.get(&get(r#"region="eu""#)).await, 200).await;
    assert_eq!(none["totalSamples"], 0);
    // A canary diff over the one file.
    let query = format!(
        "/diff/shop?from={INCIDENT_FROM}&to={INCIDENT_TO}&baselineLabels={}&currentLabels={}",
        encoded(r#"track="stable""#),
        encoded(r#"track="canary""#)
    );
    let diff = json_with_status(app.get(&query).await, 200).await;
    assert_eq!(diff["regressions"][0]["function"], "work", "{diff}");
    assert_eq!(diff["regressions"][0]["currentPercent"], 100.0);
}

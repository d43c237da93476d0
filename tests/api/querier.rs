//! Grafana reads the service (issue 60, docs/grafana.md): the calls Grafana's Pyroscope data
//! source (grafana/grafana `pkg/tsdb/grafana-pyroscope-datasource/pyroscopeClient.go`) and the
//! Profiles Drilldown app make, sent with exactly their fields, in binary protobuf and in
//! Connect's JSON, over profiles a real Go program wrote and pushed; every answer decodes as
//! Pyroscope's message, both encodings answer the same, and the numbers are `/profiles`' numbers
//! for the same window.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::Path;

use prost::Message;
use serde::de::DeserializeOwned;
use serde::Serialize;

use pf_formats::formats::pyroscope_api::{FlameGraph, Series};

use crate::helpers::{json_with_status, self_samples, spawn_app_with, TestApp, REAL_PROGRAMS};
use crate::ingest::ingest;
use crate::real_runtimes::run;

pub const CPU: &str = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
pub const INUSE: &str = "memory:inuse_space:bytes:space:bytes";

/// Calls `method` with `request` in binary and in JSON, checks both answer 200 with the same
/// message in the encoding asked, and gives it.
pub async fn call<Req, Res>(app: &TestApp, method: &str, request: &Req) -> Res
where
    Req: Message + Serialize,
    Res: Message + Default + DeserializeOwned + PartialEq + Debug,
{
    let answer = |media: &'static str, body: Vec<u8>| async move {
        let (status, content_type, bytes) = send(app, method, media, body).await;
        let shown = String::from_utf8_lossy(&bytes).into_owned();
        assert_eq!(status, 200, "{method} ({media}): {shown}");
        assert_eq!(content_type, media, "{method}");
        bytes
    };
    let binary = answer("application/proto", request.encode_to_vec()).await;
    let from_binary = Res::decode(binary.as_slice()).expect("a Pyroscope message");
    let json = answer("application/json", serde_json::to_vec(request).unwrap()).await;
    let from_json: Res = serde_json::from_slice(&json).expect("a Pyroscope message in JSON");
    assert_eq!(
        from_binary, from_json,
        "{method}: the two encodings disagree"
    );
    from_binary
}

/// `(status, content type, body)` of one call.
pub async fn send(
    app: &TestApp,
    method: &str,
    media: &str,
    body: Vec<u8>,
) -> (u16, String, Vec<u8>) {
    let res = app
        .client
        .post(app.url(&format!("/querier.v1.QuerierService/{method}")))
        .header("content-type", media)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let media = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, media, res.bytes().await.unwrap().to_vec())
}

/// `tests/runtimes/gc_churn.go` run for real: its `cpu.pb.gz` and `heap.pb.gz`.
pub fn go_profiles(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = dir.join("go-out");
    std::fs::create_dir_all(&out).unwrap();
    let source = root.join("tests/runtimes/gc_churn.go");
    let cache = dir.join("gocache");
    {
        let _alone = REAL_PROGRAMS.write().unwrap_or_else(|e| e.into_inner());
        run(
            "go",
            &["run", &source.to_string_lossy(), &out.to_string_lossy()],
            &[
                ("GOMAXPROCS", "1"),
                ("GOGC", "10"),
                ("GOCACHE", &cache.to_string_lossy()),
                ("GOFLAGS", "-mod=mod"),
            ],
        );
    }
    let read = |name| std::fs::read(out.join(name)).unwrap();
    (read("cpu.pb.gz"), read("heap.pb.gz"))
}

/// A store with the Go program's profiles pushed as `goapp`: CPU at `t` and `t + 10` (version
/// 1.4.2) and `t + 20` (1.4.3), the heap at `t`. Gives the app and `t` (epoch seconds).
pub async fn pushed_go_app(dir: &Path) -> (TestApp, i64) {
    let (cpu, heap) = go_profiles(dir);
    // The default retention (14 days): the profiles are minutes old.
    let app = spawn_alone(dir).await;
    let now = chrono::Utc::now().timestamp();
    let t = now - now.rem_euclid(60) - 120;
    for (at, version, body) in [
        (t, "1.4.2", &cpu),
        (t + 10, "1.4.2", &cpu),
        (t + 20, "1.4.3", &cpu),
        (t, "1.4.2", &heap),
    ] {
        let query = format!(
            "name=goapp{{version={version}}}&from={at}&until={}&format=pprof",
            at + 10
        );
        let res = ingest(&app, &query, "application/octet-stream", body.clone()).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }
    (app, t)
}

/// The service with a store of its own in `dir` and no demo profiles beside it, so every
/// answer is about what the test pushed.
pub async fn spawn_alone(dir: &Path) -> TestApp {
    let (store, demo) = (dir.join("store"), dir.join("no-demo"));
    std::fs::create_dir_all(&demo).unwrap();
    spawn_app_with(move |s| {
        s.ingest.store_dir = store;
        s.profiles.demo_dir = demo;
    })
    .await
}

/// Self value per function of a flame graph (its root left out).
pub fn flame_selves(graph: &FlameGraph) -> BTreeMap<String, u64> {
    let mut selves = BTreeMap::new();
    for level in graph.levels.iter().skip(1) {
        for node in level.values.chunks_exact(4) {
            if node[2] > 0 {
                *selves
                    .entry(graph.names[node[3] as usize].clone())
                    .or_default() += node[2] as u64;
            }
        }
    }
    selves
}

/// Every parent's total is its self value plus its children's totals, level by level.
pub fn assert_whole(graph: &FlameGraph) {
    for depth in 0..graph.levels.len().saturating_sub(1) {
        let (parents, children) = (&graph.levels[depth].values, &graph.levels[depth + 1].values);
        let mut x = 0;
        let mut spans = Vec::new();
        for p in parents.chunks_exact(4) {
            x += p[0];
            spans.push((x, x + p[1], p[1] - p[2]));
            x += p[1];
        }
        let mut x = 0;
        let mut under = vec![0i64; spans.len()];
        for c in children.chunks_exact(4) {
            x += c[0];
            let at = spans
                .iter()
                .position(|(s, e, _)| *s <= x && x < *e)
                .expect("a child under a parent");
            under[at] += c[1];
            x += c[1];
        }
        for ((_, _, want), got) in spans.iter().zip(under) {
            assert_eq!(
                *want, got,
                "level {depth}: a parent's total is not its self plus its children"
            );
        }
    }
}

/// What `/profiles` says of `app`'s `kind` in `[from, to)`: its total and self per function.
pub async fn profiles_answer(
    app: &TestApp,
    name: &str,
    kind: &str,
    from: i64,
    to: i64,
) -> (u64, BTreeMap<String, u64>) {
    let path = format!("/profiles/{name}?type={kind}&from={from}&to={to}&limit=1000");
    let body = json_with_status(app.get(&path).await, 200).await;
    let total = body["totalSamples"].as_u64().unwrap();
    let listed = body["functions"].as_array().unwrap().len();
    assert!(
        listed < 1000,
        "/profiles listed only its top 1000 functions"
    );
    (total, self_samples(&body).into_iter().collect())
}

/// The sum of every point of every series.
pub fn series_sum(series: &[Series]) -> f64 {
    series.iter().flat_map(|s| &s.points).map(|p| p.value).sum()
}

#[path = "querier_agents.rs"]
mod agents;
#[path = "querier_client.rs"]
mod client;
#[path = "querier_files.rs"]
mod files;
#[path = "querier_grafana.rs"]
mod grafana;
#[path = "querier_inputs.rs"]
mod inputs;
#[path = "querier_shapes.rs"]
mod shapes;

//! In-use memory (docs/runtimes.md): the fifth logical type, read from the heap profiles Node.js
//! and Python agents push, averaged over a window's snapshots rather than added up, and accepted
//! wherever a type is (baselines, alert rules, triage).

use serde_json::{json, Value};

use crate::helpers::{json_with_status, self_samples};
use crate::ingest::{ingest, push, push_request, spawn_with_store};
use crate::profile_data::pprof::encode::{profile, to_bytes, Header, Stack};

const FROM: i64 = 1_760_000_000;

/// A heap snapshot as `@pyroscope/nodejs` sends one: `inuse_objects/count`,
/// `inuse_space/bytes`, period `space/bytes`; `main;cache` holds `cache` bytes and
/// `main;Buffer.alloc` holds `buffers` bytes.
fn heap(cache: i64, buffers: i64) -> Vec<u8> {
    let header = Header {
        sample_types: vec![
            ("inuse_objects".into(), "count".into()),
            ("inuse_space".into(), "bytes".into()),
        ],
        period_type: Some(("space".into(), "bytes".into())),
        period: 524_288,
        ..Header::default()
    };
    let stack = |leaf: &str, bytes: i64| Stack {
        frames: vec!["main".into(), leaf.into()],
        values: vec![bytes / 100, bytes],
    };
    to_bytes(
        &profile(
            &header,
            &[stack("cache", cache), stack("Buffer.alloc", buffers)],
        ),
        true,
    )
}

/// `(name, selfSamples)` of the functions with self value, and the profile-type ID.
async fn read(app: &crate::helpers::TestApp, path: &str) -> (Vec<(String, u64)>, Value) {
    let body = json_with_status(app.get(path).await, 200).await;
    let functions = self_samples(&body);
    (functions, body["profileTypeId"].clone())
}

#[tokio::test]
async fn heap_snapshots_read_as_inuse_and_a_window_is_their_mean() {
    let store = tempfile::tempdir().unwrap();
    let app = spawn_with_store(store.path()).await;
    // Three 10-s snapshots of one Node.js process: the cache grows 1 000 → 3 000 bytes.
    for (n, cache) in [1_000, 2_000, 3_000].into_iter().enumerate() {
        let from = FROM + 10 * n as i64;
        let query = format!(
            "name=heapy%7Bversion%3D1%7D&from={from}&until={}&format=pprof&spyName=nodespy",
            from + 10
        );
        let res = ingest(&app, &query, "application/octet-stream", heap(cache, 600)).await;
        assert_eq!(res.status(), 200);
    }
    let window = format!("from={FROM}&to={}", FROM + 30);
    let (functions, id) = read(&app, &format!("/profiles/heapy?type=inuse&{window}")).await;
    // The mean of the snapshots, not their sum (6 000 and 1 800).
    assert_eq!(
        functions,
        [("cache".into(), 2_000), ("Buffer.alloc".into(), 600)]
    );
    assert_eq!(id, "memory:inuse_space:bytes:space:bytes");
    // One snapshot's window is that snapshot; the aliases name the same type.
    let (last, _) = read(
        &app,
        &format!(
            "/profiles/heapy?type=heap&from={}&to={}",
            FROM + 20,
            FROM + 30
        ),
    )
    .await;
    assert_eq!(
        last,
        [("cache".into(), 3_000), ("Buffer.alloc".into(), 600)]
    );
    let (alias, _) = read(&app, &format!("/profiles/heapy?type=inuse_space&{window}")).await;
    assert_eq!(alias, functions);
    // Held memory is not allocation: a heap snapshot has no alloc sample type.
    let (alloc, _) = read(&app, &format!("/profiles/heapy?type=alloc&{window}")).await;
    assert!(alloc.is_empty(), "{alloc:?}");

    let triage = json_with_status(
        app.get(&format!("/triage/heapy?types=inuse&{window}"))
            .await,
        200,
    )
    .await;
    assert_eq!(
        triage["profiles"]["inuse"]["diagnosis"], "buffer_retention",
        "{triage}"
    );
}

#[tokio::test]
async fn a_python_memory_series_answers_alloc_and_inuse_from_one_profile() {
    let store = tempfile::tempdir().unwrap();
    let app = spawn_with_store(store.path()).await;
    // `pyroscope-io` 1.x with memory on: one pprof with all four of Python's sample types.
    let header = Header {
        sample_types: vec![
            ("alloc_objects".into(), "count".into()),
            ("alloc_space".into(), "bytes".into()),
            ("inuse_objects".into(), "count".into()),
            ("inuse_space".into(), "bytes".into()),
        ],
        period_type: Some(("space".into(), "bytes".into())),
        time_nanos: FROM * 1_000_000_000,
        duration_nanos: 10_000_000_000,
        ..Header::default()
    };
    let stack = |leaf: &str, values: Vec<i64>| Stack {
        frames: vec!["<module>".into(), leaf.into()],
        values,
    };
    let pprof = to_bytes(
        &profile(
            &header,
            &[
                stack("churn", vec![50, 90_000, 1, 1_000]),
                stack("keep", vec![5, 10_000, 5, 8_000]),
            ],
        ),
        false,
    );
    let res = push(
        &app,
        "application/proto",
        false,
        push_request("pymem", "1", pprof),
    )
    .await;
    assert_eq!(res.status(), 200);
    let window = format!("from={FROM}&to={}", FROM + 10);
    let (alloc, _) = read(&app, &format!("/profiles/pymem?type=alloc&{window}")).await;
    assert_eq!(alloc, [("churn".into(), 90_000), ("keep".into(), 10_000)]);
    let (inuse, _) = read(&app, &format!("/profiles/pymem?type=inuse&{window}")).await;
    assert_eq!(inuse, [("keep".into(), 8_000), ("churn".into(), 1_000)]);
}

#[tokio::test]
async fn baselines_and_alert_rules_take_the_inuse_type() {
    let store = tempfile::tempdir().unwrap();
    let app = spawn_with_store(store.path()).await;
    let baseline = json!({
        "appName": "heapy", "profileType": "heap", "functionName": "cache",
        "maxSelfPercent": 40.0, "severity": "warning", "createdBy": "test"
    });
    let created = json_with_status(app.post("/baselines", &baseline).await, 201).await;
    assert_eq!(created["profileType"], "inuse");
    let rule = json!({
        "appName": "heapy", "profileType": "inuse", "functionPattern": "cache",
        "thresholdPercent": 50.0, "severity": "warning", "createdBy": "test"
    });
    let created = json_with_status(app.post("/rules", &rule).await, 201).await;
    assert_eq!(created["profileType"], "inuse");
}

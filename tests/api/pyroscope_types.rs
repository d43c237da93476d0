//! Types as the app has them, and a remainder that is no function (docs/at-scale.md): read
//! through a Pyroscope (the stand-in), a Go program's real mutex profile is the `lock` type
//! under Go's own IDs and a .NET-shaped allocation profile the `alloc` type under .NET's;
//! triage, `/profiles` and the watcher's trends read them, and a type the app does not have
//! answers empty (SPEC §33), never read from another runtime's ID. Where Pyroscope cuts
//! a flame graph (`max_nodes`), the samples in its `other` nodes are the remainder: no
//! summary, fleet answer or event names a function `other`, even when the remainder grows.

use std::path::Path;
use std::time::Duration;

use pf_model::{ProfileType, SliceSecs};
use serde_json::{json, Value};

use crate::helpers::{eventually, json_with_status, spawn_app_with, TestApp, REAL_PROGRAMS};
use crate::profile_data::pprof::encode::{profile, to_bytes, Header, Stack};
use crate::stubs::standin::PyroscopeStandIn;

const SLICE: i64 = 60;

/// A real mutex profile of `tests/runtimes/mutex` (runtime/pprof, every contention).
fn go_mutex_profile(dir: &Path) -> Vec<u8> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/runtimes/mutex");
    let build = dir.join("mutex");
    std::fs::create_dir_all(&build).unwrap();
    std::fs::copy(source.join("main.go"), build.join("main.go")).unwrap();
    std::fs::write(build.join("go.mod"), "module mutex\n\ngo 1.19\n").unwrap();
    let out = dir.join("mutex.pb.gz");
    let _beside = REAL_PROGRAMS.read().unwrap_or_else(|e| e.into_inner());
    let ran = std::process::Command::new("go")
        .current_dir(&build)
        .args(["run", "."])
        .arg(&out)
        .arg("1")
        .env("GOCACHE", dir.join("gocache"))
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .output()
        .unwrap_or_else(|e| panic!("go cannot run ({e}): scripts/test installs it (golang-go)"));
    assert!(
        ran.status.success(),
        "the mutex program failed: {}",
        String::from_utf8_lossy(&ran.stderr)
    );
    std::fs::read(out).unwrap()
}

/// What the .NET profiler sends of allocations: sample types `alloc_samples/count` and
/// `alloc_size/bytes` with a `cpu/nanoseconds` period, under `process_cpu`.
fn dotnet_allocations() -> Vec<u8> {
    let header = Header {
        sample_types: vec![
            ("alloc_samples".into(), "count".into()),
            ("alloc_size".into(), "bytes".into()),
        ],
        period_type: Some(("cpu".into(), "nanoseconds".into())),
        period: 10_000_000,
        ..Header::default()
    };
    let stack = |leaf: &str, bytes: i64| Stack {
        frames: vec!["Checkout.Program.Main".into(), leaf.into()],
        values: vec![bytes / 4096, bytes],
    };
    to_bytes(
        &profile(
            &header,
            &[
                stack("System.Text.StringBuilder.ToString", 600 << 20),
                stack("System.Collections.Generic.List.Add", 200 << 20),
            ],
        ),
        true,
    )
}

/// A slice start a few slices back.
fn past_start() -> i64 {
    let now = chrono::Utc::now().timestamp();
    now - now.rem_euclid(SLICE) - 5 * SLICE
}

async fn watching_pyroscope(standin: &PyroscopeStandIn, types: Vec<ProfileType>) -> TestApp {
    let url = standin.url();
    spawn_app_with(move |s| {
        s.pyroscope.url = Some(url);
        s.watch.enabled = true;
        s.watch.backfill_hours = 0;
        s.watch.slice_secs = SliceSecs::new(SLICE).unwrap();
        s.watch.lag_secs = Duration::from_secs(1);
        s.watch.types = types;
    })
    .await
}

/// Backfills `[from, to)` and waits until the trend of `app`'s `kind` has `slices` slices.
async fn trend(
    app: &TestApp,
    name: &str,
    kind: &str,
    (from, to): (i64, i64),
    slices: usize,
) -> Value {
    let path = format!("/trends/{name}?type={kind}&from={from}&to={to}&limit=20");
    eventually(
        120,
        &format!("{slices} slices of {name}'s {kind}"),
        || async {
            let trend = json_with_status(app.get(&path).await, 200).await;
            trend["slices"].as_array().map_or(0, Vec::len) == slices
        },
    )
    .await;
    json_with_status(app.get(&path).await, 200).await
}

#[tokio::test]
async fn each_app_is_read_with_the_ids_it_has_and_a_type_it_lacks_is_absent() {
    let dir = tempfile::tempdir().unwrap();
    let mutex = go_mutex_profile(dir.path());
    let allocations = dotnet_allocations();
    let standin = PyroscopeStandIn::start().await;
    let start = past_start();
    for k in 0..3 {
        let at = start + k * SLICE + 5;
        let go = [("service_name", "ledger-go"), ("__name__", "mutex")];
        standin.keep_at(&go, &mutex, (at, at + 10));
        let net = [
            ("service_name", "checkout-net"),
            ("__name__", "process_cpu"),
        ];
        standin.keep_at(&net, &allocations, (at, at + 10));
    }
    let app = watching_pyroscope(&standin, vec![ProfileType::Lock, ProfileType::Alloc]).await;
    let window = format!("from={start}&to={}", start + 3 * SLICE);

    let lock = json_with_status(
        app.get(&format!("/profiles/ledger-go?type=lock&{window}"))
            .await,
        200,
    )
    .await;
    assert_eq!(
        lock["profileTypeId"],
        "mutex:contentions:count:contentions:count"
    );
    assert!(lock["totalSamples"].as_u64().unwrap() > 0, "{lock:#}");
    let alloc = json_with_status(
        app.get(&format!("/profiles/checkout-net?type=alloc&{window}"))
            .await,
        200,
    )
    .await;
    assert_eq!(
        alloc["profileTypeId"],
        "process_cpu:alloc_size:bytes:cpu:nanoseconds"
    );
    assert_eq!(alloc["totalSamples"], 3 * (800_u64 << 20));
    assert_eq!(
        alloc["functions"][0]["name"],
        "System.Text.StringBuilder.ToString"
    );

    // Triage reads both; a type the app lacks is empty, never read from another's ID.
    let triage = json_with_status(
        app.get(&format!("/triage/ledger-go?types=lock&{window}"))
            .await,
        200,
    )
    .await;
    let lock_diagnosis = &triage["profiles"]["lock"]["diagnosis"];
    assert!(
        lock_diagnosis.is_string() && lock_diagnosis != "unavailable",
        "{triage:#}"
    );
    json_with_status(
        app.get(&format!("/triage/checkout-net?types=alloc&{window}"))
            .await,
        200,
    )
    .await;
    for (name, kind) in [
        ("ledger-go", "wall"),
        ("ledger-go", "alloc"),
        ("checkout-net", "inuse"),
    ] {
        let res = app
            .get(&format!("/profiles/{name}?type={kind}&{window}"))
            .await;
        // Quiet, not absent (SPEC §33): empty, and never read from another runtime's ID.
        let body = json_with_status(res, 200).await;
        assert_eq!(body["totalSamples"], 0, "{name} {kind}");
        assert_eq!(body["functions"], json!([]), "{name} {kind}");
    }

    // The watcher's trends read the same IDs.
    let body = json!({"from": start, "to": start + 3 * SLICE});
    json_with_status(app.post("/trends/backfill", &body).await, 202).await;
    let span = (start, start + 3 * SLICE);
    let lock = trend(&app, "ledger-go", "lock", span, 3).await;
    assert!(
        lock["slices"][0]["totalSamples"].as_u64().unwrap() > 0,
        "{lock:#}"
    );
    let alloc = trend(&app, "checkout-net", "alloc", span, 3).await;
    assert_eq!(alloc["slices"][0]["totalSamples"], 800_u64 << 20);
}

/// A CPU profile of 40 small functions under `main` (each a little larger than the last), the
/// `k`-th of its kind: from slice 10 on, the small functions do twice their work (the remainder
/// a cut graph folds most of them into grows by half), `main.serve` the rest.
fn many_small(k: i64) -> Vec<u8> {
    let header = Header {
        sample_types: vec![("cpu".into(), "nanoseconds".into())],
        period_type: Some(("cpu".into(), "nanoseconds".into())),
        period: 10_000_000,
        ..Header::default()
    };
    let small = if k < 10 { 25 } else { 50 };
    let mut stacks = vec![Stack {
        frames: vec!["main".into(), "main.serve".into()],
        values: vec![1000 * 10_000_000],
    }];
    for i in 0..40 {
        stacks.push(Stack {
            frames: vec!["main".into(), format!("main.small{i:02}")],
            values: vec![(small + i) * 10_000_000],
        });
    }
    to_bytes(&profile(&header, &stacks), true)
}

#[tokio::test]
async fn a_cut_flame_graphs_remainder_is_never_a_function() {
    let standin = PyroscopeStandIn::start().await;
    let now = chrono::Utc::now().timestamp();
    let slice: i64 = 10;
    let newest = now - now.rem_euclid(slice);
    let first = newest - 16 * slice;
    for k in 0..16 {
        let at = first + k * slice;
        let labels = [("service_name", "cutty")];
        standin.keep_at(&labels, &many_small(k), (at, at + slice));
    }
    let url = standin.url();
    let app = spawn_app_with(move |s| {
        s.pyroscope.url = Some(url);
        // Pyroscope keeps the 8 largest nodes and folds the rest into `other`.
        s.pyroscope.max_nodes = std::num::NonZeroU32::new(8).unwrap();
        s.pyroscope.max_nodes_limit = 8;
        s.pyroscope.cache_ttl_secs = Duration::ZERO;
        s.watch.enabled = true;
        s.watch.backfill_hours = 0;
        s.watch.slice_secs = SliceSecs::new(slice).unwrap();
        s.watch.lag_secs = Duration::from_secs(1);
        s.watch.types = vec![ProfileType::Cpu];
        s.watch.reference_slices = 8;
        s.watch.recent_slices = 3;
        s.watch.confirm_slices = std::num::NonZeroU32::new(2).unwrap();
    })
    .await;
    let body = json!({"from": first, "to": newest});
    json_with_status(app.post("/trends/backfill", &body).await, 202).await;
    let path = format!("/trends/cutty?type=cpu&from={first}&to={newest}&limit=100");
    eventually(120, "16 slices summarized", || async {
        let trend = json_with_status(app.get(&path).await, 200).await;
        trend["slices"].as_array().map_or(0, Vec::len) == 16
    })
    .await;
    // The profile is cut: a remainder is said, and no summary keeps it as a function.
    let window = format!("from={first}&to={newest}");
    let read = json_with_status(app.get(&format!("/profiles/cutty?{window}")).await, 200).await;
    assert!(
        read["truncatedPercent"].as_f64().unwrap() > 40.0,
        "{read:#}"
    );
    let names = |v: &Value, key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["function"].as_str().or(f["name"].as_str()))
            .map(str::to_owned)
            .collect()
    };
    assert!(
        !names(&read, "functions").contains(&"other".to_owned()),
        "{read:#}"
    );
    let trend = json_with_status(app.get(&path).await, 200).await;
    let kept = names(&trend, "series");
    assert!(
        kept.contains(&"main.serve".to_owned()) && !kept.contains(&"other".to_owned()),
        "{kept:?}"
    );
    for path in [
        format!("/fleet/hotspots?{window}&source=summaries&limit=50"),
        format!("/fleet/hotspots?{window}&source=live&limit=50"),
    ] {
        let answer = app.get(&path).await.text().await.unwrap();
        assert!(!answer.contains("\"other\""), "{path}: {answer}");
    }
    for source in ["summaries", "live"] {
        let path = format!("/search?function=other&{window}&source={source}");
        let found = json_with_status(app.get(&path).await, 200).await;
        assert_eq!(found["matchCount"], 0, "{path}: {found}");
    }
    // The remainder grew by half at slice 10: no event is about a function called `other`.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let events = json_with_status(app.get("/regressions?appName=cutty").await, 200).await;
    assert!(!events.to_string().contains("\"other\""), "{events:#}");
}

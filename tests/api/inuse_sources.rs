//! In-use memory is the same answer from every source (docs/at-scale.md): the same heap
//! snapshots pushed to the service's own store and kept in a Pyroscope (the stand-in, which
//! adds up what it merges as Pyroscope does) read the same through `/profiles`, `/trends` and
//! the querier. Several snapshots per window and per slice, two pods side by side (one sending
//! twice as often as the other), a pod that leaves, and a deploy that replaces a series.
//!
//! What is exact: the level of every window (each series' mean, series side by side added up,
//! series that follow one another averaged by their time), from both sources, to the byte;
//! each function's value too where every snapshot has the same shape (then the function is a
//! fixed part of the level). Where the pods' shapes differ, Pyroscope's merged sum weighs each
//! snapshot once while the push store weighs it by the time it stood: the total stays exact,
//! a function's value is the snapshots' mix (`functions_follow_the_mix_of_the_snapshots`).

use std::time::Duration;

use pf_formats::formats::pyroscope_api::paths;
use pf_model::{ProfileType, SliceSecs};
use serde_json::{json, Value};

use crate::helpers::{eventually, json_with_status, self_samples, spawn_app_with, TestApp};
use crate::ingest::{ingest, CENTURY};
use crate::profile_data::pprof::encode::{profile, to_bytes, Header, Stack};
use crate::stubs::standin::PyroscopeStandIn;

/// The slices of the watchers here.
const SLICE: i64 = 60;

/// A Go heap profile (`runtime/pprof`'s sample types): `main;cache` holds `cache` bytes and
/// `main;buffers` holds `buffers` bytes (the object counts are made up from them).
fn heap(cache: i64, buffers: i64) -> Vec<u8> {
    let header = Header {
        sample_types: vec![
            ("alloc_objects".into(), "count".into()),
            ("alloc_space".into(), "bytes".into()),
            ("inuse_objects".into(), "count".into()),
            ("inuse_space".into(), "bytes".into()),
        ],
        period_type: Some(("space".into(), "bytes".into())),
        period: 524_288,
        ..Header::default()
    };
    let stack = |leaf: &str, bytes: i64| Stack {
        frames: vec!["main".into(), leaf.into()],
        values: vec![bytes / 64, bytes, bytes / 64, bytes],
    };
    to_bytes(
        &profile(&header, &[stack("cache", cache), stack("buffers", buffers)]),
        true,
    )
}

/// One snapshot: its series' labels (besides the app), its span and its two values.
struct Snapshot {
    labels: &'static [(&'static str, &'static str)],
    from: i64,
    until: i64,
    cache: i64,
    buffers: i64,
}

/// The unit of the snapshots' values: every snapshot is a multiple of 36 000 bytes, so that
/// each one's part of a window's mean is a whole number of bytes from both sources.
const UNIT: i64 = 36_000;

/// Pod `a` every 10 s for three slices (version 1, then version 2 from the middle of the third
/// slice: a deploy that replaces its series), pod `b` every 5 s in the first slice only, all
/// from `start`; pod a holds 70 % of its memory in its cache, pod b `b_cache` tenths.
fn snapshots(start: i64, b_cache: i64) -> Vec<Snapshot> {
    let mut all = Vec::new();
    for k in 0..18 {
        let from = start + 10 * k;
        let (labels, units): (&'static [(&str, &str)], i64) = if k < 15 {
            (&[("pod", "a"), ("version", "1")], 96 + 4 * k)
        } else {
            (&[("pod", "a"), ("version", "2")], 40)
        };
        all.push(Snapshot {
            labels,
            from,
            until: from + 10,
            cache: 7 * units * UNIT,
            buffers: 3 * units * UNIT,
        });
    }
    for k in 0..12 {
        let from = start + 5 * k;
        all.push(Snapshot {
            labels: &[("pod", "b"), ("version", "1")],
            from,
            until: from + 5,
            cache: b_cache * 48 * UNIT,
            buffers: (10 - b_cache) * 48 * UNIT,
        });
    }
    all
}

/// The same snapshots pushed to a service with its own store and kept in a Pyroscope read by
/// another; both watching in-use memory in 60-s slices when `watch`.
struct Sources {
    pushed: TestApp,
    pyroscope: TestApp,
    standin: PyroscopeStandIn,
    _store: tempfile::TempDir,
}

async fn sources(app: &str, snaps: &[Snapshot], watch: bool) -> Sources {
    let standin = PyroscopeStandIn::start().await;
    let store = tempfile::tempdir().unwrap();
    let watching = move |s: &mut pyroscope_functions::app::settings::Settings| {
        s.watch.enabled = watch;
        s.watch.backfill_hours = 0;
        s.watch.slice_secs = SliceSecs::new(SLICE).unwrap();
        s.watch.lag_secs = Duration::from_secs(1);
        s.watch.types = vec![ProfileType::Inuse];
    };
    let dir = store.path().to_path_buf();
    let pushed = spawn_app_with(move |s| {
        s.ingest.store_dir = dir;
        s.ingest.retention_days = CENTURY;
        watching(s);
    })
    .await;
    let url = standin.url();
    let pyroscope = spawn_app_with(move |s| {
        s.pyroscope.url = Some(url);
        watching(s);
    })
    .await;
    for snap in snaps {
        let labels: Vec<String> = snap
            .labels
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        let name = format!("{app}{{{}}}", labels.join(","));
        let query = format!(
            "name={}&from={}&until={}&format=pprof",
            percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC),
            snap.from,
            snap.until
        );
        let body = heap(snap.cache, snap.buffers);
        let res = ingest(&pushed, &query, "application/octet-stream", body.clone()).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        let mut kept: Vec<(&str, &str)> = vec![("service_name", app), ("__name__", "memory")];
        kept.extend(snap.labels.iter().copied());
        standin.keep_at(&kept, &body, (snap.from, snap.until));
    }
    Sources {
        pushed,
        pyroscope,
        standin,
        _store: store,
    }
}

/// `/profiles/{app}?type=inuse` over `[from, to)` from one service: its total and functions.
async fn inuse(app: &TestApp, name: &str, (from, to): (i64, i64)) -> (u64, Vec<(String, u64)>) {
    let path = format!("/profiles/{name}?type=inuse&from={from}&to={to}");
    let body = json_with_status(app.get(&path).await, 200).await;
    let mut functions = self_samples(&body);
    functions.sort();
    (body["totalSamples"].as_u64().unwrap(), functions)
}

/// A start a few slices back, on the slice grid.
fn past_start() -> i64 {
    let now = chrono::Utc::now().timestamp();
    now - now.rem_euclid(SLICE) - 6 * SLICE
}

#[tokio::test]
async fn snapshots_read_the_same_through_pyroscope_as_through_the_push_store() {
    let start = past_start();
    let s = sources("heapy", &snapshots(start, 7), false).await;
    // Each slice, then all three, then a window cutting the deploy.
    let windows = [
        (start, start + 60),
        (start + 60, start + 120),
        (start + 120, start + 180),
        (start, start + 180),
        (start + 140, start + 160),
    ];
    for window in windows {
        let pushed = inuse(&s.pushed, "heapy", window).await;
        let read = inuse(&s.pyroscope, "heapy", window).await;
        assert_eq!(read, pushed, "window {window:?}");
    }
    // The levels, worked out by hand (in tens of units): pod a's six snapshots average 106
    // and pod b's twelve 48, side by side; the second slice is pod a's 130 alone; the third
    // is version 1's three snapshots (average 148) then version 2's three of 40, each for
    // half of it.
    let level = |tens: i64| (10 * tens * UNIT) as u64;
    let first = inuse(&s.pyroscope, "heapy", windows[0]).await.0;
    assert_eq!(first, level(106) + level(48));
    assert_eq!(inuse(&s.pyroscope, "heapy", windows[1]).await.0, level(130));
    assert_eq!(
        inuse(&s.pyroscope, "heapy", windows[2]).await.0,
        level(148 + 40) / 2
    );
    // Read from Pyroscope's sum and its series, not from a store of the service's own.
    let asked = s.standin.messages(paths::SELECT_SERIES);
    assert!(!asked.is_empty(), "SelectSeries was not asked");
    // The querier over the push store says the same as Pyroscope read through /profiles.
    let body = json!({
        "profileTypeID": "memory:inuse_space:bytes:space:bytes",
        "labelSelector": "{service_name=\"heapy\"}",
        "start": (start * 1000).to_string(), "end": ((start + 60) * 1000).to_string(),
    });
    let res = s
        .pushed
        .client
        .post(s.pushed.url(paths::SELECT_MERGE_STACKTRACES))
        .json(&body)
        .send()
        .await
        .unwrap();
    let graph = json_with_status(res, 200).await;
    let total: u64 = graph["flamegraph"]["total"]
        .as_str()
        .map(|t| t.parse().unwrap())
        .or_else(|| graph["flamegraph"]["total"].as_u64())
        .unwrap();
    assert_eq!(total, first);
}

#[tokio::test]
async fn slices_summarized_from_pyroscope_and_from_pushes_are_the_same() {
    let start = past_start();
    let s = sources("heapz", &snapshots(start, 7), true).await;
    let backfill = json!({"from": start, "to": start + 3 * SLICE});
    for app in [&s.pushed, &s.pyroscope] {
        json_with_status(app.post("/trends/backfill", &backfill).await, 202).await;
    }
    let path = format!(
        "/trends/heapz?type=inuse&from={start}&to={}&limit=10",
        start + 3 * SLICE
    );
    for app in [&s.pushed, &s.pyroscope] {
        eventually(120, "three slices summarized", || async {
            let trend = json_with_status(app.get(&path).await, 200).await;
            trend["slices"].as_array().map_or(0, Vec::len) == 3
        })
        .await;
    }
    let pushed = json_with_status(s.pushed.get(&path).await, 200).await;
    let read = json_with_status(s.pyroscope.get(&path).await, 200).await;
    let view = |t: &Value| (t["slices"].clone(), t["series"].clone());
    assert_eq!(view(&read), view(&pushed));
}

#[tokio::test]
async fn functions_follow_the_mix_of_the_snapshots() {
    // Pod b holds its memory in buffers (30 % cache) where pod a holds it in its cache (70 %):
    // the total is exact from both sources; each function is within the difference of the
    // two weightings (pod b's twelve 5-s snapshots weigh 12/18 of Pyroscope's sum and half
    // of the push store's time).
    let start = past_start();
    let s = sources("heapw", &snapshots(start, 3), false).await;
    let window = (start, start + 60);
    let (pushed_total, pushed) = inuse(&s.pushed, "heapw", window).await;
    let (read_total, read) = inuse(&s.pyroscope, "heapw", window).await;
    assert_eq!(read_total, pushed_total);
    for ((name, p), (other, r)) in pushed.iter().zip(&read) {
        assert_eq!(name, other);
        let gap = (*p as f64 - *r as f64).abs() / pushed_total as f64;
        assert!(gap < 0.07, "{name}: {p} pushed, {r} through Pyroscope");
    }
}

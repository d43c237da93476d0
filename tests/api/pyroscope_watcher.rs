//! The watcher as a good citizen of a shared Pyroscope (docs/at-scale.md): it asks for what
//! holds data — a few fleet-wide calls per type and slice, then one merged profile per (app,
//! type, slice) with data and nothing for the others —, backfills more than Pyroscope's longest
//! window in pieces, and summarizes every slice with its right total through Pyroscope's
//! refusals.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use pf_formats::formats::pyroscope_api::paths;
use pf_model::{ProfileType, SliceSecs};
use pf_pprof::encode::{profile, to_bytes, Header, Stack};
use serde_json::{json, Value};

use crate::helpers::{eventually, json_with_status, spawn_app_with, TestApp};
use crate::stubs::standin::PyroscopeStandIn;
use crate::stubs::standin_limits::pyroscopes;

/// A profile of one sample type under `main;work;<leaf>`, `value` in all.
fn one_type(kind: (&str, &str), period: (&str, &str), leaf: &str, value: i64) -> Vec<u8> {
    let header = Header {
        sample_types: vec![(kind.0.into(), kind.1.into())],
        period_type: Some((period.0.into(), period.1.into())),
        period: 1,
        ..Header::default()
    };
    let stacks = [
        Stack {
            frames: vec!["main".into(), "work".into(), leaf.into()],
            values: vec![value * 3 / 4],
        },
        Stack {
            frames: vec!["main".into(), "idle".into()],
            values: vec![value - value * 3 / 4],
        },
    ];
    to_bytes(&profile(&header, &stacks), true)
}

/// The watched types and how each is kept: its `__name__` and profile.
fn kept(kind: ProfileType, value: i64) -> (&'static str, Vec<u8>) {
    match kind {
        ProfileType::Cpu => (
            "process_cpu",
            one_type(
                ("cpu", "nanoseconds"),
                ("cpu", "nanoseconds"),
                "compute",
                value,
            ),
        ),
        ProfileType::Alloc => (
            "memory",
            one_type(
                ("alloc_space", "bytes"),
                ("space", "bytes"),
                "allocate",
                value,
            ),
        ),
        _ => (
            "memory",
            one_type(("inuse_space", "bytes"), ("space", "bytes"), "keep", value),
        ),
    }
}

const TYPES: [ProfileType; 3] = [ProfileType::Cpu, ProfileType::Alloc, ProfileType::Inuse];

/// A watcher of `TYPES` on `standin` in slices of `slice` seconds (no start-up backfill unless
/// `backfill_hours`).
async fn watcher(standin: &PyroscopeStandIn, slice: i64, backfill_hours: u64) -> TestApp {
    let url = standin.url();
    spawn_app_with(move |s| {
        s.pyroscope.url = Some(url);
        s.pyroscope.cache_ttl_secs = Duration::ZERO;
        s.watch.enabled = true;
        s.watch.backfill_hours = backfill_hours;
        s.watch.slice_secs = SliceSecs::new(slice).unwrap();
        s.watch.lag_secs = Duration::from_secs(1);
        s.watch.types = TYPES.to_vec();
    })
    .await
}

/// Waits until `app`'s trend of `kind` lists `slices` slices in `[from, to)`; answers it.
async fn trend(
    app: &TestApp,
    name: &str,
    kind: ProfileType,
    (from, to): (i64, i64),
    slices: usize,
) -> Value {
    let path = format!("/trends/{name}?type={kind}&from={from}&to={to}&limit=10");
    eventually(
        180,
        &format!("{slices} slices of {name} {kind}"),
        || async {
            let t = json_with_status(app.get(&path).await, 200).await;
            t["slices"].as_array().map_or(0, Vec::len) >= slices
        },
    )
    .await;
    json_with_status(app.get(&path).await, 200).await
}

/// What the fleet of the call-count test holds: app `a` has `kind` in slice `k` when…
fn holds(a: usize, kind: ProfileType, k: usize) -> bool {
    match kind {
        ProfileType::Cpu => (a + k).is_multiple_of(2),
        ProfileType::Alloc => (a + k).is_multiple_of(3),
        _ => a < 20 && k % 4 == a % 4,
    }
}

#[tokio::test]
async fn the_watcher_calls_for_what_holds_data_and_nothing_for_the_rest() {
    let standin = PyroscopeStandIn::start().await;
    let slice = 300;
    let now = chrono::Utc::now().timestamp();
    let first = now - now.rem_euclid(slice) - 13 * slice;
    let mut with_data: BTreeSet<(String, String, i64)> = BTreeSet::new();
    let mut expected: BTreeMap<(String, ProfileType, i64), u64> = BTreeMap::new();
    for a in 0..40 {
        let name = format!("fleet-{a:02}");
        for k in 0..12 {
            let start = first + k as i64 * slice;
            for kind in TYPES {
                if !holds(a, kind, k) {
                    continue;
                }
                let value = 1000 + (a * 10 + k) as i64;
                let (metric, body) = kept(kind, value);
                let labels = [("service_name", name.as_str()), ("__name__", metric)];
                standin.keep_at(&labels, &body, (start + 20, start + 30));
                with_data.insert((name.clone(), kind.to_string(), start));
                expected.insert((name.clone(), kind, start), value as u64);
            }
        }
    }
    let app = watcher(&standin, slice, 0).await;
    let asked_before = standin.received().len();
    let backfill = json!({"from": first, "to": first + 12 * slice});
    json_with_status(app.post("/trends/backfill", &backfill).await, 202).await;
    eventually(240, "the backfill is done", || async {
        let c = json_with_status(app.get("/trends/backfill").await, 200).await;
        c["pending"] == 0 && c["done"].as_u64().unwrap_or(0) > 0
    })
    .await;
    // Every slice with data summarized with its total.
    for ((name, kind, start), value) in &expected {
        let t = trend(&app, name, *kind, (*start, start + slice), 1).await;
        assert_eq!(
            t["slices"][0]["totalSamples"], *value,
            "{name} {kind} {start}"
        );
    }
    let received = standin.received();
    let calls = &received[asked_before..];
    let by_path: BTreeMap<&str, usize> = calls.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.path.as_str()).or_insert(0) += 1;
        m
    });
    let budget = 1.2 * with_data.len() as f64 + 3.0 * (TYPES.len() * 12) as f64;
    println!(
        "{} calls for {} (app, type, slice) with data in 3 × 12 (type, slice): {by_path:?}",
        calls.len(),
        with_data.len()
    );
    assert!(
        calls.len() as f64 <= budget,
        "{} calls, budget {budget}: {by_path:?}",
        calls.len()
    );
    // No merged profile of an app for a type and slice without data.
    let type_of = |id: &str| match id {
        "process_cpu:cpu:nanoseconds:cpu:nanoseconds" => "cpu",
        "memory:alloc_space:bytes:space:bytes" => "alloc",
        _ => "inuse",
    };
    for r in calls
        .iter()
        .filter(|r| r.path == paths::SELECT_MERGE_STACKTRACES)
    {
        let selector = r.message["labelSelector"].as_str().unwrap_or_default();
        let app = selector.split('"').nth(1).unwrap_or_default().to_owned();
        let start: i64 = r.message["start"].as_str().unwrap().parse().unwrap();
        let kind = type_of(r.message["profileTypeID"].as_str().unwrap());
        assert!(
            with_data.contains(&(app.clone(), kind.to_owned(), start / 1000)),
            "{app} {kind} {start}: asked without data"
        );
    }
}

#[tokio::test]
async fn a_watcher_whose_first_sixty_calls_are_refused_summarizes_every_slice_with_its_total() {
    let standin = PyroscopeStandIn::start().await;
    standin.set_limits(pyroscopes());
    let slice = 60;
    let now = chrono::Utc::now().timestamp();
    let first = now - now.rem_euclid(slice) - 8 * slice;
    for k in 0..6 {
        let start = first + k * slice;
        let (metric, body) = kept(ProfileType::Cpu, 500 + k);
        let labels = [("service_name", "refused"), ("__name__", metric)];
        standin.keep_at(&labels, &body, (start + 5, start + 15));
    }
    standin.refuse_next(60, Some(1));
    let app = watcher(&standin, slice, 0).await;
    // The backfill names its app: the request itself asks Pyroscope nothing.
    let backfill =
        json!({"from": first, "to": first + 6 * slice, "types": ["cpu"], "apps": ["refused"]});
    json_with_status(app.post("/trends/backfill", &backfill).await, 202).await;
    let t = trend(
        &app,
        "refused",
        ProfileType::Cpu,
        (first, first + 6 * slice),
        6,
    )
    .await;
    let totals: Vec<u64> = t["slices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["totalSamples"].as_u64().unwrap())
        .collect();
    assert_eq!(totals, [500, 501, 502, 503, 504, 505]);
    assert!(standin.refusals().0 >= 60);
}

#[tokio::test]
async fn a_backfill_of_two_days_summarizes_every_hour_that_holds_data() {
    let standin = PyroscopeStandIn::start().await;
    standin.set_limits(pyroscopes());
    let slice = 3600;
    let now = chrono::Utc::now().timestamp();
    let newest = now - now.rem_euclid(slice) - slice;
    // One profile an hour for 47 hours, but for hours 10 and 30.
    let hours: Vec<i64> = (1..48).filter(|h| *h != 10 && *h != 30).collect();
    for &h in &hours {
        let start = newest - (h - 1) * slice;
        let (metric, body) = kept(ProfileType::Cpu, 100 + h);
        let labels = [("service_name", "twodays"), ("__name__", metric)];
        standin.keep_at(&labels, &body, (start + 60, start + 70));
    }
    let app = watcher(&standin, slice, 48).await;
    let from = newest - 47 * slice;
    let t = trend(
        &app,
        "twodays",
        ProfileType::Cpu,
        (from, newest + slice),
        hours.len(),
    )
    .await;
    let totals: BTreeSet<u64> = t["slices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["totalSamples"].as_u64().unwrap())
        .collect();
    let want: BTreeSet<u64> = hours.iter().map(|h| (100 + h) as u64).collect();
    assert_eq!(totals, want);
}

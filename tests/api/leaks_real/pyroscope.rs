//! The Go leak of `leaks_real` read from a Pyroscope (the stand-in, `PYROSCOPE_URL`): tick k's
//! heap profile, as `runtime/pprof` wrote it, is kept under `__name__="memory"` and
//! `service_name` with its `time_nanos` at the k-th slice's start (Pyroscope places a profile
//! at its time), before the service starts, as a fleet's history is. The watcher reads each
//! slice's `memory:inuse_space:bytes:space:bytes` from it; the leak is confirmed on the keeping
//! function with its true rate inside the interval, and the churning program says nothing.

use pf_formats::formats::pyroscope_api::paths;

use super::programs::{go_ticks, EXACT_RATE, GO_LEAK_PER_TICK};
use super::service::{
    backfill, backfill_window, leaks, slice_starts, steady_now, story, watch, SLICE,
};
use super::{assert_rate_inside, confirmed_leak, delivered_once, GO_TICKS};
use crate::alertmanager::receiver;
use crate::alertmanager_server::start_alertmanager;
use crate::stubs::standin::PyroscopeStandIn;

/// Keeps each of `ticks` in `standin` as `app`, tick k at `starts[k]`, lasting its slice.
fn keep_ticks(standin: &PyroscopeStandIn, app: &str, ticks: &[Vec<u8>], starts: &[i64], now: i64) {
    let labels = [("service_name", app), ("__name__", "memory")];
    for (tick, &start) in ticks.iter().zip(starts) {
        standin.keep_at(&labels, tick, (start, (start + SLICE).min(now)));
    }
}

#[tokio::test]
async fn leaks_real_go_leak_read_from_pyroscope_is_confirmed_with_its_rate() {
    let leak = go_ticks("leak", GO_TICKS, EXACT_RATE);
    let churn = go_ticks("churn", GO_TICKS, EXACT_RATE);
    let standin = PyroscopeStandIn::start().await;
    let receiver = receiver().await;
    let alertmanager = start_alertmanager(&format!("{}/alertmanager", receiver.uri())).await;
    let now = steady_now().await;
    let starts = slice_starts(GO_TICKS, now);
    keep_ticks(&standin, "go-leak-remote", &leak, &starts, now);
    keep_ticks(&standin, "go-churn-remote", &churn, &starts, now);
    let url = standin.url();
    let apps = ["go-leak-remote", "go-churn-remote"];
    let store = tempfile::tempdir().unwrap();
    let w = watch(&apps, (receiver, alertmanager), store, move |s| {
        s.pyroscope.url = Some(url);
    })
    .await;
    let first = starts[0];
    backfill(&w.service.app, &w.db, apps.len(), now, first).await;

    let found = confirmed_leak(
        &w,
        "go-leak-remote",
        |f| f == "main.retainRecords",
        (first, now),
    )
    .await;
    assert_rate_inside(&found["leak"], (GO_LEAK_PER_TICK * 3600 / SLICE) as f64);
    let quiet = leaks(&w.service.app, "go-churn-remote", None).await;
    assert!(
        quiet.is_empty(),
        "the churn has leak events: {quiet:#?}\n{}",
        story(&w.service.app, "go-churn-remote", first, now).await
    );
    delivered_once(&w, "go-leak-remote", &found).await;
    // Read as Pyroscope's in-use type, not from a store of the service's own.
    let asked = standin.messages(paths::SELECT_MERGE_STACKTRACES);
    assert!(
        asked
            .iter()
            .any(|m| m["profileTypeID"] == "memory:inuse_space:bytes:space:bytes"),
        "{asked:?}"
    );
}

/// The Go leak as a Go service under Pyroscope's SDK sends it: a heap profile every 10 s, kept
/// in Pyroscope (the stand-in, which adds up what it merges), read by a watcher of 60-s slices:
/// six snapshots a slice. Each slice's in-use level is their mean, so the leak is confirmed
/// with its true rate (4 MiB per 10 s) inside the interval, and the churn says nothing.
#[tokio::test]
async fn leaks_real_go_leak_read_from_pyroscope_in_minute_slices_has_its_true_rate() {
    const SIXTY: i64 = 60;
    const PER_SLICE: i64 = 6;
    // The window (12 slices) and the confirmation (2), with room: 16 slices of six ticks.
    let ticks = 16 * PER_SLICE as usize;
    let leak = go_ticks("leak", ticks, EXACT_RATE);
    let churn = go_ticks("churn", ticks, EXACT_RATE);
    let standin = PyroscopeStandIn::start().await;
    let receiver = receiver().await;
    let alertmanager = start_alertmanager(&format!("{}/alertmanager", receiver.uri())).await;
    let now = chrono::Utc::now().timestamp();
    // Every tick in a slice that has ended: 16 slices ending two slices before now.
    let first = now - now.rem_euclid(SIXTY) - 18 * SIXTY;
    for (name, profiles) in [("go-leak-minutes", &leak), ("go-churn-minutes", &churn)] {
        let labels = [("service_name", name), ("__name__", "memory")];
        for (k, tick) in profiles.iter().enumerate() {
            let at = first + 10 * k as i64;
            standin.keep_at(&labels, tick, (at, at + 10));
        }
    }
    let url = standin.url();
    let apps = ["go-leak-minutes", "go-churn-minutes"];
    let store = tempfile::tempdir().unwrap();
    let w = watch(&apps, (receiver, alertmanager), store, move |s| {
        s.pyroscope.url = Some(url);
        s.watch.slice_secs = pf_model::SliceSecs::new(SIXTY).unwrap();
    })
    .await;
    let last = first + 16 * SIXTY;
    backfill_window(&w.service.app, first, last).await;
    let found = confirmed_leak(
        &w,
        "go-leak-minutes",
        |f| f == "main.retainRecords",
        (first, last),
    )
    .await;
    let truth = (GO_LEAK_PER_TICK * 3600 / 10) as f64;
    println!(
        "go leak in minute slices: {} B/h [{}, {}], true {truth}",
        found["leak"]["bytesPerHour"], found["leak"]["low"], found["leak"]["high"]
    );
    assert_rate_inside(&found["leak"], truth);
    let quiet = leaks(&w.service.app, "go-churn-minutes", None).await;
    assert!(
        quiet.is_empty(),
        "the churn has leak events: {quiet:#?}\n{}",
        story(&w.service.app, "go-churn-minutes", first, last).await
    );
    // Each slice's level is the mean of its six snapshots, not their sum.
    assert!(!standin.messages(paths::SELECT_SERIES).is_empty());
}

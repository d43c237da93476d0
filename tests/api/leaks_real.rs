//! Memory that only grows (docs/regressions.md#memory-that-only-grows), proved on real programs
//! under real profilers: a Go program under `runtime/pprof` whose `main.retainRecords` keeps 4 MiB
//! a tick, beside one whose `main.processBatch` allocates and frees as much and one whose
//! `main.warmCache` grows three ticks and levels off (`tests/runtimes/leaks/heap_ticks.go`); the
//! same leak across a restart; and a Node.js process under the real `@pyroscope/nodejs` keeping
//! arrays (`node.rs`). A tick is one 10-s slice of the watcher's time but runs as fast as the
//! machine allows: tick k's heap profile is pushed to `/ingest` into the k-th slice with
//! `from`/`until`, then the slices are backfilled with `notify`. The leak is confirmed on the
//! keeping function with its true rate inside the interval and delivered once (Alertmanager,
//! webhook, page); the churn and the levelled cache say nothing. `noise.rs` checks what the
//! programs write and how the service reads it, and measures the noise of the stable functions per
//! slice.

mod node;
mod noise;
pub mod programs;
mod pyroscope;
mod replay;
pub mod service;

use serde_json::Value;

use crate::helpers::{eventually, throughout};
use programs::{go_ticks, EXACT_RATE, GO_LEAK_PER_TICK};
use service::{
    backfill, leak_alerts, leak_hooks, leaks, pushed_then_watched, story, Push, Series, Watching,
    LIMIT, SLICE,
};

/// Ticks of each Go run: the window (12) and the confirmation (2), with room for the newest
/// two slices, which the live watcher works before the backfill brings the older ones.
const GO_TICKS: usize = 18;

/// A rate's true value lies in `[low, high]`. Where the data are an exact line (Node's uploads
/// are) the interval is that line's slope alone, computed in floating point by
/// the service: a relative 1e-9 of slack is left for the rounding, no more.
pub fn assert_rate_inside(leak: &Value, truth: f64) {
    let (low, high) = (
        leak["low"].as_f64().unwrap(),
        leak["high"].as_f64().unwrap(),
    );
    let rate = leak["bytesPerHour"].as_f64().unwrap();
    let slack = truth * 1e-9;
    assert!(
        low - slack <= truth && truth <= high + slack && low <= rate && rate <= high,
        "true rate {truth} B/h outside [{low}, {high}] (fitted {rate}): {leak:#}"
    );
}

/// The one confirmed leak of `app`, on `function`; fails with everything the service says.
pub async fn confirmed_leak(
    w: &Watching,
    app: &str,
    function: impl Fn(&str) -> bool,
    window: (i64, i64),
) -> Value {
    let confirmed = leaks(&w.service.app, app, Some("confirmed")).await;
    if confirmed.len() != 1 || !function(confirmed[0]["function"].as_str().unwrap_or("")) {
        let story = story(&w.service.app, app, window.0, window.1).await;
        panic!("{app}: not one confirmed leak on the keeping function: {confirmed:#?}\n{story}");
    }
    let leak = confirmed[0].clone();
    assert_eq!(leak["kind"], "leak", "{leak:#}");
    assert_eq!(leak["profileType"], "inuse", "{leak:#}");
    leak
}

/// The leak was delivered once: one Alertmanager alert `ProfilingMemoryLeak` naming the
/// function, one webhook POST; and its page draws the in-use plot with the fitted line.
pub async fn delivered_once(w: &Watching, app: &str, leak: &Value) {
    let function = leak["function"].as_str().unwrap().to_owned();
    eventually(30, "Alertmanager holds the leak", || async {
        !leak_alerts(&w.alertmanager, app).await.is_empty()
    })
    .await;
    eventually(30, "the webhook hears the leak", || async {
        !leak_hooks(&w.receiver, app).await.is_empty()
    })
    .await;
    throughout(3, "one alert and one webhook POST", || async {
        leak_alerts(&w.alertmanager, app).await.len() == 1
            && leak_hooks(&w.receiver, app).await.len() == 1
    })
    .await;
    let alert = &leak_alerts(&w.alertmanager, app).await[0];
    assert_eq!(alert["labels"]["function"], function.as_str(), "{alert:#}");
    let hook = &leak_hooks(&w.receiver, app).await[0];
    assert_eq!(hook["status"], "confirmed", "{hook:#}");
    assert_eq!(hook["regression"]["id"], leak["id"], "{hook:#}");
    let id = leak["id"].as_i64().unwrap();
    let path = format!("/regressions/{id}?format=html");
    let page = w.service.app.get(&path).await.text().await.unwrap();
    assert!(page.contains("<svg"), "the page draws no plot: {page}");
    assert!(
        page.contains("<path class=\"fit\""),
        "the page draws no fitted line (class=\"fit\"): {page}"
    );
    // /metrics counts it, once the watcher's round has refreshed the store's counts.
    eventually(30, "/metrics shows the confirmed leak", || async {
        let metrics = w.service.app.get("/metrics").await.text().await.unwrap();
        metrics.contains("memory_leaks_active 1")
            && metrics.contains("regressions_total{kind=\"leak\",state=\"confirmed\"} 1")
    })
    .await;
}

/// `limitReachedAt` is the newest slice's end plus the rest up to the registry's limit at the
/// leak's rate (the only leak of its series).
fn assert_limit(leak: &Value) {
    let l = &leak["leak"];
    assert_eq!(l["limitBytes"], LIMIT, "{leak:#}");
    let total = l["totalBytes"].as_u64().unwrap();
    let per_sec = l["bytesPerHour"].as_f64().unwrap() / 3600.0;
    let end = l["through"].as_i64().unwrap() + SLICE;
    let want = end + ((LIMIT - total) as f64 / per_sec).ceil() as i64;
    let at = l["limitReachedAt"].as_i64().unwrap_or_default();
    assert!(
        (at - want).abs() <= 1,
        "limitReachedAt {at}, want {want}: {leak:#}"
    );
}

#[tokio::test]
async fn leaks_real_go_leak_is_confirmed_and_churn_and_level_say_nothing() {
    let pushes = |mode: &str| -> Vec<Push> {
        let ticks = go_ticks(mode, GO_TICKS, EXACT_RATE);
        ticks.iter().map(|p| Push::pprof(p)).collect()
    };
    let (leak, churn, level) = (pushes("leak"), pushes("churn"), pushes("level"));
    let series = [
        Series {
            name: "go-leak",
            pushes: &leak,
        },
        Series {
            name: "go-churn",
            pushes: &churn,
        },
        Series {
            name: "go-level",
            pushes: &level,
        },
    ];
    let apps = ["go-leak", "go-churn", "go-level"];
    let (w, starts, now) = pushed_then_watched(&apps, &series).await;
    let first = starts[0][0];
    backfill(&w.service.app, &w.db, series.len(), now, first).await;

    let found = confirmed_leak(&w, "go-leak", |f| f == "main.retainRecords", (first, now)).await;
    let truth = (GO_LEAK_PER_TICK * 3600 / SLICE) as f64;
    assert_rate_inside(&found["leak"], truth);
    let l = &found["leak"];
    // The scratch makes the bytes wander around the line: a real interval, not the line alone.
    let (low, high) = (l["low"].as_f64().unwrap(), l["high"].as_f64().unwrap());
    assert!(high - low > truth * 0.01, "{l:#}");
    let fit_from = l["fitFrom"].as_i64().unwrap();
    assert!(starts[0].contains(&fit_from), "{found:#}");
    assert_eq!(
        l["through"].as_i64().unwrap() - fit_from,
        (i64::from(service::WINDOW) - 1) * SLICE,
        "the line is fitted to the window: {found:#}"
    );
    assert_limit(&found);
    for quiet in ["go-churn", "go-level"] {
        let any = leaks(&w.service.app, quiet, None).await;
        assert!(
            any.is_empty(),
            "{quiet} has leak events: {any:#?}\n{}",
            story(&w.service.app, quiet, first, now).await
        );
    }
    delivered_once(&w, "go-leak", &found).await;
    eprintln!("go leak confirmed: {found:#}");
}

#[tokio::test]
async fn leaks_real_go_leak_across_a_restart_is_fitted_on_the_second_run() {
    // Fewer ticks than the window before the restart: the first run alone is never tested.
    let before = go_ticks("leak", 8, EXACT_RATE);
    let after = go_ticks("leak", GO_TICKS, EXACT_RATE);
    let pushes: Vec<Push> = before
        .iter()
        .chain(&after)
        .map(|p| Push::pprof(p))
        .collect();
    let series = [Series {
        name: "go-restart",
        pushes: &pushes,
    }];
    let (w, starts, now) = pushed_then_watched(&["go-restart"], &series).await;
    let (first, restart) = (starts[0][0], starts[0][before.len()]);
    backfill(&w.service.app, &w.db, 1, now, first).await;

    let found = confirmed_leak(
        &w,
        "go-restart",
        |f| f == "main.retainRecords",
        (first, now),
    )
    .await;
    let l = &found["leak"];
    assert!(
        l["fitFrom"].as_i64().unwrap() >= restart,
        "fitted across the restart at {restart}: {found:#}"
    );
    assert!(l["since"].as_i64().unwrap() >= restart, "{found:#}");
    assert_rate_inside(l, (GO_LEAK_PER_TICK * 3600 / SLICE) as f64);
    delivered_once(&w, "go-restart", &found).await;
}

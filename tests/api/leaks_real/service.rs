//! The service as the leak proof (docs/regressions.md#memory-that-only-grows) runs it: 10-s slices,
//! in-use watched, a short leak window, a real Alertmanager and a webhook receiver; real programs'
//! heap profiles pushed to `/ingest` into past slices (tick k of a series in its k-th slice), then
//! a backfill with `notify`, then the leak events and what was delivered of them read back.

use std::path::Path;
use std::time::Duration;

use pf_model::{ProfileType, SliceSecs};
use pf_regressions::LeaksConfig;
use pyroscope_functions::app::settings::Settings;
use serde_json::{json, Value};
use sqlx::Connection;
use wiremock::MockServer;

use crate::alertmanager::receiver;
use crate::alertmanager_server::{active_alerts, start_alertmanager, Alertmanager};
use crate::helpers::{
    eventually, json_with_status, spawn_stoppable, test_settings, Stoppable, TestApp, TestDatabase,
};
use crate::ingest::CENTURY;
use crate::regressions::hooks;

/// The watcher's slice, seconds: one tick of a program is one slice.
pub const SLICE: i64 = 10;
/// The slices of the leak window (the shortest the settings take is 8) and the confirmation.
pub const WINDOW: u32 = 12;
pub const CONFIRM: u32 = 2;
/// The registry's memory limit of every app, for `limitReachedAt`.
pub const LIMIT: u64 = 1 << 30;

/// One profile of a series, as it is pushed: the rest of the `/ingest` query (without `name`,
/// `from` and `until`), the content type and the body.
pub struct Push {
    pub query: String,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Push {
    /// A pprof as `runtime/pprof` wrote it.
    pub fn pprof(body: &[u8]) -> Self {
        Push {
            query: "format=pprof".into(),
            content_type: "application/octet-stream".into(),
            body: body.to_vec(),
        }
    }
}

/// A series to push: the `name` of the push (`app` or `app{k=v,…}`) and its ticks in order.
pub struct Series<'a> {
    pub name: &'a str,
    pub pushes: &'a [Push],
}

/// A service watching with the proof's settings, and where it delivers.
pub struct Watching {
    pub service: Stoppable,
    pub db: TestDatabase,
    pub alertmanager: Alertmanager,
    pub receiver: MockServer,
    _store: tempfile::TempDir,
}

/// Settings: slices of 10 s read 1 s after they end; in-use watched alone; the leak window of
/// 12 slices confirmed 2 later. The growth floors are the defaults (16 MiB, half the level at
/// the window's start): the Go leak grows 44 MiB over a window (4 MiB a slice) from at most
/// 28 MiB, Node's 46 MiB from at most 64 MiB; the churn wanders by about 1 MiB; the cache
/// grows 24 MiB in its first three slices (past both floors) and is then flat, so only its
/// trend over the window, whose Theil–Sen slope is zero from the first window tested on,
/// keeps it from being a leak. The regression detector needs 24 + 6 slices, more than any
/// series here holds, so it stays silent.
fn settings(db: &TestDatabase, store: &Path, alertmanager: &Alertmanager) -> Settings {
    let mut s = test_settings(db);
    s.ingest.store_dir = store.to_path_buf();
    s.ingest.retention_days = CENTURY;
    s.watch.enabled = true;
    s.watch.backfill_hours = 0;
    s.watch.slice_secs = SliceSecs::new(SLICE).expect("a positive slice");
    s.watch.lag_secs = Duration::from_secs(1);
    s.watch.types = vec![ProfileType::Inuse];
    s.watch.confirm_slices = std::num::NonZeroU32::new(CONFIRM).unwrap();
    s.leaks = LeaksConfig {
        window_slices: WINDOW,
        fdr: 0.01,
        min_growth_bytes: 16 << 20,
        min_relative: 0.5,
        memory_limit_bytes: None,
    };
    s.alerts.alertmanager_url = Some(url::Url::parse(&alertmanager.url).unwrap());
    s
}

/// The series pushed, then the service started on what was pushed, `apps` registered (each
/// with the webhook and the memory limit); answers each series' slice starts and when it was
/// pushed. Two processes on one store: a first one, not watching, takes the pushes and stops;
/// the watching one starts on them. The watcher lists a slice's apps once, when the slice is
/// due, and keeps the list (a push after that is too late for it): a watcher already running
/// would have listed the newest slices before the ticks reached them.
pub async fn pushed_then_watched(
    apps: &[&str],
    series: &[Series<'_>],
) -> (Watching, Vec<Vec<i64>>, i64) {
    let receiver = receiver().await;
    let alertmanager = start_alertmanager(&format!("{}/alertmanager", receiver.uri())).await;
    let store = tempfile::tempdir().unwrap();
    let intake_db = TestDatabase::create().await;
    let mut intake = settings(&intake_db, store.path(), &alertmanager);
    intake.watch.enabled = false;
    let intake = spawn_stoppable(intake).await;
    let now = steady_now().await;
    let starts = push_ticks(&intake.app, series, now).await;
    intake.stop().await;
    let watching = watch(apps, (receiver, alertmanager), store, |_| {}).await;
    (watching, starts, now)
}

/// The watching service on `store` (as `change` leaves the proof's settings), `apps`
/// registered, each with the webhook and the memory limit.
pub async fn watch(
    apps: &[&str],
    (receiver, alertmanager): (MockServer, Alertmanager),
    store: tempfile::TempDir,
    change: impl FnOnce(&mut Settings),
) -> Watching {
    let db = TestDatabase::create().await;
    let mut settings = settings(&db, store.path(), &alertmanager);
    change(&mut settings);
    let service = spawn_stoppable(settings).await;
    for app in apps {
        let entry = json!({"appName": app, "teamOwner": "memory-team",
            "notificationChannel": format!("{}/hook", receiver.uri()),
            "metadata": {"memoryLimitBytes": LIMIT}});
        json_with_status(service.app.post("/services", &entry).await, 201).await;
    }
    Watching {
        service,
        db,
        alertmanager,
        receiver,
        _store: store,
    }
}

/// Now, at least 3 s into a slice and 3 s before its end: the pushes are done before the
/// slice holding now ends.
pub async fn steady_now() -> i64 {
    loop {
        let now = chrono::Utc::now().timestamp();
        if (3..SLICE - 3).contains(&now.rem_euclid(SLICE)) {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Pushes one profile as `name` into `[from, until)`.
pub async fn push(app: &TestApp, name: &str, (from, until): (i64, i64), push: &Push) {
    let path = format!(
        "/ingest?name={}&from={from}&until={until}&{}",
        urlencode(name),
        push.query
    );
    let res = app
        .client
        .post(app.url(&path))
        .header("content-type", &push.content_type)
        .body(push.body.clone())
        .send()
        .await
        .unwrap();
    let status = res.status();
    assert!(
        status.is_success(),
        "a push is refused: {status} {}",
        res.text().await.unwrap()
    );
}

/// Pushes every series so that its last tick lands in the slice holding `now` (the live
/// watcher finds the apps in the newest slices) and tick k of n in the (n − 1 − k)-th slice
/// before it; answers each series' slice starts. The newest tick's profile spans its slice up
/// to `now`.
async fn push_ticks(app: &TestApp, series: &[Series<'_>], now: i64) -> Vec<Vec<i64>> {
    let mut starts = Vec::new();
    for s in series {
        let mine = slice_starts(s.pushes.len(), now);
        for (tick, start) in s.pushes.iter().zip(&mine) {
            push(app, s.name, (*start, (start + SLICE).min(now)), tick).await;
        }
        starts.push(mine);
    }
    starts
}

/// The slice starts of `n` ticks, the last in the slice holding `now`.
pub fn slice_starts(n: usize, now: i64) -> Vec<i64> {
    let newest = now - now.rem_euclid(SLICE);
    let n = n as i64;
    (0..n).map(|k| newest - (n - 1 - k) * SLICE).collect()
}

/// The backfill of the 10-s slices from `from` with `notify`, once every series has worked
/// the live slice holding `now` (as `regressions::backfill_window` orders it for 5-minute
/// slices), then waits until it is done.
pub async fn backfill(app: &TestApp, db: &TestDatabase, series: usize, now: i64, from: i64) {
    let newest = now - now.rem_euclid(SLICE);
    eventually(
        60,
        "every series has worked the newest tick's slice",
        || async {
            let mut conn = sqlx::PgConnection::connect(db.url.as_str()).await.unwrap();
            let (count, behind): (i64, i64) = sqlx::query_as(
                "select count(*), count(*) filter (where next_slice <= $1) from watch_series",
            )
            .bind(newest)
            .fetch_one(&mut conn)
            .await
            .unwrap();
            count >= series as i64 && behind == 0
        },
    )
    .await;
    backfill_window(app, from, now).await;
}

/// The backfill of `[from, to)` with `notify`, waited for until it is done.
pub async fn backfill_window(app: &TestApp, from: i64, to: i64) {
    let body = json!({"from": from, "to": to, "notify": true});
    json_with_status(app.post("/trends/backfill", &body).await, 202).await;
    eventually(240, "the backfill is done", || async {
        let c = json_with_status(app.get("/trends/backfill").await, 200).await;
        c["pending"] == 0 && c["done"].as_u64().unwrap_or(0) > 0
    })
    .await;
}

/// `app`'s leak events (in `state` when given), as `GET /regressions?kind=leak` lists them;
/// only events of kind `leak` are kept whatever the filter did.
pub async fn leaks(app: &TestApp, name: &str, state: Option<&str>) -> Vec<Value> {
    let state = state.map_or(String::new(), |s| format!("&state={s}"));
    let path = format!("/regressions?appName={name}&kind=leak{state}");
    let list = json_with_status(app.get(&path).await, 200).await;
    let all = list["regressions"].as_array().cloned().unwrap_or_default();
    all.into_iter().filter(|r| r["kind"] == "leak").collect()
}

/// The leak alerts Alertmanager holds for `app`.
pub async fn leak_alerts(alertmanager: &Alertmanager, app: &str) -> Vec<Value> {
    active_alerts(alertmanager)
        .await
        .into_iter()
        .filter(|a| a["labels"]["alertname"] == "ProfilingMemoryLeak")
        .filter(|a| a["labels"]["app"] == app)
        .collect()
}

/// The webhook POSTs received of `app`'s leaks.
pub async fn leak_hooks(receiver: &MockServer, app: &str) -> Vec<Value> {
    hooks(receiver)
        .await
        .into_iter()
        .map(|(body, _)| body)
        .filter(|b| b["regression"]["kind"] == "leak" && b["regression"]["appName"] == app)
        .collect()
}

/// Everything the service says of `app`, for a failure's message.
pub async fn story(app: &TestApp, name: &str, from: i64, to: i64) -> String {
    let every = app.get(&format!("/regressions?appName={name}")).await;
    let every = every.text().await.unwrap_or_default();
    let path = format!("/trends/{name}?from={from}&to={to}&type=inuse");
    let trend = app.get(&path).await.text().await.unwrap_or_default();
    format!("every event of {name}: {every}\nits in-use trend: {trend}")
}

//! Profiles over time (docs/profiles-over-time.md) against a stub fleet whose profiles move minute
//! by minute: what `/trends` shows is exactly what the stub served per slice; the SVG has a line
//! per function; the suggestions follow that page's formula; `/metrics` exports the latest
//! shares; bad input is refused with nothing queued; retention drops whole day partitions.

use chrono::Utc;
use serde_json::{json, Value};

use crate::helpers::{
    assert_error, eventually, json_with_status, spawn_app_with, spawn_server, test_settings,
    TestApp, TestDatabase,
};
use crate::stubs::fleet::{start, Fleet};
use crate::stubs::noisy::FUNCTIONS;

pub const SLICE: i64 = 300;

/// The service watching `fleet` (at the stub `pyroscope`), backfilling `hours` at start-up.
pub async fn watching(pyroscope: &wiremock::MockServer, hours: u64) -> TestApp {
    let url = url::Url::parse(&pyroscope.uri()).unwrap();
    spawn_app_with(move |s| {
        s.pyroscope.url = Some(url);
        s.pyroscope.cache_ttl_secs = std::time::Duration::ZERO;
        s.watch.enabled = true;
        s.watch.backfill_hours = hours;
    })
    .await
}

pub async fn backfill_counts(app: &TestApp) -> Value {
    json_with_status(app.get("/trends/backfill").await, 200).await
}

/// Waits until every queued backfill item is done; returns how many are.
pub async fn backfilled(app: &TestApp, secs: u64) -> u64 {
    eventually(secs, "the backfill is done", || async {
        let c = backfill_counts(app).await;
        c["pending"] == 0 && c["done"].as_u64().unwrap_or(0) > 0
    })
    .await;
    backfill_counts(app).await["done"].as_u64().unwrap()
}

/// Start of the slice that holds `t`.
pub fn slice_of(t: i64) -> i64 {
    t - t.rem_euclid(SLICE)
}

/// Now, at least 10 s away from the moment a slice becomes due (a minute after it ends), so a
/// service started now backfills up to [`backfilled_to`] of it.
pub async fn steady_now() -> i64 {
    loop {
        let now = Utc::now().timestamp();
        let into = (now - 60).rem_euclid(SLICE);
        if (10..SLICE - 10).contains(&into) {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

/// The end of the slices a start-up backfill at `now` covers: those that have been over for a
/// minute (`watch.lag_secs`).
pub fn backfilled_to(now: i64) -> i64 {
    slice_of(now - 60)
}

#[tokio::test]
async fn trends_are_exactly_what_the_stub_served_per_slice() {
    let now = steady_now().await;
    let deploy = backfilled_to(now) - 1800;
    let fleet = Fleet::of(3, deploy);
    let stub = start(fleet.clone()).await;
    let app = watching(&stub, 1).await;
    // 3 apps × 2 types × 12 slices, at least (a slice may end while the test runs).
    assert!(backfilled(&app, 60).await >= 72);

    let profile = json_with_status(app.get("/profiles/app-01?type=cpu").await, 200).await;
    let id = profile["profileTypeId"].as_str().unwrap();
    let truth = fleet.profiles("app-01", id);
    let to = backfilled_to(now);
    let from = to - 3600;
    let path = format!("/trends/app-01?from={from}&to={to}&limit=6");
    let trends = json_with_status(app.get(&path).await, 200).await;
    let slices = trends["slices"].as_array().unwrap();
    assert_eq!(slices.len(), 12, "{trends}");
    let series = trends["series"].as_array().unwrap();
    assert_eq!(series.len(), FUNCTIONS.len());
    for (k, slice) in slices.iter().enumerate() {
        let start = from + k as i64 * SLICE;
        assert_eq!(slice["start"], start);
        let counts = truth.range(start, start + SLICE);
        assert_eq!(slice["totalSamples"], counts.iter().sum::<u64>());
        let versions: Vec<String> = fleet.versions("app-01", start, start + SLICE);
        assert_eq!(slice["versions"], json!(versions), "slice {start}");
        for (i, (name, _)) in FUNCTIONS.iter().enumerate() {
            let line = series.iter().find(|s| s["function"] == *name).unwrap();
            assert_eq!(line["selfSamples"][k], counts[i], "{name} in slice {start}");
            assert_eq!(
                line["totalSamples"][k], counts[i],
                "{name} in slice {start}"
            );
        }
    }
    assert_eq!(trends["sliceSeconds"], SLICE);

    // The SVG: one line per function, the deploy marked.
    let svg = app
        .get(&format!("{path}&format=svg"))
        .await
        .text()
        .await
        .unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("the trend SVG is XML");
    let lines = doc
        .descendants()
        .filter(|n| n.has_tag_name("path") && n.attribute("class") == Some("series"))
        .count();
    assert_eq!(lines, FUNCTIONS.len());
    assert!(svg.contains("version 2.0"), "the deploy is not marked");

    // Suggestions: the formula of docs/profiles-over-time.md over the slices of the last day,
    // computed here.
    let got = json_with_status(app.get("/trends/app-01/suggestions?days=1").await, 200).await;
    let all = json_with_status(
        app.get(&format!(
            "/trends/app-01?from={}&to={}&limit=6",
            now - 86_400,
            now
        ))
        .await,
        200,
    )
    .await;
    let suggestions = got["suggestions"].as_array().unwrap();
    assert_eq!(suggestions.len(), FUNCTIONS.len());
    for s in suggestions {
        let line = all["series"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["function"] == s["function"])
            .unwrap();
        let mut shares: Vec<f64> = line["selfPercent"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let mean = shares.iter().sum::<f64>() / shares.len() as f64;
        shares.sort_by(f64::total_cmp);
        let rank = (0.95 * shares.len() as f64).ceil() as usize;
        let p95 = shares[rank - 1];
        let suggested = ((p95 + (0.2 * p95).max(1.0)) * 10.0 - 1e-9).ceil() / 10.0;
        assert!((s["mean"].as_f64().unwrap() - mean).abs() < 1e-9, "{s}");
        assert_eq!(s["p95"].as_f64().unwrap(), p95);
        assert_eq!(s["max"].as_f64().unwrap(), *shares.last().unwrap());
        assert_eq!(s["suggestedMaxSelfPercent"].as_f64().unwrap(), suggested);
        assert_eq!(s["slices"].as_u64().unwrap() as usize, shares.len());
    }

    // /metrics: the latest summary's shares, each in 0–1.
    eventually(15, "the latest shares are exported", || async {
        let text = app.get("/metrics").await.text().await.unwrap();
        let ratios: Vec<f64> = text
            .lines()
            .filter(|l| l.starts_with("profile_function_self_ratio{"))
            .filter_map(|l| l.rsplit(' ').next()?.parse().ok())
            .collect();
        ratios.len() >= 6 * 3
            && ratios.iter().all(|r| (0.0..=1.0).contains(r))
            && text.contains("profile_slice_samples{app=\"app-01\",type=\"cpu\"}")
            && text.contains("watch_slices_total{outcome=\"summarized\"}")
    })
    .await;
    promtool_accepts(&app.get("/metrics").await.text().await.unwrap());

    // The triage page draws the last day of its top functions, from the same summaries.
    let page = app
        .get("/triage/app-01?types=cpu&limit=4&format=html")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("The last 24 hours"), "no trend panel");
    let lines = page.matches("class=\"series\"").count();
    assert_eq!(lines, 4, "one line per top function");
}

/// `promtool check metrics` (Prometheus's own linter) finds nothing wrong with `text`.
fn promtool_accepts(text: &str) {
    use std::io::Write as _;
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus package; scripts/test installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn bad_backfills_and_trend_queries_are_refused_with_nothing_queued() {
    let stub = start(Fleet::of(2, 0)).await;
    let app = watching(&stub, 0).await;
    let now = Utc::now().timestamp();
    for (body, code) in [
        (
            json!({"from": now - 100, "to": now - 200}),
            "invalid_time_window",
        ),
        (
            json!({"from": now - 15 * 86_400, "to": now}),
            "invalid_time_window",
        ),
        (
            json!({"from": now - 3600, "to": now, "types": ["bogus"]}),
            "invalid_profile_type",
        ),
        (
            json!({"from": now - 3600, "to": now, "types": ["lock"]}),
            "invalid_profile_type",
        ),
        (
            json!({"from": now - 3600, "to": now, "apps": []}),
            "invalid_apps",
        ),
        (
            json!({"from": now - 3600, "to": now, "apps": [" "]}),
            "invalid_app_name",
        ),
    ] {
        assert_error(app.post("/trends/backfill", &body).await, 400, code).await;
    }
    let unknown = json!({"from": now - 3600, "to": now, "notfiy": true});
    json_with_status(app.post("/trends/backfill", &unknown).await, 400).await;
    // An hour older than retention is accepted, and nothing of it queued: retention would
    // drop it at once.
    let old = json!({"from": now - 20 * 86_400, "to": now - 20 * 86_400 + 3600});
    let queued = json_with_status(app.post("/trends/backfill", &old).await, 202).await;
    assert_eq!(queued, json!({"slices": 0}));
    assert_eq!(
        backfill_counts(&app).await,
        json!({"pending": 0, "done": 0, "failed": 0})
    );
    let too_many = format!("/trends/app-00?functions={}", vec!["f"; 101].join(","));
    for (path, code) in [
        ("/trends/app-00?format=png", "invalid_format"),
        ("/trends/app-00?limit=0", "invalid_limit"),
        ("/trends/app-00?type=bogus", "invalid_profile_type"),
        ("/trends/app-00?from=200&to=100", "invalid_time_window"),
        ("/trends/app-00/suggestions?days=0", "invalid_days"),
        ("/trends/app-00?functions=,%20,", "invalid_functions"),
        (&too_many, "invalid_functions"),
    ] {
        assert_error(app.get(path).await, 400, code).await;
    }
    // A good one is queued: one app × one type × the slices of the last hour that have been
    // over for `lag_secs` (60): 10 of them when now is within a minute past the 300-s grid, 11
    // otherwise; less the one the live watcher summarized at its first round (two if a slice
    // came due meanwhile), which are not queued again.
    let good = json!({"from": now - 3600, "to": now, "apps": ["app-00"], "types": ["cpu"]});
    let queued = json_with_status(app.post("/trends/backfill", &good).await, 202).await;
    assert!(
        (8..=11).contains(&queued["slices"].as_u64().unwrap()),
        "{queued}"
    );
}

#[tokio::test]
async fn retention_drops_whole_day_partitions() {
    let stub = start(Fleet::of(1, 0)).await;
    let db = TestDatabase::create().await;
    let url = url::Url::parse(&stub.uri()).unwrap();
    let settings = |hours| {
        let mut s = test_settings(&db);
        s.pyroscope.url = Some(url.clone());
        s.watch.enabled = true;
        s.watch.backfill_hours = hours;
        s
    };
    let first = TestApp::at(spawn_server(settings(0)).await);
    crate::helpers::wait_until_ready(&first.address).await;
    let old = Utc::now().timestamp() - 20 * 86_400;
    let mut pg = sqlx::PgConnection::connect(db.url.as_str()).await.unwrap();
    let name: String = sqlx::query_scalar("select profile_summary_partition($1)")
        .bind(old)
        .fetch_one(&mut pg)
        .await
        .unwrap();
    sqlx::query(
        "insert into profile_summary (app_name, profile_type, slice_start, slice_secs, \
         total_samples, functions) values ('app-00', 'cpu', $1, 300, 10, '[]')",
    )
    .bind(slice_of(old))
    .execute(&mut pg)
    .await
    .unwrap();
    // A replica starting now runs the retention pass at once.
    let second = TestApp::at(spawn_server(settings(0)).await);
    crate::helpers::wait_until_ready(&second.address).await;
    let children = || async {
        let mut pg = sqlx::PgConnection::connect(db.url.as_str()).await.unwrap();
        sqlx::query_scalar::<_, String>(
            "select c.relname::text from pg_inherits i join pg_class c on c.oid = i.inhrelid \
             where i.inhparent = 'profile_summary'::regclass",
        )
        .fetch_all(&mut pg)
        .await
        .unwrap()
    };
    eventually(20, "the old day's partition is dropped", || async {
        !children().await.contains(&name)
    })
    .await;
    let rows: i64 =
        sqlx::query_scalar("select count(*) from profile_summary where slice_start < $1")
            .bind(old + 86_400)
            .fetch_one(&mut pg)
            .await
            .unwrap();
    assert_eq!(rows, 0);
}

use sqlx::Connection;

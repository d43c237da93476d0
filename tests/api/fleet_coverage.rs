//! Every fleet answer whole (docs/profiles-over-time.md#whole-or-live): from the watcher's
//! summaries only where they cover the window for every app asked; a window reaching before the
//! watcher's history, an app it does not follow or a label selector is answered live, and an app
//! whose slices the watcher tried and could not read is named in `failedApps` with them.

use chrono::Utc;
use pf_model::{ProfileType, SliceSecs};
use serde_json::{json, Value};

use crate::fleet_summaries::watched;
use crate::helpers::{json_with_status, spawn_app_with, TestApp};
use crate::stubs::fleet::{start, Fleet};

async fn hotspots(app: &TestApp, query: &str) -> Value {
    json_with_status(app.get(&format!("/fleet/hotspots?{query}")).await, 200).await
}

#[tokio::test]
async fn a_window_before_the_watchers_history_or_an_app_it_does_not_follow_is_answered_live() {
    // The watcher has summarized the last hour of four apps, and nothing before it.
    let (app, _stub, (from, to)) = watched(None).await;
    let whole = hotspots(&app, &format!("from={from}&to={to}&limit=100")).await;
    assert_eq!(whole["source"], "summaries", "{whole}");
    assert_eq!(whole["appsQueried"], 4);

    // Two hours: the first one is before the watcher's history. Today's answer would be the
    // summarized hour under the two hours' name.
    let longer = hotspots(&app, &format!("from={}&to={to}&limit=100", from - 3600)).await;
    assert_eq!(longer["source"], "live", "{longer}");
    assert_eq!(longer["appsQueried"], 4);
    assert!(longer.get("slices").is_none());

    // `app-99` answers in Pyroscope but the watcher does not follow it: its answer would be
    // missing from the summaries, so the whole answer is live, and names it.
    let named = format!("from={from}&to={to}&apps=app-00,app-99&limit=100");
    let body = hotspots(&app, &named).await;
    assert_eq!(body["source"], "live", "{body}");
    assert_eq!(body["appsQueried"], 2);
    let services: Vec<&str> = body["hotspots"][0]["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["app"].as_str().unwrap())
        .collect();
    assert!(services.contains(&"app-99"), "{body}");

    // Followed apps alone come from the summaries; a label selector is always live.
    let body = hotspots(&app, &format!("from={from}&to={to}&apps=app-00,app-01")).await;
    assert_eq!(body["source"], "summaries", "{body}");
    let labelled = format!("from={from}&to={to}&labels=region%3D%22eu%22");
    assert_eq!(hotspots(&app, &labelled).await["source"], "live");
    let search = json_with_status(
        app.get(&format!(
            "/search?function=java&from={}&to={to}",
            from - 3600
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(search["source"], "live", "{search}");
}

#[tokio::test]
async fn an_app_whose_slices_the_watcher_could_not_read_is_named_with_them() {
    // 10-s slices, read 2 s after they end; `app-01` fails in Pyroscope from a slice a little
    // after the service starts, so its backfilled hour is whole and its live slices fail.
    let now = Utc::now().timestamp();
    let failing_from = now - now.rem_euclid(10) + 30;
    let mut fleet = Fleet::of(2, now - 7200);
    fleet.failing = Some(("app-01".into(), failing_from));
    let stub = start(fleet).await;
    let url = url::Url::parse(&stub.uri()).unwrap();
    let app = spawn_app_with(move |s| {
        s.pyroscope.url = Some(url);
        s.pyroscope.cache_ttl_secs = std::time::Duration::ZERO;
        s.watch.enabled = true;
        s.watch.slice_secs = SliceSecs::new(10).expect("a positive slice");
        s.watch.lag_secs = std::time::Duration::from_secs(2);
        s.watch.backfill_hours = 1;
        s.watch.types = vec![ProfileType::Cpu];
    })
    .await;

    let from = failing_from - 300;
    let mut last = Value::Null;
    let mut answered = false;
    // A backfilled hour of 10-s slices for two apps: a loaded CI machine (two cores shared by
    // the whole suite) has taken longer than 90 s to work it, so the wait allows three minutes.
    for _ in 0..180 {
        let to = Utc::now().timestamp();
        last = hotspots(&app, &format!("from={from}&to={to}")).await;
        if last["source"] == "summaries" && last["failedApps"] != json!([]) {
            answered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    assert!(
        answered,
        "never answered from the summaries with app-01 failed: {last}"
    );
    assert_eq!(last["appsQueried"], 2);
    let failed = &last["failedApps"];
    assert_eq!(failed.as_array().unwrap().len(), 1, "{last}");
    assert_eq!(failed[0]["app"], "app-01");
    // It lacks every due slice from the first that failed; the rest of the window is read.
    let missing: Vec<i64> = failed[0]["missingSlices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_i64().unwrap())
        .collect();
    let slices: Vec<i64> = last["slices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_i64().unwrap())
        .collect();
    assert_eq!(missing.first(), Some(&failing_from), "{last}");
    assert_eq!(missing.last(), slices.last(), "{last}");
    assert_eq!(slices.first(), Some(&from));
    assert!(failed[0]["error"]
        .as_str()
        .unwrap()
        .contains("could not read"));
    // Nothing of app-01 is answered beside its failure.
    for hotspot in last["hotspots"].as_array().unwrap() {
        for service in hotspot["services"].as_array().unwrap() {
            assert_eq!(service["app"], "app-00", "{last}");
        }
    }
}

//! The profile watcher as its own process (`FUNCTION=WatchPyroscopeProfiles.v1`), reaching
//! Profile Data and the registry by the dependency rule
//! (docs/split-deployment.md#the-dependency-rule), with its own tables; and a triage process that
//! draws its trends through `WATCH_URL`; and a fleet process that answers from its summaries
//! through the same URL.

use pyroscope_functions::app::settings::Function;
use serde_json::Value;

use crate::helpers::{eventually, json_with_status, TestApp, TestDatabase};
use crate::split::{on_db, process, spawn_ready};
use crate::stubs::fleet::{start, Fleet};
use crate::trends::{backfilled_to, steady_now};

#[tokio::test]
async fn a_watcher_process_summarizes_through_profile_data_and_triage_draws_its_trends() {
    let now = steady_now().await;
    let stub = start(Fleet::of(2, backfilled_to(now) - 1800)).await;
    let db = TestDatabase::create().await;
    let profile_data = spawn_ready(process(&[
        ("FUNCTION", Function::ProfileDataSor.name()),
        ("PYROSCOPE_URL", &stub.uri()),
    ]))
    .await;
    let registry = spawn_ready(on_db(&db, Function::RegistrySor)).await;
    let watcher = TestApp::at(
        spawn_ready(process(&[
            ("FUNCTION", Function::Watch.name()),
            ("PROFILE_DATA_URL", &profile_data),
            ("REGISTRY_URL", &registry),
            ("DATABASE_URL", db.url.as_str()),
            ("APP__WATCH__ENABLED", "true"),
            ("APP__WATCH__BACKFILL_HOURS", "1"),
        ]))
        .await,
    );
    let triage = TestApp::at(
        spawn_ready(process(&[
            ("FUNCTION", Function::TriageV2.name()),
            ("PROFILE_DATA_URL", &profile_data),
            ("WATCH_URL", &watcher.address),
        ]))
        .await,
    );
    let fleet = TestApp::at(
        spawn_ready(process(&[
            ("FUNCTION", Function::FleetSearchV1.name()),
            ("PROFILE_DATA_URL", &profile_data),
            ("WATCH_URL", &watcher.address),
        ]))
        .await,
    );
    eventually(60, "the watcher's start-up backfill is done", || async {
        let c = json_with_status(watcher.get("/trends/backfill").await, 200).await;
        c["pending"] == 0 && c["done"].as_u64().unwrap_or(0) >= 2 * 2 * 12
    })
    .await;

    // The watcher serves its own routes, with the versions read through Profile Data's labels.
    let trends = json_with_status(watcher.get("/trends/app-01?limit=3").await, 200).await;
    let slices = trends["slices"].as_array().unwrap();
    assert!(slices.len() >= 12, "{trends}");
    let versions: Vec<&Value> = slices
        .iter()
        .flat_map(|s| s["versions"].as_array().unwrap())
        .collect();
    assert!(
        versions.iter().any(|v| *v == "2.0"),
        "the deploy is seen: {trends}"
    );
    json_with_status(watcher.get("/regressions").await, 200).await;
    assert_eq!(watcher.get("/triage/app-01").await.status().as_u16(), 404);

    // The triage process draws them, and checks the watcher in its /health.
    let page = triage
        .get("/triage/app-01?types=cpu&limit=3&format=html")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("The last 24 hours"), "no trend panel");
    assert_eq!(page.matches("class=\"series\"").count(), 3);
    let health = json_with_status(triage.get("/health").await, 200).await;
    assert_eq!(
        health["checks"]["profileWatcher"]["status"], "up",
        "{health}"
    );

    // The fleet process answers from the watcher's summaries, the same numbers as live.
    let to = backfilled_to(now);
    let path = format!("/fleet/hotspots?from={}&to={to}&limit=100", to - 3600);
    let summaries = json_with_status(fleet.get(&path).await, 200).await;
    assert_eq!(summaries["source"], "summaries", "{summaries}");
    assert_eq!(summaries["slices"].as_array().map(Vec::len), Some(12));
    let live = json_with_status(fleet.get(&format!("{path}&source=live")).await, 200).await;
    assert_eq!(live["source"], "live");
    let shares = |body: &Value| -> Vec<(Value, Value)> {
        body["hotspots"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|h| h["services"].as_array().unwrap().iter())
            .map(|s| (s["app"].clone(), s["selfPercent"].clone()))
            .collect()
    };
    assert_eq!(shares(&summaries), shares(&live));
}

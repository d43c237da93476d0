//! `/fleet/hotspots` and `/search` end to end: hotspots across apps, routed to the owning team,
//! with the profile watcher running beside them (its summaries do not reach back to the
//! incident hour, so the answers are live: docs/profiles-over-time.md#whole-or-live).

use serde_json::json;

use crate::helpers::json_with_status;
use crate::stubs::java::{spawn_with_pyroscope_and, INCIDENT_FROM, INCIDENT_TO};

#[tokio::test]
async fn hotspots_and_search_are_routed_to_the_owning_team() {
    let (app, _pyroscope) = spawn_with_pyroscope_and(|s| {
        s.watch.enabled = true;
        s.watch.backfill_hours = 1;
    })
    .await;
    let service = json!({"appName": "checkout", "teamOwner": "team-payments", "tier": "critical", "notificationChannel": "#payments"});
    json_with_status(app.post("/services", &service).await, 201).await;

    let body = json_with_status(
        app.get(&format!(
            "/fleet/hotspots?from={INCIDENT_FROM}&to={INCIDENT_TO}&type=cpu"
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(body["appsQueried"], 2);
    assert_eq!(body["source"], "live");
    assert_eq!(body["failedApps"], json!([]));
    let top = &body["hotspots"][0];
    assert_eq!(top["function"], "java/util/HashMap.resize");
    assert_eq!(top["serviceCount"], 2);
    assert_eq!(top["maxSelfPercent"], 50.0);
    assert_eq!(top["impactScore"], 100.0);
    assert_eq!(top["criticalServiceCount"], 1);
    let services = top["services"].as_array().unwrap();
    let checkout = services.iter().find(|s| s["app"] == "checkout").unwrap();
    assert_eq!(checkout["teamOwner"], "team-payments");
    assert_eq!(checkout["tier"], "critical");
    let inventory = services.iter().find(|s| s["app"] == "inventory").unwrap();
    assert!(inventory.get("teamOwner").is_none(), "{inventory}");

    let body = json_with_status(
        app.get(&format!(
            "/search?function=hashmap.RESIZE&from={INCIDENT_FROM}&to={INCIDENT_TO}"
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(body["matchCount"], 2);
    let checkout = body["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["app"] == "checkout")
        .unwrap()
        .clone();
    assert_eq!(checkout["function"], "java/util/HashMap.resize");
    assert_eq!(checkout["selfSamples"], 500);
    assert_eq!(checkout["teamOwner"], "team-payments");
    assert_eq!(checkout["notificationChannel"], "#payments");
}

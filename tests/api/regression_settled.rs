//! Regressions after regressions (docs/regressions.md), end to end: a deploy's regression nobody
//! rolls back is confirmed, then settled `watch.settle_slices` slices later — listed under
//! `state=settled`, counted, its webhook told once, nothing left firing in Alertmanager — and
//! its function, watched again against its new level, is not found to regress again.

use serde_json::{json, Value};

use crate::alertmanager::receiver;
use crate::alertmanager_server::start_alertmanager;
use crate::helpers::{eventually, json_with_status, spawn_stoppable, throughout, TestDatabase};
use crate::regressions::{fleet, hooks, register, regression_alerts, replica};
use crate::stubs::fleet::start;
use crate::trends::{backfilled, backfilled_to, steady_now};

#[tokio::test]
async fn a_regression_nobody_rolls_back_settles_and_is_told_once() {
    let receiver = receiver().await;
    let alertmanager = start_alertmanager(&format!("{}/alertmanager", receiver.uri())).await;
    let now = steady_now().await;
    // Seven hours backfilled: 39 slices before the deploy, 45 of the new level: confirmed about
    // 8 slices in, settled 31 later, then 6 slices watched against the new level. A reference
    // of 24 slices and 15 watched make 31 the least `settle_slices` may be (reference + watched
    // − recent − confirm, 24 + 15 − 5 − 3: the reference then lies wholly at the new level).
    let deploy = backfilled_to(now) - 45 * 300;
    let stub = start(fleet(deploy)).await;
    let db = TestDatabase::create().await;
    let mut settings = replica(&db, &stub, &alertmanager);
    settings.watch.reference_slices = 24;
    settings.watch.watched_slices = 15;
    settings.watch.settle_slices = std::num::NonZeroU32::new(31).unwrap();
    let app = spawn_stoppable(settings).await.app;
    register(&app, &receiver).await;
    let body = json!({"from": now - 7 * 3600, "to": now, "notify": true});
    json_with_status(app.post("/trends/backfill", &body).await, 202).await;
    backfilled(&app, 180).await;

    let list = json_with_status(
        app.get("/regressions?state=settled&appName=app-01").await,
        200,
    )
    .await;
    let events = list["regressions"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{list}");
    let event = &events[0];
    assert_eq!(event["state"], "settled");
    let (confirmed, settled) = (
        event["confirmedAt"].as_i64().unwrap(),
        event["settledAt"].as_i64().unwrap(),
    );
    assert_eq!(settled - confirmed, 31 * 300, "{event}");
    let still = json_with_status(
        app.get("/regressions?state=confirmed&appName=app-01").await,
        200,
    )
    .await;
    assert_eq!(still["count"], 0, "{still}");

    // Its webhook: the confirmation, then the settlement, once each.
    eventually(15, "the webhook hears both transitions", || async {
        hooks(&receiver).await.len() >= 2
    })
    .await;
    throughout(3, "two webhook POSTs", || async {
        hooks(&receiver).await.len() == 2
    })
    .await;
    let bodies: Vec<Value> = hooks(&receiver).await.into_iter().map(|(b, _)| b).collect();
    let statuses: Vec<&Value> = bodies.iter().map(|b| &b["status"]).collect();
    assert_eq!(statuses, [&json!("confirmed"), &json!("settled")]);
    assert_eq!(bodies[1]["regression"]["settledAt"], settled);

    // Resolved in Alertmanager: nothing fires there now.
    eventually(15, "nothing fires in Alertmanager", || async {
        regression_alerts(&alertmanager).await.is_empty()
    })
    .await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(r#"regressions_total{kind="regression",state="settled"} 1"#),
        "{metrics}"
    );
}

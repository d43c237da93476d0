//! Regressions found without rules (docs/regressions.md), end to end: a stub fleet whose profiles
//! move minute by minute, where one app deploys a version that regresses, one renames a function
//! and one has a half-hour spike. A backfill with `notify` finds the regression, attributes it to
//! the deploy and delivers it once to a real Alertmanager and to the app's webhook; the rename is a
//! stored cost shift and the spike nothing, neither delivered. The same after a restart and a
//! second backfill, and with two replicas, where a rollback resolves it.

use serde_json::{json, Value};
use sqlx::Connection;
use wiremock::{MockServer, Request};

use crate::alertmanager::receiver;
use crate::alertmanager_server::{active_alerts, start_alertmanager, Alertmanager};
use crate::helpers::{
    eventually, json_with_status, spawn_stoppable, test_settings, throughout, TestApp, TestDatabase,
};
use crate::regression_cost::Cost;
use crate::stubs::fleet::{start, Fleet};
use crate::stubs::noisy::RENAMED;
use crate::trends::{backfill_counts, backfilled_to, steady_now, SLICE};

const HOURS: i64 = 5;
const RESIZE: &str = "java/util/HashMap.resize";

/// The fleet: app-01 deploys 2.0 at `deploy` with `HashMap.resize` up 10 points, app-00
/// renames it 10 minutes before, app-02 has +4 points for the half hour before.
pub fn fleet(deploy: i64) -> Fleet {
    let mut fleet = Fleet::of(3, deploy);
    fleet.regression = 10.0;
    fleet.rename = Some(("app-00".into(), deploy - 2 * SLICE));
    fleet.spike = Some(("app-02".into(), deploy - 6 * SLICE, deploy, 4.0));
    fleet
}

/// The webhook POSTs received at `/hook`, with their `Idempotency-Key`.
pub async fn hooks(receiver: &MockServer) -> Vec<(Value, String)> {
    let requests: Vec<Request> = receiver.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .filter(|r| r.url.path() == "/hook")
        .map(|r| {
            let key = r
                .headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            (serde_json::from_slice(&r.body).unwrap(), key)
        })
        .collect()
}

/// Settings of a replica watching `pyroscope` on `db`, telling `alertmanager`.
pub fn replica(
    db: &TestDatabase,
    pyroscope: &MockServer,
    alertmanager: &Alertmanager,
) -> pyroscope_functions::app::settings::Settings {
    let mut s = test_settings(db);
    s.pyroscope.url = Some(url::Url::parse(&pyroscope.uri()).unwrap());
    s.pyroscope.cache_ttl_secs = std::time::Duration::ZERO;
    s.watch.enabled = true;
    s.watch.backfill_hours = 0;
    s.alerts.alertmanager_url = Some(url::Url::parse(&alertmanager.url).unwrap());
    s
}

/// Backfills the fleet's last hours with `notify` once every series has worked its first live
/// slice, and waits until the backfill is done. The order is forced: a first live slice,
/// examined on a history too short for a suspicion, once kept every older slice a backfill
/// brought later from being examined, so these tests found nothing whenever the watcher's first
/// round came before the request (about one run in seven).
pub async fn backfill(app: &TestApp, db: &TestDatabase, now: i64) -> Value {
    backfill_window(app, db, now, now - HOURS * 3600).await
}

/// [`backfill`] from `from`.
pub async fn backfill_window(app: &TestApp, db: &TestDatabase, now: i64, from: i64) -> Value {
    let live_done = backfilled_to(now);
    eventually(
        60,
        "every series has worked its first live slice",
        || async {
            let mut conn = sqlx::PgConnection::connect(db.url.as_str()).await.unwrap();
            let (series, behind): (i64, i64) = sqlx::query_as(
                "select count(*), count(*) filter (where next_slice < $1) from watch_series",
            )
            .bind(live_done)
            .fetch_one(&mut conn)
            .await
            .unwrap();
            series > 0 && behind == 0
        },
    )
    .await;
    let body = json!({"from": from, "to": now, "notify": true});
    let queued = json_with_status(app.post("/trends/backfill", &body).await, 202).await;
    eventually(120, "the backfill is done", || async {
        let c = backfill_counts(app).await;
        c["pending"] == 0 && c["done"].as_u64().unwrap_or(0) > 0
    })
    .await;
    queued
}

pub async fn register(app: &TestApp, receiver: &MockServer) {
    let service = json!({"appName": "app-01", "teamOwner": "ledger-team", "tier": "critical",
                         "notificationChannel": format!("{}/hook", receiver.uri())});
    json_with_status(app.post("/services", &service).await, 201).await;
}

async fn confirmed(app: &TestApp) -> Vec<Value> {
    let list = json_with_status(app.get("/regressions?state=confirmed").await, 200).await;
    list["regressions"].as_array().unwrap().clone()
}

/// The regression alerts Alertmanager holds.
pub async fn regression_alerts(alertmanager: &Alertmanager) -> Vec<Value> {
    active_alerts(alertmanager)
        .await
        .into_iter()
        .filter(|a| a["labels"]["alertname"] == "ProfilingRegression")
        .collect()
}

#[tokio::test]
async fn a_deploy_that_regresses_is_found_explained_and_delivered_once() {
    let receiver = receiver().await;
    let alertmanager = start_alertmanager(&format!("{}/alertmanager", receiver.uri())).await;
    let now = steady_now().await;
    let deploy = backfilled_to(now) - 90 * 60;
    let stub = start(fleet(deploy)).await;
    let db = TestDatabase::create().await;
    let first = spawn_stoppable(replica(&db, &stub, &alertmanager)).await;
    register(&first.app, &receiver).await;
    backfill(&first.app, &db, now).await;

    // One confirmed regression: the deploy's, explained; and the rename, a cost shift.
    let events = confirmed(&first.app).await;
    let regression = events
        .iter()
        .find(|e| e["appName"] == "app-01")
        .unwrap_or_else(|| panic!("app-01's regression is confirmed: {events:?}"));
    assert_eq!(regression["function"], RESIZE);
    assert_eq!(regression["kind"], "regression");
    assert_eq!(regression["profileType"], "cpu");
    assert_eq!(
        regression["version"],
        json!({"before": "1.0", "after": "2.0"})
    );
    let changed = regression["changedAt"].as_i64().unwrap();
    assert!(
        (changed - deploy).abs() <= SLICE,
        "change point {changed} vs deploy {deploy}"
    );
    let delta = regression["deltaPercent"].as_f64().unwrap();
    let low = regression["significance"]["low"].as_f64().unwrap();
    assert!(low > 0.0 && (5.0..15.0).contains(&delta), "{regression}");
    let cost = Cost::of(regression);
    assert_eq!(regression["announced"], true);
    let shift = events
        .iter()
        .find(|e| e["appName"] == "app-00")
        .unwrap_or_else(|| panic!("app-00's rename is confirmed: {events:?}"));
    assert_eq!(
        (&shift["function"], &shift["kind"]),
        (&json!(RENAMED), &json!("cost_shift"))
    );
    assert_eq!(shift["shiftedFrom"], RESIZE);
    assert_eq!(
        shift["announced"], false,
        "cost shifts are not delivered by default"
    );
    assert_eq!(
        events.len(),
        2,
        "nothing else is confirmed (the spike went away): {events:?}"
    );

    // Delivered: one alert in Alertmanager with the labels of docs/regressions.md, one webhook
    // POST.
    eventually(15, "Alertmanager holds the regression", || async {
        !regression_alerts(&alertmanager).await.is_empty()
    })
    .await;
    let alerts = regression_alerts(&alertmanager).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let labels = &alerts[0]["labels"];
    for (name, want) in [
        ("app", "app-01"),
        ("profile_type", "cpu"),
        ("function", RESIZE),
        ("kind", "regression"),
        ("severity", "critical"),
        ("version", "2.0"),
        ("team", "ledger-team"),
        ("tier", "critical"),
    ] {
        assert_eq!(labels[name], want, "label {name}: {labels}");
    }
    let summary = alerts[0]["annotations"]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("app-01 cpu: HashMap.resize") && summary.ends_with("version 2.0"),
        "{summary}"
    );
    assert!(summary.contains(&cost.words()), "{summary}");
    let description = alerts[0]["annotations"]["description"].as_str().unwrap();
    let factor = format!("by a factor of {:.3}", cost.ratio);
    assert!(description.contains(&factor), "{description}");
    eventually(15, "the webhook hears the confirmation", || async {
        !hooks(&receiver).await.is_empty()
    })
    .await;
    throughout(3, "one webhook POST", || async {
        hooks(&receiver).await.len() == 1
    })
    .await;
    let (body, key) = &hooks(&receiver).await[0];
    assert_eq!(body["status"], "confirmed");
    assert_eq!(body["regression"]["id"], regression["id"]);
    assert!(body["summary"].as_str().unwrap().contains(&cost.words()));
    assert_eq!(body["regression"]["costRatio"], regression["costRatio"]);
    assert_eq!(
        key,
        &body["id"].to_string(),
        "the Idempotency-Key is the notification's id"
    );

    // Its page: the trend with the change point and the deploy marked, the diff of before
    // and after with the function in it.
    let id = regression["id"].as_i64().unwrap();
    let page = first
        .app
        .get(&format!("/regressions/{id}?format=html"))
        .await
        .text()
        .await
        .unwrap();
    let cost_fact = format!("for the process (cost ratio {:.3})", cost.ratio);
    for part in [
        "class=\"mark change\"",
        "version 2.0",
        "Differential flame graph",
        "java/util/HashMap.resize</code>",
        cost_fact.as_str(),
    ] {
        assert!(page.contains(part), "the page lacks {part}");
    }
    let detail = json_with_status(first.app.get(&format!("/regressions/{id}")).await, 200).await;
    assert_eq!(detail["trend"]["series"][0]["function"], RESIZE);

    // A restart, and a backfill over the same range: nothing new, nothing sent again.
    first.stop().await;
    let second = spawn_stoppable(replica(&db, &stub, &alertmanager)).await;
    let again = json!({"from": now - HOURS * 3600, "to": now, "notify": true});
    let queued = json_with_status(second.app.post("/trends/backfill", &again).await, 202).await;
    assert_eq!(queued["slices"], 0, "every slice is summarized already");
    throughout(4, "still one webhook POST", || async {
        hooks(&receiver).await.len() == 1
    })
    .await;
    assert_eq!(confirmed(&second.app).await.len(), 2);
    assert_eq!(regression_alerts(&alertmanager).await.len(), 1);
    let metrics = second.app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("regressions_active 2"), "{metrics}");
}

/// Two replicas share the backfill of a deploy rolled back an hour later: the regression is
/// confirmed, then resolved, and its webhook hears each transition once.
#[tokio::test]
async fn two_replicas_find_deliver_and_resolve_a_regression_once() {
    let receiver = receiver().await;
    let alertmanager = start_alertmanager(&format!("{}/alertmanager", receiver.uri())).await;
    let now = steady_now().await;
    let deploy = backfilled_to(now) - 120 * 60;
    let mut fleet = fleet(deploy);
    fleet.rollback = Some(deploy + 60 * 60);
    // A resolution needs three slices in a row back within half the threshold (1.5 points of
    // 15 %): at the default spread of every minute (±30 %) a slice's share wanders by about 2
    // points, so this fleet's minutes vary less (±10 %).
    fleet.overdispersion = Some(0.1);
    let stub = start(fleet).await;
    let db = TestDatabase::create().await;
    let one = spawn_stoppable(replica(&db, &stub, &alertmanager)).await;
    let two = spawn_stoppable(replica(&db, &stub, &alertmanager)).await;
    register(&one.app, &receiver).await;
    backfill(&two.app, &db, now).await;
    let list = json_with_status(one.app.get("/regressions?appName=app-01").await, 200).await;
    let events = list["regressions"].as_array().unwrap();
    let resolved: Vec<&Value> = events.iter().filter(|e| e["state"] == "resolved").collect();
    assert_eq!(resolved.len(), 1, "{events:?}");
    assert!(resolved[0]["resolvedAt"].as_i64().unwrap() > deploy + 60 * 60);
    eventually(15, "the webhook hears both transitions", || async {
        hooks(&receiver).await.len() >= 2
    })
    .await;
    throughout(3, "two webhook POSTs from two replicas", || async {
        hooks(&receiver).await.len() == 2
    })
    .await;
    let statuses: Vec<Value> = hooks(&receiver)
        .await
        .into_iter()
        .map(|(body, _)| body["status"].clone())
        .collect();
    assert_eq!(statuses, [json!("confirmed"), json!("resolved")]);
    // Resolved: whether or not Alertmanager saw it fire in between, nothing fires there now.
    eventually(15, "nothing fires in Alertmanager", || async {
        regression_alerts(&alertmanager).await.is_empty()
    })
    .await;
    throughout(3, "nothing fires in Alertmanager", || async {
        let firing = regression_alerts(&alertmanager).await;
        if !firing.is_empty() {
            let all = json_with_status(one.app.get("/regressions").await, 200).await;
            eprintln!("firing after the resolution: {firing:#?}\nregressions: {all:#}");
        }
        firing.is_empty()
    })
    .await;
}

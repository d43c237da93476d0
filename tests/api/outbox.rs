//! One dead receiver must not silence everyone's alerts (issue 27): webhooks go out from an
//! outbox beside the evaluation, fresh ones are never queued behind ones that keep failing,
//! failures back off per notification and are given up at the limit, a restart keeps their
//! attempt counts, and Alertmanager keeps every firing alert active throughout.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use pf_alerts::{AlertWebhook, TransitionKind};

use crate::alertmanager_server::{active_alerts, start_alertmanager};
use crate::helpers::{
    eventually, health_of, json_with_status, spawn_stoppable, test_settings, TestApp, TestDatabase,
};
use crate::stubs::java::{spawn_with_pyroscope_and, stub_pyroscope};

/// Remembers when each path was called, and answers `status` after `delay`.
#[derive(Clone)]
pub struct Recorder {
    pub calls: Arc<Mutex<Vec<(String, Instant)>>>,
    status: u16,
    delay: Duration,
}

impl Respond for Recorder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let path = request.url.path().to_owned();
        self.calls.lock().unwrap().push((path, Instant::now()));
        ResponseTemplate::new(self.status).set_delay(self.delay)
    }
}

impl Recorder {
    /// The times each path was called, in order.
    pub fn by_path(&self) -> BTreeMap<String, Vec<Instant>> {
        let mut paths: BTreeMap<String, Vec<Instant>> = BTreeMap::new();
        for (path, at) in self.calls.lock().unwrap().iter() {
            paths.entry(path.clone()).or_default().push(*at);
        }
        paths
    }
}

/// A receiver answering every POST with `status` after `delay`.
pub async fn recorder(status: u16, delay: Duration) -> (MockServer, Recorder) {
    let server = MockServer::start().await;
    let recorder = Recorder {
        calls: Arc::default(),
        status,
        delay,
    };
    Mock::given(method("POST"))
        .respond_with(recorder.clone())
        .mount(&server)
        .await;
    (server, recorder)
}

async fn add_rule(app: &TestApp, webhook: &str) -> i64 {
    // The stub's top function takes 50% of CPU: every rule fires at its first evaluation.
    let body = json!({"appName": "checkout", "profileType": "cpu", "thresholdPercent": 40.0,
                      "notificationChannel": webhook});
    json_with_status(app.post("/rules", &body).await, 201).await["id"]
        .as_i64()
        .unwrap()
}

async fn delivery_health(address: &str) -> Value {
    let health = health_of(address).await;
    health["checks"]["alertDelivery"]["details"].clone()
}

/// The rule ids Alertmanager holds active.
async fn active_rule_ids(url: &crate::alertmanager_server::Alertmanager) -> BTreeSet<String> {
    active_alerts(url)
        .await
        .iter()
        .filter_map(|a| a["labels"]["rule_id"].as_str().map(String::from))
        .collect()
}

#[tokio::test]
async fn a_working_webhook_is_heard_at_once_while_140_dead_ones_back_off_and_are_given_up() {
    const INTERVAL: u64 = 1;
    let (sink, _) = recorder(200, Duration::ZERO).await;
    let alertmanager = start_alertmanager(&format!("{}/alertmanager", sink.uri())).await;
    let (dead, dead_calls) = recorder(503, Duration::ZERO).await;
    let (hanging, hanging_calls) = recorder(200, Duration::from_secs(600)).await;
    let (working, working_calls) = recorder(200, Duration::ZERO).await;
    let am_url = url::Url::parse(&alertmanager.url).unwrap();
    let (app, _pyroscope) = spawn_with_pyroscope_and(move |s| {
        s.alerts.interval_secs = Duration::from_secs(INTERVAL);
        s.alerts.delivery_timeout_secs = Duration::from_secs(2);
        s.alerts.alertmanager_url = Some(am_url);
        s.alerts.retry_initial_millis = Duration::from_secs(1);
        s.alerts.give_up_after_attempts = std::num::NonZeroU32::new(4).unwrap();
    })
    .await;
    let mut ids = BTreeSet::new();
    for i in 0..120 {
        ids.insert(
            add_rule(&app, &format!("{}/dead/{i}", dead.uri()))
                .await
                .to_string(),
        );
    }
    for i in 0..20 {
        let hook = format!("{}/hanging/{i}", hanging.uri());
        ids.insert(add_rule(&app, &hook).await.to_string());
    }
    eventually(20, "140 alerts are active in Alertmanager", || async {
        active_rule_ids(&alertmanager).await == ids
    })
    .await;
    eventually(10, "every dead and hanging webhook was tried", || async {
        dead_calls.by_path().len() == 120 && hanging_calls.by_path().len() == 20
    })
    .await;

    // Another team's rule fires, with a webhook that works.
    let created = Instant::now();
    let id = add_rule(&app, &format!("{}/hook", working.uri())).await;
    eventually(10, "the working webhook hears its alert", || async {
        !working_calls.by_path().is_empty()
    })
    .await;
    let heard = created.elapsed();
    assert!(
        heard <= Duration::from_secs(2 * INTERVAL + 1),
        "heard after {heard:?}: within two intervals of firing"
    );
    ids.insert(id.to_string());
    eventually(5, "Alertmanager has the new alert too", || async {
        active_rule_ids(&alertmanager).await == ids
    })
    .await;

    // From then until every dead notification is given up, Alertmanager keeps every alert
    // active.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let active = active_rule_ids(&alertmanager).await;
        assert!(
            active.is_superset(&ids),
            "an alert went missing: {active:?}"
        );
        let details = delivery_health(&app.address).await;
        if details["givenUp"] == 140 && details["pending"] == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "not all given up: {details}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // Four attempts each, the waits between them growing (about 1, 2, 4 s with jitter).
    for (path, times) in dead_calls.by_path() {
        assert_eq!(times.len(), 4, "{path}");
        let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps[2] > gaps[0], "{path}: waits {gaps:?} do not grow");
    }
    for (path, times) in hanging_calls.by_path() {
        assert_eq!(times.len(), 4, "{path}");
    }
    // The one POST has the documented body, its `id` also its Idempotency-Key.
    let requests = working.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let hook: AlertWebhook = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(requests[0].headers["idempotency-key"], hook.id.to_string());
    assert_eq!(i64::from(hook.notice.rule_id), id);
    assert_eq!(hook.notice.status, TransitionKind::Firing);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    let given_up = "alert_notifications_total{outcome=\"given_up\",target=\"webhook\"} 140";
    assert!(metrics.contains(given_up), "{metrics}");
    let mut pg = app.pg().await;
    let outcomes: Vec<(String, i64)> = sqlx::query_as(
        "select outcome, count(*) from notification_outbox group by outcome order by 1",
    )
    .fetch_all(&mut pg)
    .await
    .unwrap();
    assert_eq!(
        outcomes,
        [("delivered".to_owned(), 1), ("given_up".to_owned(), 140)]
    );
}

/// A replica stops while its dead webhooks back off; the next one on the same database goes on
/// from the attempts they had, and gives them up at the same limit.
#[tokio::test]
async fn a_restart_keeps_the_attempt_counts_of_failing_webhooks() {
    let (dead, calls) = recorder(503, Duration::ZERO).await;
    let pyroscope = stub_pyroscope().await;
    let db = TestDatabase::create().await;
    let settings = || {
        let mut s = test_settings(&db);
        s.pyroscope.url = Some(url::Url::parse(&pyroscope.uri()).unwrap());
        s.alerts.interval_secs = Duration::from_secs(1);
        s.alerts.retry_initial_millis = Duration::from_secs(1);
        s.alerts.give_up_after_attempts = std::num::NonZeroU32::new(5).unwrap();
        s
    };
    let first = spawn_stoppable(settings()).await;
    for i in 0..3 {
        add_rule(&first.app, &format!("{}/dead/{i}", dead.uri())).await;
    }
    eventually(10, "each dead webhook was tried twice", || async {
        let paths = calls.by_path();
        paths.len() == 3 && paths.values().all(|t| t.len() >= 2)
    })
    .await;
    first.stop().await;
    let before: usize = calls.by_path().values().map(Vec::len).sum();
    assert!(before < 15, "given up before the restart: {before} calls");

    let second = crate::helpers::spawn_server(settings()).await;
    crate::helpers::wait_until_ready(&second).await;
    eventually(30, "the restarted replica gives the three up", || async {
        delivery_health(&second).await["givenUp"] == 3
    })
    .await;
    for (path, times) in calls.by_path() {
        assert_eq!(
            times.len(),
            5,
            "{path}: five attempts in all, across the restart"
        );
    }
}

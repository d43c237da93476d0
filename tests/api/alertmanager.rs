//! Alerts end to end against a real Prometheus Alertmanager (Debian `prometheus-alertmanager`),
//! started here on a free port like PostgreSQL: a breached rule appears there with the labels of
//! docs/alerting.md, its webhook gets exactly one POST per transition, and a recovery resolves it.

use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::alertmanager_server::{active_alerts, start_alertmanager};
use crate::helpers::{
    eventually, health_of, json_with_status, spawn_stoppable, throughout, TestApp,
};
use crate::stubs::java::spawn_with_pyroscope_and;

async fn posts(server: &MockServer, at: &str) -> Vec<Value> {
    let requests: Vec<Request> = server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .filter(|r| r.url.path() == at)
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

/// A webhook receiver that accepts everything and remembers it.
pub async fn receiver() -> MockServer {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    receiver
}

/// Settings of an all-in-one replica on `db` and the stub Pyroscope, evaluating every second.
fn replica(
    db: &crate::helpers::TestDatabase,
    pyroscope: &MockServer,
) -> pyroscope_functions::app::settings::Settings {
    let mut settings = crate::helpers::test_settings(db);
    settings.pyroscope.url = Some(url::Url::parse(&pyroscope.uri()).unwrap());
    settings.alerts.interval_secs = std::time::Duration::from_secs(1);
    settings
}

async fn create_rule(app: &TestApp, webhook: &str, threshold: f64) -> i64 {
    let body = json!({"appName": "checkout", "profileType": "cpu", "thresholdPercent": threshold,
                      "severity": "critical", "notificationChannel": webhook});
    json_with_status(app.post("/rules", &body).await, 201).await["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_breached_rule_fires_in_alertmanager_and_its_webhook_hears_each_transition_once() {
    let receiver = receiver().await;
    let alertmanager = start_alertmanager(&format!("{}/alertmanager", receiver.uri())).await;
    let am_url = url::Url::parse(&alertmanager.url).unwrap();
    let (app, _pyroscope) = spawn_with_pyroscope_and(move |s| {
        s.alerts.interval_secs = std::time::Duration::from_secs(1);
        s.alerts.alertmanager_url = Some(am_url);
    })
    .await;
    let webhook = format!("{}/hook", receiver.uri());
    // The stub's top function takes 50% of CPU.
    let id = create_rule(&app, &webhook, 40.0).await;

    eventually(10, "the alert reaches Alertmanager", || async {
        !active_alerts(&alertmanager).await.is_empty()
    })
    .await;
    let alert = &active_alerts(&alertmanager).await[0];
    let labels = &alert["labels"];
    assert_eq!(labels["alertname"], "ProfilingRuleBreached");
    assert_eq!(labels["app"], "checkout");
    assert_eq!(labels["profile_type"], "cpu");
    assert_eq!(labels["rule_id"], id.to_string());
    assert_eq!(labels["severity"], "critical");
    assert_eq!(alert["annotations"]["value"], "50");
    assert!(
        alert["annotations"]["summary"]
            .as_str()
            .unwrap()
            .contains("50% > 40%"),
        "{alert}"
    );
    // Alertmanager grouped and passed it on to its own receiver.
    eventually(10, "Alertmanager notifies its receiver", || async {
        !posts(&receiver, "/alertmanager").await.is_empty()
    })
    .await;

    // The webhook goes through the outbox on its own path: it may land after Alertmanager's.
    eventually(10, "the webhook hears the firing", || async {
        !posts(&receiver, "/hook").await.is_empty()
    })
    .await;
    // Several more evaluations: still one firing webhook, and /alerts shows it.
    throughout(3, "the webhook heard one firing", || async {
        posts(&receiver, "/hook").await.len() == 1
    })
    .await;
    let hooks = posts(&receiver, "/hook").await;
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(hooks[0]["status"], "firing");
    let firing = json_with_status(app.get("/alerts").await, 200).await;
    assert_eq!(firing["count"], 1);

    // The value falls below the new threshold: resolved, once.
    let put = app
        .put(&format!("/rules/{id}"), &json!({"thresholdPercent": 60.0}))
        .await;
    json_with_status(put, 200).await;
    eventually(10, "the rule's webhook hears the resolution", || async {
        posts(&receiver, "/hook").await.len() == 2
    })
    .await;
    eventually(10, "Alertmanager resolves the alert", || async {
        active_alerts(&alertmanager).await.is_empty()
    })
    .await;
    throughout(2, "the webhook heard two transitions", || async {
        posts(&receiver, "/hook").await.len() == 2
    })
    .await;
    let hooks = posts(&receiver, "/hook").await;
    assert_eq!(hooks[1]["status"], "resolved");
    let history = json_with_status(app.get("/alerts/history?appName=checkout").await, 200).await;
    let kinds: Vec<&str> = history["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["transition"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["resolved", "firing"]);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("alert_notifications_total{outcome=\"ok\",target=\"webhook\"} 2"),
        "{metrics}"
    );
}

/// Two replicas on one database: one leads, the other stands by, and the rule's webhook hears
/// its firing once.
#[tokio::test]
async fn two_evaluators_on_one_database_announce_a_firing_once() {
    let receiver = receiver().await;
    let pyroscope = crate::stubs::java::stub_pyroscope().await;
    let db = crate::helpers::TestDatabase::create().await;
    let mut addresses = Vec::new();
    for _ in 0..2 {
        let address = crate::helpers::spawn_server(replica(&db, &pyroscope)).await;
        crate::helpers::wait_until_ready(&address).await;
        addresses.push(address);
    }
    let first = TestApp::at(addresses[0].clone());
    create_rule(&first, &format!("{}/hook", receiver.uri()), 40.0).await;
    eventually(10, "the webhook hears the firing", || async {
        !posts(&receiver, "/hook").await.is_empty()
    })
    .await;
    throughout(3, "the firing is announced once", || async {
        posts(&receiver, "/hook").await.len() == 1
    })
    .await;
    let mut roles = Vec::new();
    for address in &addresses {
        let health = health_of(address).await;
        roles.push(health["checks"]["alertEvaluator"]["details"]["role"].clone());
    }
    roles.sort_by_key(|r| r.to_string());
    assert_eq!(roles, [json!("leader"), json!("standby")]);
}

/// The leader stops; the standby takes over within two intervals, reads the stored state, and
/// announces nothing again.
#[tokio::test]
async fn a_standby_takes_over_from_a_stopped_leader_without_announcing_again() {
    let receiver = receiver().await;
    let pyroscope = crate::stubs::java::stub_pyroscope().await;
    let db = crate::helpers::TestDatabase::create().await;
    let settings = || replica(&db, &pyroscope);
    let leader = spawn_stoppable(settings()).await;
    create_rule(&leader.app, &format!("{}/hook", receiver.uri()), 40.0).await;
    eventually(10, "the webhook hears the firing", || async {
        posts(&receiver, "/hook").await.len() == 1
    })
    .await;

    let standby = crate::helpers::spawn_server(settings()).await;
    crate::helpers::wait_until_ready(&standby).await;
    let role = || async {
        let health = health_of(&standby).await;
        health["checks"]["alertEvaluator"]["details"]["role"].clone()
    };
    eventually(5, "the second replica stands by", || async {
        role().await == "standby"
    })
    .await;

    leader.stop().await;
    eventually(3, "the standby leads within two intervals", || async {
        role().await == "leader"
    })
    .await;
    throughout(2, "the new leader announces nothing again", || async {
        posts(&receiver, "/hook").await.len() == 1
    })
    .await;
    let firing: Value = reqwest::get(format!("{standby}/alerts"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(firing["count"], 1, "the firing alert is remembered");
}

/// The split deployment: the evaluator alone, with its own database, reaching the rules and the
/// profiles over HTTP. Without a way to its rules it refuses to start.
#[tokio::test]
async fn the_evaluator_runs_alone_against_remote_rules_and_profiles() {
    use pyroscope_functions::app::settings::Function;

    let receiver = receiver().await;
    let pyroscope = crate::stubs::java::stub_pyroscope().await;
    let pyroscope_url = url::Url::parse(&pyroscope.uri()).unwrap();
    let profiles =
        crate::helpers::spawn_profile_data_sor(move |s| s.pyroscope.url = Some(pyroscope_url))
            .await;
    let rules = crate::helpers::spawn_app_with(|s| s.function = Function::AlertRuleSor).await;

    let db = crate::helpers::TestDatabase::create().await;
    let mut settings = crate::helpers::test_settings(&db);
    settings.function = Function::AlertEvaluator;
    settings.alerts.interval_secs = std::time::Duration::from_secs(1);
    settings.sors.profile_data_url = Some(url::Url::parse(&profiles.address).unwrap());
    let refused = pyroscope_functions::app::Application::build(settings.clone()).await;
    let error = refused.err().expect("no rules, no evaluator").to_string();
    assert!(error.contains("ALERT_RULE_URL"), "{error}");

    settings.sors.alert_rule_url = Some(url::Url::parse(&rules.address).unwrap());
    let evaluator = crate::helpers::spawn_server(settings).await;
    crate::helpers::wait_until_ready(&evaluator).await;
    create_rule(&rules, &format!("{}/hook", receiver.uri()), 40.0).await;
    eventually(10, "the webhook hears the firing", || async {
        posts(&receiver, "/hook").await.len() == 1
    })
    .await;
    let health = health_of(&evaluator).await;
    assert_eq!(health["checks"]["alertRuleSor"]["status"], "up", "{health}");
    assert_eq!(
        health["checks"]["alertEvaluator"]["details"]["role"],
        "leader"
    );
    let firing: Value = reqwest::get(format!("{evaluator}/alerts"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(firing["count"], 1);
}

/// Pyroscope fails while an alert fires: the alert stays firing in Alertmanager, nothing is
/// announced, and the evaluator counts the errors.
#[tokio::test]
async fn a_pyroscope_outage_keeps_a_firing_alert_firing() {
    let receiver = receiver().await;
    let alertmanager = start_alertmanager(&format!("{}/alertmanager", receiver.uri())).await;
    let am_url = url::Url::parse(&alertmanager.url).unwrap();
    let (app, pyroscope) = spawn_with_pyroscope_and(move |s| {
        s.alerts.interval_secs = std::time::Duration::from_secs(1);
        s.alerts.alertmanager_url = Some(am_url);
        s.pyroscope.cache_ttl_secs = std::time::Duration::ZERO;
        s.pyroscope.max_retries = 0;
        // A 503 is waited out for as long as a read may take: a short one, so each
        // evaluation of the outage ends within its interval.
        s.pyroscope.request_timeout_secs = std::time::Duration::from_millis(500);
    })
    .await;
    create_rule(&app, &format!("{}/hook", receiver.uri()), 40.0).await;
    eventually(10, "the alert fires", || async {
        !active_alerts(&alertmanager).await.is_empty()
    })
    .await;

    pyroscope.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&pyroscope)
        .await;
    throughout(5, "the alert fires on and nothing is announced", || async {
        active_alerts(&alertmanager).await.len() == 1 && posts(&receiver, "/hook").await.len() == 1
    })
    .await;
    let health = json_with_status(app.get("/health").await, 200).await;
    let evaluator = &health["checks"]["alertEvaluator"]["details"];
    assert_eq!(evaluator["errors"], 1, "{health}");
    assert_eq!(evaluator["firing"], 1, "{health}");
}

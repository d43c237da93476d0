//! A rule's webhook is user input (issue 16): an address in a denied range is refused when the
//! rule is saved, and again when the webhook is called, where the refusal is final.

use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{
    assert_error, eventually, json_with_status, spawn_app, spawn_binary_with, throughout, TestApp,
    TestDatabase,
};
use crate::stubs::java::spawn_with_pyroscope_and;

fn rule(channel: &str) -> Value {
    json!({"appName": "checkout", "profileType": "cpu", "thresholdPercent": 40.0,
           "notificationChannel": channel})
}

#[tokio::test]
async fn cloud_metadata_is_refused_and_loopback_accepted_by_default() {
    let app = spawn_app().await;
    for channel in [
        "http://169.254.169.254/latest/meta-data",
        "https://[fe80::1]/hook",
        "http://0.0.0.0:8080/hook",
    ] {
        let res = app.post("/rules", &rule(channel)).await;
        let body = assert_error(res, 400, "forbidden_notification_address").await;
        assert!(
            body["error"].as_str().unwrap().contains("may not reach"),
            "{body}"
        );
    }
    // Only http(s) URLs are called at all.
    let res = app.post("/rules", &rule("gopher://127.0.0.1:70/x")).await;
    assert_error(res, 400, "invalid_notification_channel").await;

    let saved = json_with_status(
        app.post("/rules", &rule("http://127.0.0.1:9/hook")).await,
        201,
    )
    .await;
    assert_eq!(saved["notificationChannel"], "http://127.0.0.1:9/hook");
    let id = saved["id"].as_i64().unwrap();
    let change = json!({"notificationChannel": "http://169.254.169.254/latest/meta-data"});
    let res = app.put(&format!("/rules/{id}"), &change).await;
    assert_error(res, 400, "forbidden_notification_address").await;
    let kept = json_with_status(app.get(&format!("/rules/{id}")).await, 200).await;
    assert_eq!(kept["notificationChannel"], "http://127.0.0.1:9/hook");
}

/// The binary with loopback added to `outbound.deny` in its config file: a loopback literal is
/// refused, and so is a name that resolves to loopback.
#[tokio::test]
async fn loopback_is_refused_once_the_deny_list_holds_it() {
    let db = TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("deny-loopback.toml");
    std::fs::write(
        &config,
        "[outbound]\ndeny = [\"169.254.0.0/16\", \"fe80::/10\", \"0.0.0.0/8\", \"127.0.0.0/8\", \"::1/128\"]\n",
    )
    .unwrap();
    let (_service, address) = spawn_binary_with(db.url.as_str(), |command| {
        command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("FUNCTION", "all")
            .env("APP_CONFIG", &config);
    })
    .await;
    let app = TestApp::at(address);
    for channel in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://[::1]:9/hook",
    ] {
        let res = app.post("/rules", &rule(channel)).await;
        let body = assert_error(res, 400, "forbidden_notification_address").await;
        assert!(
            body["error"].as_str().unwrap().contains("may not reach"),
            "{channel}: {body}"
        );
    }
    let body = assert_error(
        app.post("/rules", &rule("http://localhost:9/hook")).await,
        400,
        "forbidden_notification_address",
    )
    .await;
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("localhost resolves to"),
        "{body}"
    );
    // A channel name is not called, so not checked.
    json_with_status(app.post("/rules", &rule("#payments-oncall")).await, 201).await;
}

/// A webhook saved before its range was denied (here: written to the database directly) is
/// refused when called: nothing reaches the receiver, the refusal is counted, and it is given
/// up rather than retried at every evaluation.
#[tokio::test]
async fn a_denied_webhook_is_not_called_and_given_up() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let (app, _pyroscope) = spawn_with_pyroscope_and(|s| {
        s.alerts.interval_secs = std::time::Duration::from_secs(1);
        s.outbound.deny.push("127.0.0.0/8".parse().unwrap());
    })
    .await;
    // The stub's top function takes 50% of CPU: the rule fires at the first evaluation.
    let saved = json_with_status(app.post("/rules", &rule("#team")).await, 201).await;
    let webhook = format!("{}/hook", receiver.uri());
    let mut pg = app.pg().await;
    sqlx::query("update alert_rule set notification_channel = $1 where id = $2")
        .bind(&webhook)
        .bind(saved["id"].as_i64().unwrap() as i32)
        .execute(&mut pg)
        .await
        .unwrap();

    let denied = "alert_notifications_total{outcome=\"denied\",target=\"webhook\"} 1\n";
    let refused = || async {
        app.get("/metrics")
            .await
            .text()
            .await
            .unwrap()
            .contains(denied)
    };
    eventually(10, "the refusal is counted", refused).await;
    // Three more evaluations: the refusal is not repeated, and nothing was sent.
    throughout(3, "one refusal, and nothing sent", || async {
        refused().await && receiver.received_requests().await.unwrap().is_empty()
    })
    .await;
}

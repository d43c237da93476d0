//! A webhook is user input (issue 16, issue 77): an address inside the network — loopback,
//! private, CGNAT, link-local, cloud metadata — is refused when a rule or a registration is
//! saved, and again when the webhook is called, where the refusal is final; unless
//! `delivery.allow_cidrs` names its range.

use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{
    assert_error, eventually, json_with_status, spawn_app_with, spawn_binary_with, throughout,
    TestApp, TestDatabase,
};
use crate::stubs::java::spawn_with_pyroscope_and;

fn rule(channel: &str) -> Value {
    json!({"appName": "checkout", "profileType": "cpu", "thresholdPercent": 40.0,
           "notificationChannel": channel})
}

fn service(app: &str, channel: &str) -> Value {
    json!({"appName": app, "notificationChannel": channel})
}

/// The eight addresses of the issue: loopback, the three RFC 1918 ranges, Alibaba's metadata
/// (CGNAT), IPv6 loopback, AWS's IPv6 metadata (fc00::/7), and a name that resolves to
/// loopback; each with the ranges that allow it.
const INSIDE: [(&str, &[&str]); 8] = [
    ("http://127.0.0.1:9/hook", &["127.0.0.0/8"]),
    ("http://10.1.2.3/hook", &["10.0.0.0/8"]),
    ("http://172.16.5.4/hook", &["172.16.0.0/12"]),
    ("http://192.168.1.10/hook", &["192.168.0.0/16"]),
    (
        "http://100.100.100.200/latest/meta-data",
        &["100.64.0.0/10"],
    ),
    ("http://[::1]:9/hook", &["::1/128"]),
    (
        "http://[fd00:ec2::254]/latest/meta-data",
        &["fd00:ec2::/32"],
    ),
    // `localhost` may resolve to both loopbacks: every address it resolves to is judged.
    ("http://localhost:9/hook", &["127.0.0.0/8", "::1/128"]),
];

/// The cloud metadata and link-local addresses refused before issue 77, still refused.
const METADATA: [&str; 3] = [
    "http://169.254.169.254/latest/meta-data",
    "https://[fe80::1]/hook",
    "http://0.0.0.0:8080/hook",
];

async fn refused(res: reqwest::Response, channel: &str) {
    let body = assert_error(res, 400, "forbidden_notification_address").await;
    let message = body["error"].as_str().unwrap();
    assert!(
        message.contains("may not reach") && message.contains("delivery.allow_cidrs"),
        "{channel}: {body}"
    );
}

#[tokio::test]
async fn every_address_inside_the_network_is_refused_for_rules_and_services_by_default() {
    let app = spawn_app_with(|s| s.delivery.allow_cidrs.clear()).await;
    let saved = json_with_status(app.post("/rules", &rule("#team")).await, 201).await;
    let id = saved["id"].as_i64().unwrap();
    json_with_status(
        app.post("/services", &service("checkout", "#team")).await,
        201,
    )
    .await;
    for (i, channel) in INSIDE.iter().map(|(c, _)| *c).chain(METADATA).enumerate() {
        refused(app.post("/rules", &rule(channel)).await, channel).await;
        let change = json!({"notificationChannel": channel});
        refused(app.put(&format!("/rules/{id}"), &change).await, channel).await;
        let new = service(&format!("svc-{i}"), channel);
        refused(app.post("/services", &new).await, channel).await;
        refused(app.put("/services/checkout", &change).await, channel).await;
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
    // Nothing was kept; a channel name is not called, so not checked; only http(s) is called.
    let kept = json_with_status(app.get(&format!("/rules/{id}")).await, 200).await;
    assert_eq!(kept["notificationChannel"], "#team");
    let kept = json_with_status(app.get("/services/checkout").await, 200).await;
    assert_eq!(kept["notificationChannel"], "#team");
    let res = app.post("/rules", &rule("gopher://127.0.0.1:70/x")).await;
    assert_error(res, 400, "invalid_notification_channel").await;
    let public = "https://203.0.113.10/hook";
    json_with_status(app.post("/rules", &rule(public)).await, 201).await;
    json_with_status(app.post("/services", &service("public", public)).await, 201).await;
}

#[tokio::test]
async fn each_is_allowed_once_delivery_allow_cidrs_names_its_range() {
    let app = spawn_app_with(|s| {
        s.delivery.allow_cidrs = INSIDE
            .iter()
            .flat_map(|(_, ranges)| ranges.iter())
            .map(|range| range.parse().unwrap())
            .collect();
    })
    .await;
    for (i, (channel, _)) in INSIDE.iter().enumerate() {
        let saved = json_with_status(app.post("/rules", &rule(channel)).await, 201).await;
        assert_eq!(saved["notificationChannel"], *channel);
        let new = service(&format!("svc-{i}"), channel);
        json_with_status(app.post("/services", &new).await, 201).await;
    }
    // What no range names stays refused.
    for channel in METADATA {
        refused(app.post("/rules", &rule(channel)).await, channel).await;
    }
}

/// The binary reads `DELIVERY_ALLOW_CIDRS` from its environment; without it, loopback and a
/// name that resolves to it are refused.
#[tokio::test]
async fn the_binary_allows_the_ranges_its_environment_names() {
    let db = TestDatabase::create().await;
    let (_service, address) = spawn_binary_with(db.url.as_str(), |command| {
        command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("FUNCTION", "all")
            .env_remove("DELIVERY_ALLOW_CIDRS");
    })
    .await;
    let app = TestApp::at(address);
    for channel in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://[::1]:9/hook",
    ] {
        refused(app.post("/rules", &rule(channel)).await, channel).await;
    }
    json_with_status(app.post("/rules", &rule("#payments-oncall")).await, 201).await;

    let (_service, address) = spawn_binary_with(db.url.as_str(), |command| {
        command
            .env("FUNCTION", "all")
            .env("DELIVERY_ALLOW_CIDRS", "10.0.0.0/8, 192.168.0.0/16");
    })
    .await;
    let app = TestApp::at(address);
    json_with_status(app.post("/rules", &rule("http://10.1.2.3/hook")).await, 201).await;
    json_with_status(
        app.post("/rules", &rule("http://192.168.7.7/hook")).await,
        201,
    )
    .await;
    let channel = "http://127.0.0.1:9/hook";
    refused(app.post("/rules", &rule(channel)).await, channel).await;
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
        // The receiver is on loopback, which the default refuses: nothing allows it here.
        s.delivery.allow_cidrs.clear();
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

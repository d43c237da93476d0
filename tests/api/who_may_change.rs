//! Who may change what (SPEC §35, issue 77): the audit names the token and keeps a claim beside
//! it; a team's token changes only its team's apps; `admin` alone deletes history and gives an
//! app to another team; a webhook's path is in no reader's answer; the probes say up or down.

use reqwest::StatusCode;
use serde_json::{json, Value};

use pf_http::auth_settings::Scope;
use pf_http::secrets::fingerprint;
use pyroscope_functions::app::settings::Settings;

use crate::access::{api_tokens_with, client_with, READ_TOKEN, WRITE_TOKEN};
use crate::helpers::{assert_error, json_with_status, TestApp};
use crate::stubs::java::{history_of, spawn_with_pyroscope_and, INCIDENT_FROM, INCIDENT_TO};

const PAYMENTS_TOKEN: &str = "payments-token-5d1e07";
const SEARCH_TOKEN: &str = "search-token-c4a9b2";
const ADMIN_TOKEN: &str = "admin-token-e83f10";

/// The two tokens of `access` (`deployer`, write, and `dashboards`, read, bound to no team),
/// `payments-ci` and `search-ci` (write, bound to their teams) and `platform` (admin).
fn with_team_tokens(settings: &mut Settings) {
    settings.auth.tokens = api_tokens_with(&[
        (
            "payments-ci",
            Scope::Write,
            PAYMENTS_TOKEN,
            Some("payments"),
        ),
        ("search-ci", Scope::Write, SEARCH_TOKEN, Some("search")),
        ("platform", Scope::Admin, ADMIN_TOKEN, None),
    ]);
}

/// The same service, asked with `token`.
fn as_token(app: &TestApp, token: &str) -> TestApp {
    let mut other = TestApp::at(app.address.clone());
    other.client = client_with(token);
    other
}

fn baseline(app: &str) -> Value {
    json!({"appName": app, "profileType": "cpu", "functionName": "G1 Young Generation",
           "maxSelfPercent": 30.0, "createdBy": "mallory"})
}

fn rule(app: &str) -> Value {
    json!({"appName": app, "profileType": "cpu", "thresholdPercent": 40.0,
           "notificationChannel": "#oncall", "createdBy": "mallory"})
}

async fn id_of(res: reqwest::Response) -> i64 {
    json_with_status(res, 201).await["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_read_token_naming_mallory_is_recorded_as_itself_with_mallory_beside_it() {
    let (app, _pyroscope) = spawn_with_pyroscope_and(with_team_tokens).await;
    let reader = as_token(&app, READ_TOKEN);
    let triage = format!("/triage/checkout?from={INCIDENT_FROM}&to={INCIDENT_TO}&types=cpu");
    let res = reader
        .client
        .get(reader.url(&triage))
        .header("X-Requested-By", "mallory")
        .send()
        .await
        .unwrap();
    json_with_status(res, 200).await;
    let history = history_of(&reader, "checkout", 1).await;
    let record = &history["history"][0];
    assert_eq!(record["requestedBy"], "dashboards", "{record}");
    assert_eq!(record["onBehalfOf"], "mallory", "{record}");

    // A stored row's createdBy is the token too, the body's claim kept beside it.
    let writer = as_token(&app, WRITE_TOKEN);
    for (path, body) in [
        ("/rules", rule("checkout")),
        ("/baselines", baseline("checkout")),
    ] {
        let saved = json_with_status(writer.post(path, &body).await, 201).await;
        assert_eq!(saved["createdBy"], "deployer", "{path}: {saved}");
        assert_eq!(saved["onBehalfOf"], "mallory", "{path}: {saved}");
    }
    // A record posted to the History SOR directly: the same.
    let direct = json!({"appName": "checkout", "diagnosis": "gc_pressure", "severity": "high",
                        "requestedBy": "ceo"});
    let saved = json_with_status(writer.post("/history", &direct).await, 201).await;
    assert_eq!(
        (&saved["requestedBy"], &saved["onBehalfOf"]),
        (&json!("deployer"), &json!("ceo"))
    );
    // Naming oneself adds nothing.
    let own = json!({"appName": "checkout", "profileType": "cpu", "thresholdPercent": 45.0,
                     "createdBy": "deployer"});
    let saved = json_with_status(writer.post("/rules", &own).await, 201).await;
    assert!(saved.get("onBehalfOf").is_none(), "{saved}");
}

#[tokio::test]
async fn without_tokens_the_claims_are_recorded_as_before() {
    let (app, _pyroscope) = spawn_with_pyroscope_and(|_| {}).await;
    let triage = format!("/triage/checkout?from={INCIDENT_FROM}&to={INCIDENT_TO}&types=cpu");
    let res = app
        .client
        .get(app.url(&triage))
        .header("X-Requested-By", "alice")
        .send()
        .await
        .unwrap();
    json_with_status(res, 200).await;
    let record = history_of(&app, "checkout", 1).await["history"][0].clone();
    assert_eq!(record["requestedBy"], "alice");
    assert!(record.get("onBehalfOf").is_none(), "{record}");
    let saved = json_with_status(app.post("/rules", &rule("checkout")).await, 201).await;
    assert_eq!(saved["createdBy"], "mallory");
    assert!(saved.get("onBehalfOf").is_none(), "{saved}");
    // Ownership changes and history deletion need no admin without tokens.
    let services = json!({"appName": "checkout", "teamOwner": "payments"});
    json_with_status(app.post("/services", &services).await, 201).await;
    let moved = json!({"teamOwner": "search"});
    json_with_status(app.put("/services/checkout", &moved).await, 200).await;
    let id = record["id"].as_i64().unwrap();
    assert_eq!(app.delete(&format!("/history/{id}")).await.status(), 204);
}

#[tokio::test]
async fn a_payments_token_changes_its_apps_and_gets_403_on_search_apps() {
    let (app, _pyroscope) = spawn_with_pyroscope_and(with_team_tokens).await;
    let payments = as_token(&app, PAYMENTS_TOKEN);
    let search = as_token(&app, SEARCH_TOKEN);

    // Each team registers its app; an absent teamOwner is the token's team.
    let checkout = json_with_status(
        payments
            .post(
                "/services",
                &json!({"appName": "checkout", "tier": "critical"}),
            )
            .await,
        201,
    )
    .await;
    assert_eq!(checkout["teamOwner"], "payments");
    let search_api = json!({"appName": "search-api", "teamOwner": "search"});
    json_with_status(search.post("/services", &search_api).await, 201).await;

    // Its own app: 201 and 200.
    let own_baseline = id_of(payments.post("/baselines", &baseline("checkout")).await).await;
    let own_rule = id_of(payments.post("/rules", &rule("checkout")).await).await;
    let change = json!({"maxSelfPercent": 35.0});
    let res = payments
        .put(&format!("/baselines/{own_baseline}"), &change)
        .await;
    json_with_status(res, 200).await;
    let res = payments
        .put(&format!("/rules/{own_rule}"), &json!({"enabled": false}))
        .await;
    json_with_status(res, 200).await;
    let res = payments
        .put("/services/checkout", &json!({"tier": "high"}))
        .await;
    json_with_status(res, 200).await;

    // Search's app: 403 on its baseline, rule and registry entry, and on taking it over.
    let their_baseline = id_of(search.post("/baselines", &baseline("search-api")).await).await;
    let their_rule = id_of(search.post("/rules", &rule("search-api")).await).await;
    let refusals = [
        payments.post("/baselines", &baseline("search-api")).await,
        payments
            .put(&format!("/baselines/{their_baseline}"), &change)
            .await,
        payments
            .delete(&format!("/baselines/{their_baseline}"))
            .await,
        payments.post("/rules", &rule("search-api")).await,
        payments
            .put(&format!("/rules/{their_rule}"), &json!({"enabled": false}))
            .await,
        payments.delete(&format!("/rules/{their_rule}")).await,
        payments
            .put("/services/search-api", &json!({"tier": "low"}))
            .await,
        payments
            .put("/services/search-api", &json!({"teamOwner": "payments"}))
            .await,
        payments
            .post(
                "/services",
                &json!({"appName": "search-api", "teamOwner": "payments"}),
            )
            .await,
        payments
            .post("/services", &json!({"appName": "search-api"}))
            .await,
        payments.delete("/services/search-api").await,
    ];
    for res in refusals {
        let body = assert_error(res, 403, "forbidden").await;
        let message = body["error"].as_str().unwrap();
        assert!(
            message.contains("search") && message.contains("payments-ci"),
            "{body}"
        );
    }
    // Nothing of search's changed.
    let kept = json_with_status(search.get("/services/search-api").await, 200).await;
    assert_eq!(
        (&kept["teamOwner"], &kept["tier"]),
        (&json!("search"), &json!("standard"))
    );
    let rules = json_with_status(search.get(&format!("/rules/{their_rule}")).await, 200).await;
    assert_eq!(rules["enabled"], true);

    // An app the registry does not hold is no team's yet: registered for its team first.
    let orphan = assert_error(
        payments.post("/baselines", &baseline("orphan")).await,
        403,
        "forbidden",
    )
    .await;
    assert!(
        orphan["error"]
            .as_str()
            .unwrap()
            .contains("not in the registry"),
        "{orphan}"
    );
    let elsewhere = json!({"appName": "orphan", "teamOwner": "search"});
    assert_error(
        payments.post("/services", &elsewhere).await,
        403,
        "forbidden",
    )
    .await;
    json_with_status(
        payments
            .post("/services", &json!({"appName": "orphan"}))
            .await,
        201,
    )
    .await;
    json_with_status(payments.post("/baselines", &baseline("orphan")).await, 201).await;

    // Giving its own app away, or unregistering it, needs an admin token.
    let away = json!({"teamOwner": "search"});
    let body = assert_error(
        payments.put("/services/checkout", &away).await,
        403,
        "forbidden",
    )
    .await;
    assert!(body["error"].as_str().unwrap().contains("admin"), "{body}");
    assert_error(payments.delete("/services/orphan").await, 403, "forbidden").await;
}

#[tokio::test]
async fn an_unbound_write_token_reaches_every_app_and_only_admin_moves_apps_and_deletes_history() {
    let (app, _pyroscope) = spawn_with_pyroscope_and(with_team_tokens).await;
    let search = as_token(&app, SEARCH_TOKEN);
    let writer = as_token(&app, WRITE_TOKEN);
    let admin = as_token(&app, ADMIN_TOKEN);
    let search_api = json!({"appName": "search-api", "teamOwner": "search"});
    json_with_status(search.post("/services", &search_api).await, 201).await;

    // As before tokens had teams: any app, registered or not.
    let their_baseline = id_of(writer.post("/baselines", &baseline("search-api")).await).await;
    id_of(writer.post("/baselines", &baseline("unregistered")).await).await;
    let their_rule = id_of(writer.post("/rules", &rule("search-api")).await).await;
    let res = writer
        .put(
            &format!("/baselines/{their_baseline}"),
            &json!({"maxSelfPercent": 12.0}),
        )
        .await;
    json_with_status(res, 200).await;
    assert_eq!(
        writer
            .delete(&format!("/rules/{their_rule}"))
            .await
            .status(),
        204
    );
    let res = writer
        .put("/services/search-api", &json!({"tier": "high"}))
        .await;
    json_with_status(res, 200).await;
    let new = json!({"appName": "ledger", "teamOwner": "payments"});
    json_with_status(writer.post("/services", &new).await, 201).await;

    // But not an app's owner, nor the audit trail: those need `admin`.
    let takeover = json!({"teamOwner": "payments"});
    let body = assert_error(
        writer.put("/services/search-api", &takeover).await,
        403,
        "forbidden",
    )
    .await;
    assert!(body["error"].as_str().unwrap().contains("admin"), "{body}");
    let replace = json!({"appName": "search-api", "teamOwner": "payments"});
    assert_error(writer.post("/services", &replace).await, 403, "forbidden").await;
    let direct = json!({"appName": "search-api", "diagnosis": "gc_pressure", "severity": "high"});
    let record = json_with_status(writer.post("/history", &direct).await, 201).await;
    let path = format!("/history/{}", record["id"]);
    let body = assert_error(writer.delete(&path).await, 403, "forbidden").await;
    assert!(body["error"].as_str().unwrap().contains("admin"), "{body}");
    let reader = as_token(&app, READ_TOKEN);
    assert_error(reader.delete(&path).await, 403, "forbidden").await;

    let moved = json_with_status(admin.put("/services/search-api", &takeover).await, 200).await;
    assert_eq!(moved["teamOwner"], "payments");
    assert_eq!(admin.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        admin.delete("/services/search-api").await.status(),
        StatusCode::NO_CONTENT
    );
}

/// Everything a `read` token can ask that may show a registration's or a rule's channel.
async fn reader_answers(reader: &TestApp, rule_id: i64) -> Vec<(String, String)> {
    let window = format!("from={INCIDENT_FROM}&to={INCIDENT_TO}");
    let paths = [
        "/rules".to_owned(),
        format!("/rules/{rule_id}"),
        "/rules?appName=checkout".to_owned(),
        "/rules/active/checkout".to_owned(),
        "/services".to_owned(),
        "/services/checkout".to_owned(),
        "/services?tier=critical".to_owned(),
        format!("/search?function=HashMap&{window}"),
        format!("/fleet/hotspots?{window}"),
        "/health".to_owned(),
        "/metrics".to_owned(),
        "/openapi.json".to_owned(),
    ];
    let mut answers = Vec::new();
    for path in paths {
        let res = reader.get(&path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        answers.push((path, res.text().await.unwrap()));
    }
    answers
}

#[tokio::test]
async fn a_webhooks_path_is_in_no_read_tokens_answer() {
    let (app, _pyroscope) = spawn_with_pyroscope_and(with_team_tokens).await;
    // A public address (TEST-NET-3): no DNS, and not refused.
    let webhook = "https://203.0.113.10/services/T000/B000/SECRETPATH?token=QUERYSECRET";
    let shown = format!(
        "https://203.0.113.10/[redacted sha256:{}]",
        fingerprint(webhook)
    );
    let payments = as_token(&app, PAYMENTS_TOKEN);
    let service =
        json!({"appName": "checkout", "tier": "critical", "notificationChannel": webhook});
    let saved = json_with_status(payments.post("/services", &service).await, 201).await;
    assert_eq!(
        saved["notificationChannel"], webhook,
        "the writer sees what it wrote"
    );
    let with_hook = json!({"appName": "checkout", "profileType": "cpu", "thresholdPercent": 40.0,
                           "notificationChannel": webhook});
    let rule_id = id_of(payments.post("/rules", &with_hook).await).await;

    let reader = as_token(&app, READ_TOKEN);
    for (path, body) in reader_answers(&reader, rule_id).await {
        assert!(
            !body.contains("SECRETPATH") && !body.contains("QUERYSECRET"),
            "{path} shows the webhook: {body}"
        );
    }
    let listed = json_with_status(reader.get("/services/checkout").await, 200).await;
    assert_eq!(listed["notificationChannel"], shown.as_str());
    let listed = json_with_status(reader.get(&format!("/rules/{rule_id}")).await, 200).await;
    assert_eq!(listed["notificationChannel"], shown.as_str());
    // Another team's writer is a reader of it; its own team and unbound writers see it whole.
    let search = as_token(&app, SEARCH_TOKEN);
    let theirs = json_with_status(search.get(&format!("/rules/{rule_id}")).await, 200).await;
    assert_eq!(theirs["notificationChannel"], shown.as_str());
    for token in [PAYMENTS_TOKEN, WRITE_TOKEN, ADMIN_TOKEN] {
        let writer = as_token(&app, token);
        let whole = json_with_status(writer.get("/services/checkout").await, 200).await;
        assert_eq!(whole["notificationChannel"], webhook);
        let whole = json_with_status(writer.get(&format!("/rules/{rule_id}")).await, 200).await;
        assert_eq!(whole["notificationChannel"], webhook);
    }
    // The redacted form sent back is refused: it would lead nowhere.
    let back = json!({"notificationChannel": shown});
    let res = payments.put(&format!("/rules/{rule_id}"), &back).await;
    assert_error(res, 400, "redacted_notification_channel").await;
    let res = payments.put("/services/checkout", &back).await;
    assert_error(res, 400, "redacted_notification_channel").await;
}

#[tokio::test]
async fn the_probes_say_up_or_down_without_a_token_and_health_has_the_detail_for_a_reader() {
    let (app, _pyroscope) = spawn_with_pyroscope_and(with_team_tokens).await;
    for probe in ["/health/live", "/health/ready"] {
        let answer = json_with_status(app.get(probe).await, 200).await;
        assert_eq!(answer, json!({"status": "up"}), "{probe}");
    }
    assert_error(app.get("/health").await, 401, "unauthorized").await;
    let reader = as_token(&app, READ_TOKEN);
    let health = json_with_status(reader.get("/health").await, 200).await;
    assert_eq!(health["checks"]["database"]["status"], "up", "{health}");
    assert!(
        health["checks"]["database"]["details"]["pool"].is_object(),
        "{health}"
    );
}

//! `/rules` against a real PostgreSQL.

use chrono::DateTime;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{
    assert_documented, assert_error, json_with_status, spawn_app, spawn_app_without_database,
    TestApp,
};

fn gc_rule() -> Value {
    json!({
        "appName": "checkout-service",
        "profileType": "cpu",
        "functionPattern": "G1",
        "thresholdPercent": 30.0,
        "severity": "critical",
        "notificationChannel": "#payments-oncall",
        "enabled": true,
        "createdBy": "alice"
    })
}

/// Creates a minimal rule and returns its id.
async fn rule(app: &TestApp, app_name: &str, enabled: bool) -> i64 {
    let body = json!({
        "appName": app_name, "profileType": "cpu", "thresholdPercent": 10, "enabled": enabled
    });
    let saved = json_with_status(app.post("/rules", &body).await, 201).await;
    saved["id"].as_i64().unwrap()
}

fn ids(list: &Value) -> Vec<i64> {
    list["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn creating_a_rule_returns_every_field() {
    let app = spawn_app().await;
    let body = json_with_status(app.post("/rules", &gc_rule()).await, 201).await;
    assert!(body["id"].as_i64().is_some_and(|id| id > 0));
    for field in [
        "appName",
        "profileType",
        "functionPattern",
        "thresholdPercent",
        "severity",
        "notificationChannel",
        "enabled",
        "createdBy",
    ] {
        assert_eq!(body[field], gc_rule()[field], "{field}");
    }
    for field in ["createdAt", "updatedAt"] {
        let at = body[field].as_str().unwrap();
        assert!(at.ends_with('Z'), "RFC 3339 UTC: {at}");
        assert!(DateTime::parse_from_rfc3339(at).is_ok());
    }
}

#[tokio::test]
async fn a_minimal_rule_is_enabled_with_warning_severity_and_a_canonical_type() {
    let app = spawn_app().await;
    let body = json!({"appName": "inventory", "profileType": "memory", "thresholdPercent": 12.5});
    let saved = json_with_status(app.post("/rules", &body).await, 201).await;
    assert_eq!(saved["profileType"], "alloc");
    assert_eq!(saved["thresholdPercent"], 12.5);
    assert_eq!(saved["enabled"], true);
    assert_eq!(saved["severity"], "warning");
    assert_eq!(saved["functionPattern"], Value::Null);
    assert_eq!(saved["notificationChannel"], Value::Null);
    assert_eq!(saved["createdBy"], Value::Null);
    assert_eq!(saved["forSeconds"], 0);
}

#[tokio::test]
async fn for_seconds_is_kept_and_a_negative_one_is_refused_storing_nothing() {
    let app = spawn_app().await;
    let mut body = gc_rule();
    body["forSeconds"] = json!(300);
    let saved = json_with_status(app.post("/rules", &body).await, 201).await;
    assert_eq!(saved["forSeconds"], 300);
    let id = saved["id"].as_i64().unwrap();
    for bad in [-1, 604_801] {
        body["forSeconds"] = json!(bad);
        assert_error(app.post("/rules", &body).await, 400, "out_of_range").await;
        let put = app
            .put(&format!("/rules/{id}"), &json!({"forSeconds": bad}))
            .await;
        assert_error(put, 400, "out_of_range").await;
    }
    let changed = app
        .put(&format!("/rules/{id}"), &json!({"forSeconds": 60}))
        .await;
    assert_eq!(json_with_status(changed, 200).await["forSeconds"], 60);
    let all = json_with_status(app.get("/rules").await, 200).await;
    assert_eq!(all["count"], 1, "nothing stored from the refused requests");
}

#[tokio::test]
async fn a_notification_channel_is_a_name_or_an_http_url_and_nothing_else() {
    let app = spawn_app().await;
    for ok in ["#payments-oncall", "https://hooks.example.com/alerts"] {
        let mut body = gc_rule();
        body["notificationChannel"] = json!(ok);
        json_with_status(app.post("/rules", &body).await, 201).await;
    }
    for bad in ["file:///etc/passwd", "gopher://10.0.0.1:70/x", "ftp://x/y"] {
        let mut body = gc_rule();
        body["notificationChannel"] = json!(bad);
        let res = app.post("/rules", &body).await;
        assert_error(res, 400, "invalid_notification_channel").await;
        let put = app
            .put("/rules/1", &json!({"notificationChannel": bad}))
            .await;
        assert_error(put, 400, "invalid_notification_channel").await;
    }
    let all = json_with_status(app.get("/rules").await, 200).await;
    assert_eq!(all["count"], 2);
}

#[tokio::test]
async fn thresholds_must_be_above_zero_and_at_most_one_hundred() {
    let app = spawn_app().await;
    for bad in [0.0, -5.0, 100.5] {
        let mut body = gc_rule();
        body["thresholdPercent"] = json!(bad);
        assert_error(app.post("/rules", &body).await, 400, "out_of_range").await;
    }
    let mut body = gc_rule();
    body.as_object_mut().unwrap().remove("thresholdPercent");
    assert_error(app.post("/rules", &body).await, 400, "missing_field").await;
    body["thresholdPercent"] = json!(100);
    let saved = json_with_status(app.post("/rules", &body).await, 201).await;
    assert_eq!(saved["thresholdPercent"], 100.0);
}

#[tokio::test]
async fn rules_are_listed_by_id_and_filtered_by_app_name() {
    let app = spawn_app().await;
    let a1 = rule(&app, "checkout-service", true).await;
    let b1 = rule(&app, "inventory", true).await;
    let a2 = rule(&app, "checkout-service", false).await;

    let all = json_with_status(app.get("/rules").await, 200).await;
    assert_eq!(all["count"], 3);
    assert_eq!(ids(&all), vec![a1, b1, a2]);

    let checkout = json_with_status(app.get("/rules?appName=checkout-service").await, 200).await;
    assert_eq!(checkout["count"], 2);
    assert_eq!(ids(&checkout), vec![a1, a2]);

    let none = json_with_status(app.get("/rules?appName=search").await, 200).await;
    assert_eq!(none["count"], 0);
    assert_eq!(none["rules"], json!([]));

    assert_error(app.get("/rules?appName=%20").await, 400, "invalid_app_name").await;
}

#[tokio::test]
async fn active_rules_are_the_enabled_rules_of_one_app() {
    let app = spawn_app().await;
    let enabled = rule(&app, "checkout-service", true).await;
    let disabled = rule(&app, "checkout-service", false).await;
    rule(&app, "inventory", true).await;

    let active = json_with_status(app.get("/rules/active/checkout-service").await, 200).await;
    assert_eq!(active["appName"], "checkout-service");
    assert_eq!(active["count"], 1);
    assert_eq!(ids(&active), vec![enabled]);

    json_with_status(
        app.put(&format!("/rules/{disabled}"), &json!({"enabled": true}))
            .await,
        200,
    )
    .await;
    json_with_status(
        app.put(&format!("/rules/{enabled}"), &json!({"enabled": false}))
            .await,
        200,
    )
    .await;
    let active = json_with_status(app.get("/rules/active/checkout-service").await, 200).await;
    assert_eq!(ids(&active), vec![disabled]);

    let none = json_with_status(app.get("/rules/active/search").await, 200).await;
    assert_eq!(none["count"], 0);
}

#[tokio::test]
async fn a_rule_is_read_by_id_and_a_missing_one_is_not_found() {
    let app = spawn_app().await;
    let created = json_with_status(app.post("/rules", &gc_rule()).await, 201).await;
    let read = json_with_status(app.get(&format!("/rules/{}", created["id"])).await, 200).await;
    assert_eq!(read, created);
    assert_error(app.get("/rules/999999").await, 404, "not_found").await;
    assert_error(app.get("/rules/G1").await, 400, "invalid_id").await;
    assert_error(app.get("/rules/active").await, 400, "invalid_id").await;
}

#[tokio::test]
async fn a_put_changes_only_the_named_fields() {
    let app = spawn_app().await;
    let created = json_with_status(app.post("/rules", &gc_rule()).await, 201).await;
    let path = format!("/rules/{}", created["id"]);
    let updated = json_with_status(
        app.put(&path, &json!({"thresholdPercent": 25, "enabled": false}))
            .await,
        200,
    )
    .await;
    assert_eq!(updated["id"], created["id"]);
    assert_eq!(updated["thresholdPercent"], 25.0);
    assert_eq!(updated["enabled"], false);
    for unchanged in [
        "appName",
        "profileType",
        "functionPattern",
        "severity",
        "notificationChannel",
        "createdBy",
        "createdAt",
    ] {
        assert_eq!(updated[unchanged], created[unchanged], "{unchanged}");
    }
    let updated_at = |row: &Value| DateTime::parse_from_rfc3339(row["updatedAt"].as_str().unwrap());
    assert!(updated_at(&updated).unwrap() > updated_at(&created).unwrap());

    let updated = json_with_status(
        app.put(
            &path,
            &json!({"functionPattern": null, "profileType": "wall-clock", "severity": "info"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(updated["functionPattern"], Value::Null);
    assert_eq!(updated["profileType"], "wall");
    assert_eq!(updated["severity"], "info");
    assert_eq!(updated["notificationChannel"], "#payments-oncall");
    assert_eq!(updated["thresholdPercent"], 25.0);
    assert_eq!(updated["enabled"], false);
    let stored = json_with_status(app.get(&path).await, 200).await;
    assert_eq!(stored, updated);
}

#[tokio::test]
async fn a_put_validates_what_it_names_and_changes_nothing_when_invalid() {
    let app = spawn_app().await;
    let created = json_with_status(app.post("/rules", &gc_rule()).await, 201).await;
    let path = format!("/rules/{}", created["id"]);
    assert_error(
        app.put(&path, &json!({"thresholdPercent": 0, "enabled": false}))
            .await,
        400,
        "out_of_range",
    )
    .await;
    assert_error(
        app.put(&path, &json!({"profileType": "stack"})).await,
        400,
        "invalid_profile_type",
    )
    .await;
    assert_error(app.put(&path, &json!({})).await, 400, "missing_field").await;
    let stored = json_with_status(app.get(&path).await, 200).await;
    assert_eq!(stored, created);
}

#[tokio::test]
async fn a_put_on_a_missing_rule_is_not_found() {
    let app = spawn_app().await;
    assert_error(
        app.put("/rules/999999", &json!({"enabled": false})).await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn delete_answers_204_then_404() {
    let app = spawn_app().await;
    let id = rule(&app, "checkout-service", true).await;
    let path = format!("/rules/{id}");
    let res = app.request(Method::DELETE, &path, None).await;
    assert_eq!(res.status().as_u16(), 204);
    assert_error(app.delete(&path).await, 404, "not_found").await;
    assert_error(app.get(&path).await, 404, "not_found").await;
    let active = json_with_status(app.get("/rules/active/checkout-service").await, 200).await;
    assert_eq!(active["rules"], json!([]));
}

#[tokio::test]
async fn app_names_with_spaces_and_unicode_round_trip() {
    let app = spawn_app().await;
    let id = rule(&app, "päyments api", true).await;
    rule(&app, "payments api", true).await;
    let active = json_with_status(app.get("/rules/active/p%C3%A4yments%20api").await, 200).await;
    assert_eq!(active["appName"], "päyments api");
    assert_eq!(ids(&active), vec![id]);
    let listed = json_with_status(app.get("/rules?appName=p%C3%A4yments%20api").await, 200).await;
    assert_eq!(ids(&listed), vec![id]);
}

#[tokio::test]
async fn unsupported_methods_answer_405_json() {
    let app = spawn_app().await;
    assert_error(app.delete("/rules").await, 405, "method_not_allowed").await;
    assert_error(
        app.post("/rules/1", &gc_rule()).await,
        405,
        "method_not_allowed",
    )
    .await;
    assert_error(
        app.delete("/rules/active/checkout-service").await,
        405,
        "method_not_allowed",
    )
    .await;
}

#[tokio::test]
async fn the_openapi_document_describes_every_rule_route() {
    let app = spawn_app().await;
    assert_documented(&app, "post", "/rules", Some("AlertRule")).await;
    assert_documented(&app, "get", "/rules", Some("RuleList")).await;
    assert_documented(
        &app,
        "get",
        "/rules/active/{appName}",
        Some("ActiveRuleList"),
    )
    .await;
    for method in ["get", "put"] {
        assert_documented(&app, method, "/rules/{id}", Some("AlertRule")).await;
    }
    assert_documented(&app, "delete", "/rules/{id}", None).await;
}

#[tokio::test]
async fn an_unreachable_database_answers_503() {
    let address = spawn_app_without_database().await;
    let client = reqwest::Client::new();
    let res = client
        .get(format!("{address}/rules/active/checkout-service"))
        .send()
        .await
        .unwrap();
    assert_error(res, 503, "store_unavailable").await;
    let res = client
        .post(format!("{address}/rules"))
        .json(&gc_rule())
        .send()
        .await
        .unwrap();
    assert_error(res, 503, "store_unavailable").await;
}

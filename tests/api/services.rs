//! `/services` against a real PostgreSQL.

use chrono::{DateTime, FixedOffset};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{
    assert_documented, assert_error, json_with_status, spawn_app, spawn_app_without_database,
};

fn checkout() -> Value {
    json!({
        "appName": "checkout-service",
        "teamOwner": "team-payments",
        "tier": "critical",
        "environment": "production",
        "notificationChannel": "#payments-oncall",
        "pyroscopeLabels": {"service_name": "checkout-service"},
        "metadata": {"repo": "payments/checkout", "language": "java"}
    })
}

fn instant(row: &Value, field: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(row[field].as_str().unwrap()).unwrap()
}

fn app_names(list: &Value) -> Vec<&str> {
    list["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["appName"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn registering_a_service_returns_every_field() {
    let app = spawn_app().await;
    let body = json_with_status(app.post("/services", &checkout()).await, 201).await;
    assert!(body["id"].as_i64().is_some_and(|id| id > 0));
    for field in [
        "appName",
        "teamOwner",
        "tier",
        "environment",
        "notificationChannel",
        "pyroscopeLabels",
        "metadata",
    ] {
        assert_eq!(body[field], checkout()[field], "{field}");
    }
    for field in ["createdAt", "updatedAt"] {
        let at = body[field].as_str().unwrap();
        assert!(at.ends_with('Z'), "RFC 3339 UTC: {at}");
        assert!(DateTime::parse_from_rfc3339(at).is_ok());
    }
}

#[tokio::test]
async fn a_minimal_registration_gets_the_standard_tier_and_empty_objects() {
    let app = spawn_app().await;
    let body = json_with_status(
        app.post("/services", &json!({"appName": "inventory"}))
            .await,
        201,
    )
    .await;
    assert_eq!(body["tier"], "standard");
    assert_eq!(body["pyroscopeLabels"], json!({}));
    assert_eq!(body["metadata"], json!({}));
    assert_eq!(body["teamOwner"], Value::Null);
    assert_eq!(body["environment"], Value::Null);
    assert_eq!(body["notificationChannel"], Value::Null);
}

#[tokio::test]
async fn registering_the_same_app_again_keeps_the_id_and_replaces_every_field() {
    let app = spawn_app().await;
    let first = json_with_status(app.post("/services", &checkout()).await, 201).await;
    let again = json!({
        "appName": "checkout-service",
        "teamOwner": "team-checkout",
        "metadata": {"repo": "checkout/monolith"}
    });
    let second = json_with_status(app.post("/services", &again).await, 201).await;
    assert_eq!(second["id"], first["id"]);
    assert_eq!(second["teamOwner"], "team-checkout");
    assert_eq!(second["metadata"], json!({"repo": "checkout/monolith"}));
    // What the new body leaves out gets its default, not the old value.
    assert_eq!(second["tier"], "standard");
    assert_eq!(second["environment"], Value::Null);
    assert_eq!(second["notificationChannel"], Value::Null);
    assert_eq!(second["pyroscopeLabels"], json!({}));
    assert_eq!(second["createdAt"], first["createdAt"]);
    assert!(instant(&second, "updatedAt") > instant(&first, "updatedAt"));

    let list = json_with_status(app.get("/services").await, 200).await;
    assert_eq!(list["count"], 1);
    let stored = json_with_status(app.get("/services/checkout-service").await, 200).await;
    assert_eq!(stored, second);
}

#[tokio::test]
async fn services_are_listed_by_app_name_and_filtered_by_tier() {
    let app = spawn_app().await;
    for (name, tier) in [
        ("search", "critical"),
        ("checkout-service", "critical"),
        ("inventory", "low"),
        ("billing", "high"),
    ] {
        let body = json!({"appName": name, "tier": tier});
        json_with_status(app.post("/services", &body).await, 201).await;
    }
    let all = json_with_status(app.get("/services").await, 200).await;
    assert_eq!(all["count"], 4);
    assert_eq!(
        app_names(&all),
        ["billing", "checkout-service", "inventory", "search"]
    );

    let critical = json_with_status(app.get("/services?tier=critical").await, 200).await;
    assert_eq!(critical["count"], 2);
    assert_eq!(app_names(&critical), ["checkout-service", "search"]);

    let standard = json_with_status(app.get("/services?tier=standard").await, 200).await;
    assert_eq!(standard["count"], 0);
    assert_eq!(standard["services"], json!([]));
}

#[tokio::test]
async fn an_unknown_tier_is_a_bad_request() {
    let app = spawn_app().await;
    assert_error(app.get("/services?tier=urgent").await, 400, "invalid_query").await;
    let mut body = checkout();
    body["tier"] = json!("urgent");
    assert_error(app.post("/services", &body).await, 400, "invalid_field").await;
}

#[tokio::test]
async fn a_service_is_read_by_app_name_and_a_missing_one_is_not_found() {
    let app = spawn_app().await;
    let created = json_with_status(app.post("/services", &checkout()).await, 201).await;
    let read = json_with_status(app.get("/services/checkout-service").await, 200).await;
    assert_eq!(read, created);
    assert_error(app.get("/services/inventory").await, 404, "not_found").await;
}

#[tokio::test]
async fn a_put_replaces_a_named_object_and_leaves_unnamed_fields_alone() {
    let app = spawn_app().await;
    let created = json_with_status(app.post("/services", &checkout()).await, 201).await;
    let updated = json_with_status(
        app.put(
            "/services/checkout-service",
            &json!({"tier": "high", "metadata": {"repo": "payments/checkout-v2"}}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(updated["id"], created["id"]);
    assert_eq!(updated["tier"], "high");
    // The named object replaces the stored one; it is not merged into it.
    assert_eq!(updated["metadata"], json!({"repo": "payments/checkout-v2"}));
    assert_eq!(updated["pyroscopeLabels"], created["pyroscopeLabels"]);
    assert_eq!(updated["teamOwner"], "team-payments");
    assert_eq!(updated["environment"], "production");
    assert_eq!(updated["notificationChannel"], "#payments-oncall");
    assert_eq!(updated["createdAt"], created["createdAt"]);
    assert!(instant(&updated, "updatedAt") > instant(&created, "updatedAt"));
    let stored = json_with_status(app.get("/services/checkout-service").await, 200).await;
    assert_eq!(stored, updated);
}

#[tokio::test]
async fn a_put_with_null_clears_a_text_field_and_keeps_the_others() {
    let app = spawn_app().await;
    json_with_status(app.post("/services", &checkout()).await, 201).await;
    let updated = json_with_status(
        app.put(
            "/services/checkout-service",
            &json!({"teamOwner": null, "environment": "staging"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(updated["teamOwner"], Value::Null);
    assert_eq!(updated["environment"], "staging");
    assert_eq!(updated["notificationChannel"], "#payments-oncall");
    assert_eq!(updated["tier"], "critical");
    assert_eq!(updated["metadata"], checkout()["metadata"]);
}

#[tokio::test]
async fn a_put_that_names_no_field_is_rejected() {
    let app = spawn_app().await;
    json_with_status(app.post("/services", &checkout()).await, 201).await;
    assert_error(
        app.put("/services/checkout-service", &json!({})).await,
        400,
        "missing_field",
    )
    .await;
    assert_error(
        app.put("/services/checkout-service", &json!({"metadata": ["a"]}))
            .await,
        400,
        "invalid_field",
    )
    .await;
}

#[tokio::test]
async fn a_put_on_a_missing_service_is_not_found() {
    let app = spawn_app().await;
    assert_error(
        app.put("/services/inventory", &json!({"tier": "low"}))
            .await,
        404,
        "not_found",
    )
    .await;
    let list = json_with_status(app.get("/services").await, 200).await;
    assert_eq!(list["count"], 0);
}

#[tokio::test]
async fn delete_answers_204_then_404() {
    let app = spawn_app().await;
    json_with_status(app.post("/services", &checkout()).await, 201).await;
    let res = app
        .request(Method::DELETE, "/services/checkout-service", None)
        .await;
    assert_eq!(res.status().as_u16(), 204);
    assert_error(
        app.delete("/services/checkout-service").await,
        404,
        "not_found",
    )
    .await;
    assert_error(
        app.get("/services/checkout-service").await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn app_names_with_spaces_and_unicode_round_trip() {
    let app = spawn_app().await;
    let mut body = checkout();
    body["appName"] = json!("päyments api");
    json_with_status(app.post("/services", &body).await, 201).await;
    let path = "/services/p%C3%A4yments%20api";
    let read = json_with_status(app.get(path).await, 200).await;
    assert_eq!(read["appName"], "päyments api");
    let updated = json_with_status(app.put(path, &json!({"tier": "low"})).await, 200).await;
    assert_eq!(updated["tier"], "low");
    let res = app.delete(path).await;
    assert_eq!(res.status().as_u16(), 204);
    assert_error(app.get(path).await, 404, "not_found").await;
}

#[tokio::test]
async fn unsupported_methods_answer_405_json() {
    let app = spawn_app().await;
    assert_error(app.delete("/services").await, 405, "method_not_allowed").await;
    assert_error(
        app.post("/services/checkout-service", &checkout()).await,
        405,
        "method_not_allowed",
    )
    .await;
}

#[tokio::test]
async fn the_openapi_document_describes_every_service_route() {
    let app = spawn_app().await;
    assert_documented(&app, "post", "/services", Some("Service")).await;
    assert_documented(&app, "get", "/services", Some("ServiceList")).await;
    for method in ["get", "put"] {
        assert_documented(&app, method, "/services/{appName}", Some("Service")).await;
    }
    assert_documented(&app, "delete", "/services/{appName}", None).await;
}

#[tokio::test]
async fn an_unreachable_database_answers_503() {
    let address = spawn_app_without_database().await;
    let client = reqwest::Client::new();
    let res = client
        .get(format!("{address}/services"))
        .send()
        .await
        .unwrap();
    assert_error(res, 503, "store_unavailable").await;
    let res = client
        .put(format!("{address}/services/checkout-service"))
        .json(&json!({"tier": "low"}))
        .send()
        .await
        .unwrap();
    assert_error(res, 503, "store_unavailable").await;
}

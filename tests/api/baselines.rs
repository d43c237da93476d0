//! `/baselines` against a real PostgreSQL.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{assert_error, json_with_status, spawn_app};

fn gc_baseline() -> serde_json::Value {
    json!({
        "appName": "checkout-service",
        "profileType": "cpu",
        "functionName": "G1 Young Generation",
        "maxSelfPercent": 15.0,
        "createdBy": "alice"
    })
}

#[tokio::test]
async fn creating_a_baseline_returns_the_stored_row() {
    let app = spawn_app().await;
    let body = json_with_status(app.post("/baselines", &gc_baseline()).await, 201).await;
    assert!(body["id"].as_i64().is_some_and(|id| id > 0));
    assert_eq!(body["appName"], "checkout-service");
    assert_eq!(body["profileType"], "cpu");
    assert_eq!(body["functionName"], "G1 Young Generation");
    assert_eq!(body["maxSelfPercent"], 15.0);
    assert_eq!(body["severity"], "warning");
    assert_eq!(body["createdBy"], "alice");
    let created = body["createdAt"].as_str().unwrap();
    assert!(created.ends_with('Z'), "RFC 3339 UTC: {created}");
    assert!(chrono::DateTime::parse_from_rfc3339(created).is_ok());
}

#[tokio::test]
async fn upserting_the_same_function_keeps_the_id_and_updates_the_fields() {
    let app = spawn_app().await;
    let first = json_with_status(app.post("/baselines", &gc_baseline()).await, 201).await;
    let mut again = gc_baseline();
    again["maxSelfPercent"] = json!(22.5);
    again["severity"] = json!("critical");
    again["profileType"] = json!("CPU");
    let second = json_with_status(app.post("/baselines", &again).await, 201).await;
    assert_eq!(second["id"], first["id"]);
    assert_eq!(second["maxSelfPercent"], 22.5);
    assert_eq!(second["severity"], "critical");
    let list = json_with_status(app.get("/baselines/checkout-service").await, 200).await;
    assert_eq!(list["baselines"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn baselines_are_listed_by_app_and_by_canonical_type() {
    let app = spawn_app().await;
    for (app_name, t, f) in [
        ("checkout-service", "cpu", "G1 Young Generation"),
        ("checkout-service", "memory", "java/util/HashMap.resize"),
        ("inventory", "cpu", "G1 Young Generation"),
    ] {
        let body =
            json!({"appName": app_name, "profileType": t, "functionName": f, "maxSelfPercent": 10});
        json_with_status(app.post("/baselines", &body).await, 201).await;
    }
    let all = json_with_status(app.get("/baselines/checkout-service").await, 200).await;
    assert_eq!(all["appName"], "checkout-service");
    assert!(all.get("profileType").is_none());
    assert_eq!(all["baselines"].as_array().unwrap().len(), 2);

    let alloc =
        json_with_status(app.get("/baselines/checkout-service/allocation").await, 200).await;
    assert_eq!(alloc["profileType"], "alloc");
    let rows = alloc["baselines"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["functionName"], "java/util/HashMap.resize");
    assert_eq!(rows[0]["profileType"], "alloc");

    let none = json_with_status(app.get("/baselines/unknown-app").await, 200).await;
    assert_eq!(none["baselines"], json!([]));
}

#[tokio::test]
async fn app_names_with_spaces_and_unicode_round_trip() {
    let app = spawn_app().await;
    let mut body = gc_baseline();
    body["appName"] = json!("päyments api");
    json_with_status(app.post("/baselines", &body).await, 201).await;
    let list = json_with_status(app.get("/baselines/p%C3%A4yments%20api").await, 200).await;
    assert_eq!(list["appName"], "päyments api");
    assert_eq!(list["baselines"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_put_changes_threshold_and_severity_and_keeps_the_rest() {
    let app = spawn_app().await;
    let created = json_with_status(app.post("/baselines", &gc_baseline()).await, 201).await;
    let id = created["id"].as_i64().unwrap();
    let updated = json_with_status(
        app.put(&format!("/baselines/{id}"), &json!({"maxSelfPercent": 30}))
            .await,
        200,
    )
    .await;
    assert_eq!(updated["maxSelfPercent"], 30.0);
    assert_eq!(updated["severity"], "warning");
    assert_eq!(updated["functionName"], "G1 Young Generation");
    let updated = json_with_status(
        app.put(&format!("/baselines/{id}"), &json!({"severity": "info"}))
            .await,
        200,
    )
    .await;
    assert_eq!(updated["maxSelfPercent"], 30.0);
    assert_eq!(updated["severity"], "info");
    assert!(updated["updatedAt"].as_str() >= created["updatedAt"].as_str());
}

#[tokio::test]
async fn a_put_on_a_missing_id_is_not_found() {
    let app = spawn_app().await;
    assert_error(
        app.put("/baselines/999999", &json!({"maxSelfPercent": 5}))
            .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn delete_answers_204_then_404() {
    let app = spawn_app().await;
    let created = json_with_status(app.post("/baselines", &gc_baseline()).await, 201).await;
    let path = format!("/baselines/{}", created["id"]);
    let res = app.request(Method::DELETE, &path, None).await;
    assert_eq!(res.status().as_u16(), 204);
    assert_error(app.delete(&path).await, 404, "not_found").await;
    let list = json_with_status(app.get("/baselines/checkout-service").await, 200).await;
    assert_eq!(list["baselines"], json!([]));
}

//! `/history` against a real PostgreSQL.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{
    assert_documented, assert_error, json_with_status, spawn_app, spawn_app_without_database,
    TestApp,
};

fn gc_assessment() -> Value {
    json!({
        "appName": "checkout-service",
        "diagnosis": "gc_pressure",
        "severity": "high",
        "profileTypes": "CPU, memory",
        "topFunctions": {"cpu": [{"name": "G1 Young Generation", "selfPercent": 34.2}]},
        "recommendation": "Tune the heap: G1 Young Generation takes 34.2% of CPU",
        "requestedBy": "alice"
    })
}

/// Stores a minimal assessment of `app` and returns its id.
async fn record(app: &TestApp, app_name: &str, diagnosis: &str) -> i64 {
    let body = json!({"appName": app_name, "diagnosis": diagnosis, "severity": "low"});
    let saved = json_with_status(app.post("/history", &body).await, 201).await;
    saved["id"].as_i64().unwrap()
}

fn ids(list: &Value) -> Vec<i64> {
    list["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn recording_an_assessment_returns_every_field_with_canonical_profile_types() {
    let app = spawn_app().await;
    let body = json_with_status(app.post("/history", &gc_assessment()).await, 201).await;
    assert!(body["id"].as_i64().is_some_and(|id| id > 0));
    assert_eq!(body["appName"], "checkout-service");
    assert_eq!(body["diagnosis"], "gc_pressure");
    assert_eq!(body["severity"], "high");
    assert_eq!(body["profileTypes"], "cpu,alloc");
    assert_eq!(body["topFunctions"], gc_assessment()["topFunctions"]);
    assert_eq!(
        body["recommendation"],
        "Tune the heap: G1 Young Generation takes 34.2% of CPU"
    );
    assert_eq!(body["requestedBy"], "alice");
    let created = body["createdAt"].as_str().unwrap();
    assert!(created.ends_with('Z'), "RFC 3339 UTC: {created}");
    assert!(chrono::DateTime::parse_from_rfc3339(created).is_ok());
}

#[tokio::test]
async fn a_minimal_assessment_defaults_profile_types_to_cpu_and_leaves_the_rest_null() {
    let app = spawn_app().await;
    let body = json!({"appName": "inventory", "diagnosis": "healthy", "severity": "low"});
    let saved = json_with_status(app.post("/history", &body).await, 201).await;
    assert_eq!(saved["profileTypes"], "cpu");
    assert_eq!(saved["topFunctions"], Value::Null);
    assert_eq!(saved["recommendation"], Value::Null);
    assert_eq!(saved["requestedBy"], Value::Null);
}

#[tokio::test]
async fn an_assessment_without_severity_or_with_an_unknown_one_is_rejected() {
    let app = spawn_app().await;
    let mut body = gc_assessment();
    body.as_object_mut().unwrap().remove("severity");
    assert_error(app.post("/history", &body).await, 400, "missing_field").await;
    body["severity"] = json!("urgent");
    assert_error(app.post("/history", &body).await, 400, "invalid_field").await;
    let list = json_with_status(app.get("/history/checkout-service").await, 200).await;
    assert_eq!(list["count"], 0);
}

#[tokio::test]
async fn history_is_listed_newest_first_and_paged_with_limit_and_offset() {
    let app = spawn_app().await;
    let mut created = Vec::new();
    for n in 0..5 {
        created.push(record(&app, "checkout-service", &format!("d{n}")).await);
    }
    record(&app, "inventory", "other app").await;
    let newest_first: Vec<i64> = created.iter().rev().copied().collect();

    let all = json_with_status(app.get("/history/checkout-service").await, 200).await;
    assert_eq!(all["appName"], "checkout-service");
    assert_eq!(all["count"], 5);
    assert_eq!(ids(&all), newest_first);

    let first = json_with_status(app.get("/history/checkout-service?limit=2").await, 200).await;
    assert_eq!(first["count"], 2);
    assert_eq!(ids(&first), newest_first[..2]);

    let second = json_with_status(
        app.get("/history/checkout-service?limit=2&offset=2").await,
        200,
    )
    .await;
    assert_eq!(ids(&second), newest_first[2..4]);

    let last = json_with_status(
        app.get("/history/checkout-service?limit=2&offset=4").await,
        200,
    )
    .await;
    assert_eq!(last["count"], 1);
    assert_eq!(ids(&last), newest_first[4..]);
}

#[tokio::test]
async fn from_is_inclusive_and_to_is_exclusive() {
    let app = spawn_app().await;
    let mut conn = app.pg().await;
    let mut by_day = Vec::new();
    for day in ["2026-01-01", "2026-01-02", "2026-01-03"] {
        let id = record(&app, "checkout-service", day).await;
        sqlx::query("update triage_history set created_at = $1::timestamptz where id = $2")
            .bind(format!("{day}T00:00:00Z"))
            .bind(i32::try_from(id).unwrap())
            .execute(&mut conn)
            .await
            .unwrap();
        by_day.push(id);
    }
    let (jan1, jan2, jan3) = (by_day[0], by_day[1], by_day[2]);

    let from = json_with_status(
        app.get("/history/checkout-service?from=2026-01-02T00:00:00Z")
            .await,
        200,
    )
    .await;
    assert_eq!(ids(&from), vec![jan3, jan2]);

    let to = json_with_status(
        app.get("/history/checkout-service?to=2026-01-02T00:00:00Z")
            .await,
        200,
    )
    .await;
    assert_eq!(ids(&to), vec![jan1]);

    // 2026-01-01T00:00:00Z and 2026-01-03T00:00:00Z as epoch seconds.
    let window = json_with_status(
        app.get("/history/checkout-service?from=1767225600&to=1767398400")
            .await,
        200,
    )
    .await;
    assert_eq!(window["count"], 2);
    assert_eq!(ids(&window), vec![jan2, jan1]);
}

#[tokio::test]
async fn bad_paging_and_windows_are_rejected() {
    let app = spawn_app().await;
    assert_error(
        app.get("/history/checkout-service?limit=0").await,
        400,
        "invalid_limit",
    )
    .await;
    assert_error(
        app.get("/history/checkout-service?limit=ten").await,
        400,
        "invalid_query",
    )
    .await;
    assert_error(
        app.get("/history/checkout-service?from=200&to=100").await,
        400,
        "invalid_time_window",
    )
    .await;
    assert_error(
        app.get("/history/checkout-service?from=yesterday").await,
        400,
        "invalid_time_window",
    )
    .await;
}

#[tokio::test]
async fn latest_returns_the_newest_record_and_404_when_the_app_has_none() {
    let app = spawn_app().await;
    assert_error(
        app.get("/history/checkout-service/latest").await,
        404,
        "not_found",
    )
    .await;
    record(&app, "checkout-service", "first").await;
    let newest = record(&app, "checkout-service", "second").await;
    record(&app, "inventory", "other app").await;
    let latest = json_with_status(app.get("/history/checkout-service/latest").await, 200).await;
    assert_eq!(latest["id"], newest);
    assert_eq!(latest["diagnosis"], "second");
}

#[tokio::test]
async fn app_names_with_spaces_and_unicode_round_trip() {
    let app = spawn_app().await;
    let id = record(&app, "päyments api", "gc_pressure").await;
    let list = json_with_status(app.get("/history/p%C3%A4yments%20api").await, 200).await;
    assert_eq!(list["appName"], "päyments api");
    assert_eq!(ids(&list), vec![id]);
    let latest = json_with_status(app.get("/history/p%C3%A4yments%20api/latest").await, 200).await;
    assert_eq!(latest["appName"], "päyments api");
}

#[tokio::test]
async fn delete_answers_204_then_404() {
    let app = spawn_app().await;
    let id = record(&app, "checkout-service", "gc_pressure").await;
    let path = format!("/history/{id}");
    let res = app.request(Method::DELETE, &path, None).await;
    assert_eq!(res.status().as_u16(), 204);
    assert_error(app.delete(&path).await, 404, "not_found").await;
    let list = json_with_status(app.get("/history/checkout-service").await, 200).await;
    assert_eq!(list["history"], json!([]));
}

#[tokio::test]
async fn deleting_a_non_numeric_id_is_a_bad_request() {
    let app = spawn_app().await;
    assert_error(
        app.delete("/history/checkout-service").await,
        400,
        "invalid_id",
    )
    .await;
}

#[tokio::test]
async fn unsupported_methods_answer_405_json() {
    let app = spawn_app().await;
    // `Allow` names the route's documented methods, joined over paths of the same shape.
    for (method, path, allow) in [
        (Method::PUT, "/history/1", "GET, DELETE"),
        (Method::GET, "/history", "POST"),
        (Method::POST, "/rules/1", "GET, PUT, DELETE"),
        (Method::DELETE, "/profiles/a/flamegraph.svg", "GET"),
        (Method::PATCH, "/baselines/1", "GET, PUT, DELETE"),
    ] {
        let res = app.request(method.clone(), path, None).await;
        assert_eq!(res.status().as_u16(), 405, "{method} {path}");
        assert_eq!(res.headers()["allow"], allow, "{method} {path}");
    }
    assert_error(
        app.put("/history/1", &json!({})).await,
        405,
        "method_not_allowed",
    )
    .await;
    assert_error(app.get("/history").await, 405, "method_not_allowed").await;
    assert_error(
        app.delete("/history/checkout-service/latest").await,
        405,
        "method_not_allowed",
    )
    .await;
}

#[tokio::test]
async fn the_openapi_document_describes_every_history_route() {
    let app = spawn_app().await;
    assert_documented(&app, "post", "/history", Some("HistoryRecord")).await;
    assert_documented(&app, "get", "/history/{appName}", Some("HistoryList")).await;
    assert_documented(
        &app,
        "get",
        "/history/{appName}/latest",
        Some("HistoryRecord"),
    )
    .await;
    assert_documented(&app, "delete", "/history/{id}", None).await;
}

#[tokio::test]
async fn an_unreachable_database_answers_503() {
    let address = spawn_app_without_database().await;
    let client = reqwest::Client::new();
    let res = client
        .get(format!("{address}/history/checkout-service"))
        .send()
        .await
        .unwrap();
    assert_error(res, 503, "store_unavailable").await;
    let res = client
        .post(format!("{address}/history"))
        .json(&gc_assessment())
        .send()
        .await
        .unwrap();
    assert_error(res, 503, "store_unavailable").await;
}

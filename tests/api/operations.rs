//! Health, readiness, metrics, FUNCTION routing, and behaviour when PostgreSQL is missing or stops.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use pf_infra::db::MIGRATOR;
use pyroscope_functions::app::settings::Function;
use pyroscope_functions::app::Application;
use reqwest::Client;
use secrecy::SecretString;
use serde_json::json;
use sqlx::{Connection, PgConnection};

use crate::helpers::{
    assert_error, json_with_status, settings_without_database, spawn_app, spawn_app_with,
    spawn_server, wait_until_ready, TestDatabase,
};
use crate::stoppable_postgres::{scratch_dir, StoppablePostgres};

fn baseline() -> serde_json::Value {
    json!({"appName": "checkout", "profileType": "cpu", "functionName": "G1 Young Generation", "maxSelfPercent": 15})
}

#[tokio::test]
async fn health_reports_the_database_with_response_time_and_pool_statistics() {
    let app = spawn_app().await;
    let body = json_with_status(app.get("/health").await, 200).await;
    // Neither Pyroscope nor a profile directory is set: the demo profiles answer, and say so.
    assert_eq!(body["status"], "healthy", "{body}");
    assert_eq!(body["checks"]["profiles"]["status"], "up");
    assert_eq!(body["checks"]["profiles"]["required"], false);
    assert_eq!(body["checks"]["profiles"]["details"]["source"], "demo");
    assert_eq!(body["function"], "all");
    let db = &body["checks"]["database"];
    assert_eq!(db["status"], "up");
    assert!(db["responseTimeMs"].as_f64().is_some());
    assert_eq!(db["details"]["pool"]["max"], 5);
    let writer = &body["checks"]["historyWriter"];
    assert_eq!(writer["status"], "up");
    assert_eq!(writer["details"]["maxPending"], 100_000);
    // Migrations ran as a supervised task, which stays to report them done.
    assert_eq!(body["checks"]["databaseSchema"]["status"], "up");
    assert_eq!(
        body["checks"]["databaseSchema"]["details"]["migrated"],
        true
    );
    let live = json_with_status(app.get("/health/live").await, 200).await;
    assert_eq!(live, serde_json::json!({"status": "up"}));
    let ready = json_with_status(app.get("/health/ready").await, 200).await;
    assert_eq!(ready, serde_json::json!({"status": "up"}));
}

#[tokio::test]
async fn metrics_expose_request_latency_by_route_method_and_status() {
    let app = spawn_app().await;
    json_with_status(app.get("/baselines/checkout").await, 200).await;
    let res = app.get("/metrics").await;
    assert_eq!(res.status().as_u16(), 200);
    let text = res.text().await.unwrap();
    assert!(
        text.contains(r#"http_request_duration_seconds_count{method="GET",route="/baselines/{key}",status="200"} 1"#),
        "{text}"
    );
    assert!(text.contains("db_pool_max_connections 5"), "{text}");
    assert!(text.contains("history_writes_dropped_total 0"), "{text}");
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let app = spawn_app().await;
    let res = app.get("/health/live").await;
    let id = res
        .headers()
        .get("x-request-id")
        .expect("a request id header");
    assert!(!id.is_empty());
}

#[tokio::test]
async fn a_single_function_process_serves_only_its_routes() {
    let app = spawn_app_with(|s| s.function = Function::BaselineSor).await;
    json_with_status(app.post("/baselines", &baseline()).await, 201).await;
    for path in [
        "/history/checkout",
        "/services",
        "/rules",
        "/profiles/apps",
        "/triage/checkout",
    ] {
        assert_error(app.get(path).await, 404, "not_found").await;
    }
    json_with_status(app.get("/health").await, 200).await;
    json_with_status(app.get("/health/ready").await, 200).await;
    assert_eq!(app.get("/metrics").await.status().as_u16(), 200);
    let doc = json_with_status(app.get("/openapi.json").await, 200).await;
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    assert!(
        paths.iter().any(|p| p.starts_with("/baselines")),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .all(|p| p.starts_with("/baselines") || p.starts_with("/health") || *p == "/metrics"),
        "{paths:?}"
    );
}

#[tokio::test]
async fn swagger_ui_is_served() {
    let app = spawn_app().await;
    let res = app.get("/swagger-ui/").await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.text().await.unwrap().to_lowercase().contains("swagger"));
}

#[tokio::test]
async fn without_postgresql_binaries_the_service_starts_and_its_stores_answer_503_with_a_hint() {
    let mut settings = settings_without_database();
    settings.database.embedded.bin_dir = Some(PathBuf::from("/nonexistent/postgresql/bin"));
    settings.database.embedded.data_dir = scratch_dir("nobinaries").join("data");
    let address = spawn_server(settings).await;
    let client = Client::new();
    let res = client
        .post(format!("{address}/baselines"))
        .json(&baseline())
        .send()
        .await
        .unwrap();
    let body = assert_error(res, 503, "store_unavailable").await;
    let message = body["error"].as_str().unwrap();
    assert!(
        message.contains("PostgreSQL") && message.contains("DATABASE_URL"),
        "{message}"
    );
    let live = client
        .get(format!("{address}/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status().as_u16(), 200);
    let ready = client
        .get(format!("{address}/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status().as_u16(), 503);
}

#[tokio::test]
async fn a_database_on_a_closed_port_answers_503_not_500() {
    let mut settings = settings_without_database();
    settings.database.url = Some(SecretString::from(
        "postgres://postgres@127.0.0.1:1/nothing",
    ));
    settings.database.acquire_timeout_secs = Duration::from_secs(1);
    let address = spawn_server(settings).await;
    let client = Client::new();
    let started = Instant::now();
    let res = client
        .get(format!("{address}/baselines/checkout"))
        .send()
        .await
        .unwrap();
    assert_error(res, 503, "store_unavailable").await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered after {:?}",
        started.elapsed()
    );
    let health = client
        .get(format!("{address}/health"))
        .send()
        .await
        .unwrap();
    let body = json_with_status(health, 503).await;
    assert_eq!(body["status"], "unhealthy");
    assert_eq!(body["checks"]["database"]["status"], "down");
    assert_eq!(body["checks"]["databaseSchema"]["status"], "down");
}

#[tokio::test]
async fn the_embedded_default_keeps_data_across_restarts() {
    let dir = scratch_dir("embedded");
    let settings = || {
        let mut s = settings_without_database();
        s.database.embedded.data_dir = dir.join("data");
        s
    };
    let client = Client::new();

    let first = Application::build(settings()).await.unwrap();
    let address = format!("http://127.0.0.1:{}", first.port());
    let handle = first.handle();
    let running = tokio::spawn(first.run_until_stopped());
    wait_until_ready(&address).await;
    let health = client
        .get(format!("{address}/health"))
        .send()
        .await
        .unwrap();
    let health = json_with_status(health, 200).await;
    assert_eq!(health["checks"]["embeddedPostgres"]["status"], "up");
    let res = client
        .post(format!("{address}/baselines"))
        .json(&baseline())
        .send()
        .await
        .unwrap();
    json_with_status(res, 201).await;
    // The second start below needs the first server stopped: its data directory is locked.
    handle.stop(true).await;
    running.await.unwrap().unwrap();

    let second = Application::build(settings()).await.unwrap();
    let address = format!("http://127.0.0.1:{}", second.port());
    let handle = second.handle();
    let running = tokio::spawn(second.run_until_stopped());
    wait_until_ready(&address).await;
    let res = client
        .get(format!("{address}/baselines/checkout"))
        .send()
        .await
        .unwrap();
    let body = json_with_status(res, 200).await;
    assert_eq!(body["baselines"][0]["functionName"], "G1 Young Generation");
    handle.stop(true).await;
    running.await.unwrap().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn stores_answer_503_while_postgresql_is_down_and_recover_without_a_restart() {
    let mut pg = StoppablePostgres::start("outage").await;
    let mut settings = settings_without_database();
    settings.database.url = Some(SecretString::from(pg.url()));
    settings.database.acquire_timeout_secs = Duration::from_secs(1);
    let address = spawn_server(settings).await;
    let client = Client::new();
    wait_until_ready(&address).await;
    let res = client
        .post(format!("{address}/baselines"))
        .json(&baseline())
        .send()
        .await
        .unwrap();
    json_with_status(res, 201).await;

    pg.stop().await;
    let res = client
        .get(format!("{address}/baselines/checkout"))
        .send()
        .await
        .unwrap();
    let body = assert_error(res, 503, "store_unavailable").await;
    assert!(
        body["error"].as_str().unwrap().contains("database"),
        "{body}"
    );
    let ready = client
        .get(format!("{address}/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status().as_u16(), 503);

    pg.restart().await;
    wait_until_ready(&address).await;
    let res = client
        .get(format!("{address}/baselines/checkout"))
        .send()
        .await
        .unwrap();
    let body = json_with_status(res, 200).await;
    assert_eq!(body["baselines"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again_on_an_empty_database() {
    let db = TestDatabase::create().await;
    let mut conn = PgConnection::connect(db.url.as_str()).await.unwrap();
    let tables = |rows: Vec<String>| rows;
    let list =
        "select table_name::text from information_schema.tables where table_schema = 'public' \
                and table_name <> '_sqlx_migrations' order by 1";

    MIGRATOR.run(&mut conn).await.unwrap();
    let up: Vec<String> = sqlx::query_scalar(list).fetch_all(&mut conn).await.unwrap();
    assert_eq!(
        tables(up),
        [
            "alert_rule",
            "alert_state",
            "alert_transition",
            "notification_outbox",
            "performance_baseline",
            "profile_summary",
            "regression_event",
            "service_registry",
            "triage_history",
            "watch_backfill",
            "watch_series"
        ]
    );

    MIGRATOR.undo(&mut conn, 0).await.unwrap();
    let down: Vec<String> = sqlx::query_scalar(list).fetch_all(&mut conn).await.unwrap();
    assert!(down.is_empty(), "{down:?}");

    MIGRATOR.run(&mut conn).await.unwrap();
    let again: Vec<String> = sqlx::query_scalar(list).fetch_all(&mut conn).await.unwrap();
    assert_eq!(again.len(), 11);
    let _ = conn.close().await;
}

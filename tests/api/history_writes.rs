//! How history is written: a batch in one statement, a record stored once however often it is
//! written, and assessments whose history write meets a PostgreSQL outage (retried, then
//! stored or dropped and counted).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use pyroscope_functions::sor::history::{
    AssessmentSeverity, JsonText, NewHistoryRecord, PgHistoryStore, RecordKey,
};
use pyroscope_functions::sor::{HistorySor, SorError};
use reqwest::Client;
use secrecy::SecretString;
use serde_json::json;
use sqlx::{Connection, PgConnection};

use crate::contract::{app, in_process_database};
use crate::helpers::{
    json_with_status, settings_without_database, spawn_app, spawn_server, wait_until_ready,
};
use crate::pyroscope_stub::{self, APPS, FROM, TO};
use crate::stoppable_postgres::StoppablePostgres;

fn record(app_name: &str, diagnosis: &str) -> NewHistoryRecord {
    NewHistoryRecord {
        key: RecordKey::new(),
        app_name: app(app_name),
        profile_types: "cpu".into(),
        diagnosis: diagnosis.into(),
        severity: AssessmentSeverity::Medium,
        top_functions: JsonText::of(&json!({"cpu": [{"name": diagnosis, "selfPercent": 12.5}]}))
            .ok(),
        recommendation: Some(format!("look at {diagnosis}")),
        requested_by: None,
    }
}

async fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(conn).await.unwrap()
}

#[tokio::test]
async fn a_batch_is_one_statement_and_each_record_gets_its_own_row() {
    let (db, database) = in_process_database().await;
    let store = PgHistoryStore::new(database);
    let records: Vec<NewHistoryRecord> = (0..200)
        .map(|i| record(&format!("app-{i}"), &format!("diagnosis_{i}")))
        .collect();

    store.create_many(&records).await.unwrap();

    let mut conn = PgConnection::connect(db.url.as_str()).await.unwrap();
    // Rows written by one transaction share its id (`xmin`).
    let sql = "select count(distinct xmin::text) from triage_history";
    assert_eq!(count(&mut conn, sql).await, 1);
    for sent in [&records[0], &records[199]] {
        let row = store.latest(sent.app_name.clone()).await.unwrap();
        assert_eq!(row.diagnosis, sent.diagnosis);
        assert_eq!(
            row.top_functions,
            sent.top_functions.as_ref().map(JsonText::to_value)
        );
    }
    let _ = conn.close().await;
}

#[tokio::test]
async fn a_record_written_again_with_its_key_is_stored_once_and_answers_the_same_row() {
    let (db, database) = in_process_database().await;
    let store = PgHistoryStore::new(database);
    let records: Vec<NewHistoryRecord> = (0..5)
        .map(|i| record("checkout", &format!("d{i}")))
        .collect();

    store.create_many(&records[..3]).await.unwrap();
    // A retry after a lost answer, with more records queued behind it.
    store.create_many(&records).await.unwrap();
    let first = store.create(records[0].clone()).await.unwrap();
    let again = store.create(records[0].clone()).await.unwrap();

    assert_eq!(first, again);
    let mut conn = PgConnection::connect(db.url.as_str()).await.unwrap();
    assert_eq!(
        count(&mut conn, "select count(*) from triage_history").await,
        5
    );
    let _ = conn.close().await;
}

#[tokio::test]
async fn post_history_with_the_same_idempotency_key_stores_once_and_answers_the_same_bytes() {
    let app = spawn_app().await;
    let body = json!({"appName": "checkout", "diagnosis": "gc_pressure", "severity": "high"});
    let key = RecordKey::new().to_string();
    let post = || {
        app.client
            .post(app.url("/history"))
            .header("Idempotency-Key", key.as_str())
            .json(&body)
            .send()
    };
    let first = post().await.unwrap();
    assert_eq!(first.status().as_u16(), 201);
    let first = first.text().await.unwrap();
    let again = post().await.unwrap().text().await.unwrap();
    assert_eq!(first, again);
    // The key stays out of the answer: the same fields as without it.
    let fields: BTreeSet<String> = serde_json::from_str::<serde_json::Value>(&first)
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let expected = [
        "appName",
        "createdAt",
        "diagnosis",
        "id",
        "profileTypes",
        "recommendation",
        "requestedBy",
        "severity",
        "topFunctions",
    ];
    assert_eq!(fields, expected.iter().map(|f| f.to_string()).collect());
    let list = json_with_status(app.get("/history/checkout").await, 200).await;
    assert_eq!(list["count"], 1);

    let res = app
        .client
        .post(app.url("/history"))
        .header("Idempotency-Key", "yesterday")
        .json(&body)
        .send()
        .await
        .unwrap();
    let error = json_with_status(res, 400).await;
    assert_eq!(error["code"], "invalid_idempotency_key");
}

#[tokio::test]
async fn a_record_the_database_refuses_fails_alone_in_a_burst() {
    let (db, database) = in_process_database().await;
    let store = PgHistoryStore::new(database);
    let mut records: Vec<NewHistoryRecord> = (0..20)
        .map(|i| record("checkout", &format!("diagnosis_{i}")))
        .collect();
    // PostgreSQL text cannot hold a NUL character.
    records[7].recommendation = Some("nul \u{0} inside".into());

    let results = join_all(records.into_iter().map(|r| store.create(r))).await;

    for (i, result) in results.iter().enumerate() {
        if i == 7 {
            assert!(matches!(result, Err(SorError::Invalid(_))), "{result:?}");
        } else {
            assert!(result.is_ok(), "record {i}: {result:?}");
        }
    }
    let mut conn = PgConnection::connect(db.url.as_str()).await.unwrap();
    let stored: i64 = sqlx::query_scalar("select count(*) from triage_history")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored, 19);
    let _ = conn.close().await;
}

/// The value of an unlabelled counter in the service's `/metrics`.
async fn counter(client: &Client, address: &str, name: &str) -> u64 {
    let text = client
        .get(format!("{address}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in /metrics"))
}

/// Polls `condition` every 100 ms for up to `secs` seconds.
async fn eventually<F, Fut>(secs: u64, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if condition().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

#[tokio::test]
async fn history_writes_are_retried_through_an_outage_and_those_that_run_out_of_tries_are_counted()
{
    let mut pg = StoppablePostgres::start("history-outage").await;
    let pyroscope = pyroscope_stub::start().await;
    // Two services on one database: one retries for about a minute, one gives up after
    // two quick tries.
    let service = |attempts: u32| {
        let mut settings = settings_without_database();
        settings.database.url = Some(SecretString::from(pg.url()));
        settings.database.acquire_timeout_secs = 1;
        settings.database.max_retries = 0;
        settings.pyroscope.url = pyroscope.uri().parse().unwrap();
        settings.history_writes.attempts = attempts;
        settings.history_writes.base_delay_ms = 50;
        settings
    };
    let patient = spawn_server(service(11)).await;
    let hasty = spawn_server(service(2)).await;
    wait_until_ready(&patient).await;
    wait_until_ready(&hasty).await;
    let client = Client::new();
    let triage =
        |address: &str, app: &str| format!("{address}/triage/{app}?types=cpu&from={FROM}&to={TO}");
    let (kept, lost) = (APPS[0], APPS[2]);

    pg.stop().await;
    // The answers go out whatever happens to their history.
    for (address, app) in [(&patient, kept), (&hasty, lost)] {
        let res = client.get(triage(address, app)).send().await.unwrap();
        json_with_status(res, 200).await;
    }
    eventually(30, "the hasty service drops its write", || async {
        counter(&client, &hasty, "history_writes_dropped_total").await == 1
    })
    .await;
    assert_eq!(
        counter(&client, &hasty, "history_write_retries_total").await,
        1
    );
    assert!(counter(&client, &patient, "history_write_retries_total").await >= 1);

    pg.restart().await;
    wait_until_ready(&patient).await;
    eventually(60, "the patient service stores its record", || async {
        let res = client
            .get(format!("{patient}/history/{kept}"))
            .send()
            .await
            .unwrap();
        res.status().is_success() && res.json::<serde_json::Value>().await.unwrap()["count"] == 1
    })
    .await;
    assert_eq!(
        counter(&client, &patient, "history_writes_dropped_total").await,
        0
    );
    let res = client
        .get(format!("{patient}/history/{lost}"))
        .send()
        .await
        .unwrap();
    assert_eq!(json_with_status(res, 200).await["count"], 0);
}

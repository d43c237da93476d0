//! How history is written: a batch in one statement, a record stored once however often it is
//! written, a refused record dropped alone, and records past the queue's bound dropped,
//! counted and shown in `/health`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use pf_history::{
    history_queue, AssessmentSeverity, HistorySor, NewHistoryRecord, PgHistoryStore, RecordKey,
};
use pf_infra::backoff::Backoff;
use pf_infra::sor::json_text::JsonText;
use pf_infra::tasks::shutdown_signal;
use pf_infra::telemetry::Metrics;
use reqwest::Client;
use serde_json::json;
use sqlx::{Connection, PgConnection};

use crate::contract::{app, in_process_database};
use crate::helpers::{eventually, json_with_status, spawn_app, spawn_app_with, TestApp};
use crate::stubs::generated::{self, APPS, CURRENT_FROM, CURRENT_TO};

pub fn record(app_name: &str, diagnosis: &str) -> NewHistoryRecord {
    NewHistoryRecord {
        labels: Default::default(),
        key: RecordKey::new(),
        app_name: app(app_name),
        profile_types: "cpu".into(),
        diagnosis: diagnosis.into(),
        severity: AssessmentSeverity::Medium,
        top_functions: JsonText::of(&json!({"cpu": [{"name": diagnosis, "selfPercent": 12.5}]}))
            .ok(),
        recommendation: Some(format!("look at {diagnosis}")),
        requested_by: None,
        on_behalf_of: None,
    }
}

async fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(conn).await.unwrap()
}

#[tokio::test]
async fn a_batch_is_one_statement_and_each_record_gets_its_own_row() {
    let (db, database) = in_process_database().await;
    let store = PgHistoryStore::new(database, Metrics::new(None).unwrap());
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
        assert_eq!(row.top_functions, sent.top_functions);
    }
    let _ = conn.close().await;
}

#[tokio::test]
async fn a_record_written_again_with_its_key_is_stored_once_and_answers_the_same_row() {
    let (db, database) = in_process_database().await;
    let store = PgHistoryStore::new(database, Metrics::new(None).unwrap());
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
async fn a_record_the_database_refuses_is_dropped_alone_and_the_rest_of_its_batch_stored() {
    let (db, database) = in_process_database().await;
    let metrics = Metrics::new(None).unwrap();
    let store = Arc::new(PgHistoryStore::new(database, Metrics::new(None).unwrap()));
    let (recorder, writer) = history_queue(store, retry_forever(), 100, metrics.clone());
    let mut records: Vec<NewHistoryRecord> = (0..20)
        .map(|i| record("checkout", &format!("diagnosis_{i}")))
        .collect();
    // PostgreSQL text cannot hold a NUL character.
    records[7].recommendation = Some("nul \u{0} inside".into());
    for r in records {
        assert!(recorder.record(r));
    }

    // Queued before the writer runs, so they go as one batch; the stop drains it.
    let (stopper, shutdown) = shutdown_signal();
    stopper.stop_by(tokio::time::Instant::now() + Duration::from_secs(10));
    writer.run(shutdown).await;

    let mut conn = PgConnection::connect(db.url.as_str()).await.unwrap();
    assert_eq!(
        count(&mut conn, "select count(*) from triage_history").await,
        19
    );
    let sql = "select count(*) from triage_history where diagnosis = 'diagnosis_7'";
    assert_eq!(count(&mut conn, sql).await, 0);
    assert_eq!(metrics.history_writes_dropped.get(), 1);
    let _ = conn.close().await;
}

/// The value of an unlabelled metric in the service's `/metrics`.
pub async fn metric(client: &Client, address: &str, name: &str) -> u64 {
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

/// A triage of `APPS[0]` that stores one history record, requested by `who`.
pub async fn triage(client: &Client, address: &str, who: &str) {
    let res = client
        .get(format!(
            "{address}/triage/{}?types=cpu&from={CURRENT_FROM}&to={CURRENT_TO}",
            APPS[0]
        ))
        .header("X-Requested-By", who)
        .send()
        .await
        .unwrap();
    json_with_status(res, 200).await;
}

/// Holds a lock on `triage_history` that blocks every insert until `release`d: the database
/// answers everything else, but history writes wait, as with a very slow store.
pub async fn block_history_writes(app: &TestApp) -> PgConnection {
    let mut conn = app.pg().await;
    sqlx::raw_sql("begin; lock table triage_history in exclusive mode")
        .execute(&mut conn)
        .await
        .unwrap();
    conn
}

#[tokio::test]
async fn past_the_queue_bound_records_are_dropped_counted_and_shown_in_health_while_ready() {
    let pyroscope = generated::start().await;
    let app = spawn_app_with(|s| {
        s.pyroscope.url = Some(pyroscope.uri().parse().unwrap());
        s.history_writes.max_pending = std::num::NonZeroUsize::new(3).unwrap();
    })
    .await;
    let mut lock = block_history_writes(&app).await;
    let sent = 12;
    for i in 0..sent {
        triage(&app.client, &app.address, &format!("caller-{i}")).await;
    }
    // The writer holds one batch (blocked), the queue three more; the rest are dropped.
    let dropped = metric(&app.client, &app.address, "history_writes_dropped_total").await;
    assert!(
        (1..=sent - 4).contains(&dropped),
        "{dropped} of {sent} dropped"
    );
    let health = json_with_status(app.get("/health").await, 200).await;
    assert_eq!(health["status"], "degraded");
    let writer = &health["checks"]["historyWriter"];
    assert_eq!(writer["status"], "down");
    assert_eq!(writer["required"], false);
    let shown = writer["error"].as_str().unwrap();
    assert!(
        shown.contains(&format!("{dropped} history record(s) dropped")),
        "{shown}"
    );
    json_with_status(app.get("/health/ready").await, 200).await;

    sqlx::raw_sql("commit").execute(&mut lock).await.unwrap();
    let stored = || async {
        let mut conn = app.pg().await;
        let n = count(&mut conn, "select count(*) from triage_history").await;
        let _ = conn.close().await;
        n
    };
    eventually(10, "the queued records are stored", || async {
        stored().await + i64::try_from(dropped).unwrap() == i64::try_from(sent).unwrap()
    })
    .await;
    // The writer counts a batch as written once its insert has returned, which is a moment
    // after the rows are visible to this connection.
    eventually(10, "nothing is left pending", || async {
        metric(&app.client, &app.address, "history_writes_pending").await == 0
    })
    .await;
}

/// The writer's retry rule as the service configures it by default.
fn retry_forever() -> Backoff {
    Backoff {
        base: Duration::from_millis(200),
        max_delay: Duration::from_secs(5),
        max_retries: u32::MAX,
    }
}

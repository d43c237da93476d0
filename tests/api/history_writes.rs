//! How history is written: concurrent creates combined into one insert, and assessments whose
//! history write meets a PostgreSQL outage (retried, then stored or dropped and counted).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use pyroscope_functions::sor::history::{
    AssessmentSeverity, JsonText, NewHistoryRecord, PgHistoryStore,
};
use pyroscope_functions::sor::{HistorySor, SorError};
use reqwest::Client;
use secrecy::SecretString;
use serde_json::json;
use sqlx::{Connection, PgConnection};

use crate::contract::{app, in_process_database};
use crate::helpers::{json_with_status, settings_without_database, spawn_server, wait_until_ready};
use crate::pyroscope_stub::{self, APPS, FROM, TO};
use crate::stoppable_postgres::StoppablePostgres;

fn record(app_name: &str, diagnosis: &str) -> NewHistoryRecord {
    NewHistoryRecord {
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

#[tokio::test]
async fn concurrent_creates_share_a_transaction_and_each_caller_gets_its_own_row() {
    let (db, database) = in_process_database().await;
    let store = PgHistoryStore::new(database);
    let records: Vec<NewHistoryRecord> = (0..200)
        .map(|i| record(&format!("app-{i}"), &format!("diagnosis_{i}")))
        .collect();

    let rows = join_all(records.iter().cloned().map(|r| store.create(r))).await;

    let mut ids = HashSet::new();
    for (sent, row) in records.iter().zip(rows) {
        let row = row.unwrap();
        assert_eq!(row.app_name, sent.app_name.as_str());
        assert_eq!(row.diagnosis, sent.diagnosis);
        assert_eq!(
            row.top_functions,
            sent.top_functions.as_ref().map(JsonText::to_value)
        );
        assert_eq!(row.recommendation, sent.recommendation);
        ids.insert(row.id);
    }
    assert_eq!(ids.len(), 200);
    // Rows written by one transaction share its id (`xmin`): 200 creates, a few commits.
    let mut conn = PgConnection::connect(db.url.as_str()).await.unwrap();
    let transactions: i64 =
        sqlx::query_scalar("select count(distinct xmin::text) from triage_history")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(
        transactions < 10,
        "{transactions} transactions for 200 creates"
    );
    let _ = conn.close().await;
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

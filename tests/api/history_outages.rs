//! No history record is lost or stored twice when PostgreSQL goes away for a while, nor when
//! the process is told to stop (SIGTERM) with records still queued.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use reqwest::Client;
use secrecy::SecretString;
use sqlx::{Connection, PgConnection};

use crate::helpers::{eventually, throughout};
use crate::helpers::{
    settings_without_database, spawn_binary, spawn_server, wait_until_ready, TestDatabase,
};
use crate::history_writes::{metric, triage};
use crate::stoppable_postgres::StoppablePostgres;
use crate::stubs::generated;

/// How many rows each requester has in `url`'s history table.
async fn rows_by_requester(url: &str) -> BTreeMap<String, i64> {
    let mut conn = PgConnection::connect(url).await.unwrap();
    let rows: Vec<(String, i64)> =
        sqlx::query_as("select requested_by, count(*) from triage_history group by requested_by")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let _ = conn.close().await;
    rows.into_iter().collect()
}

/// Asserts that `callers` each have exactly one row, and nobody else has any.
fn assert_one_row_each(rows: &BTreeMap<String, i64>, callers: &[String]) {
    let expected: BTreeMap<String, i64> = callers.iter().map(|c| (c.clone(), 1)).collect();
    assert_eq!(rows, &expected);
}

#[tokio::test]
async fn every_assessment_made_during_a_database_outage_is_stored_exactly_once() {
    let mut pg = StoppablePostgres::start("history-outage").await;
    let pyroscope = generated::start().await;
    let mut settings = settings_without_database();
    settings.database.url = Some(SecretString::from(pg.url()));
    settings.database.acquire_timeout_secs = Duration::from_secs(1);
    settings.pyroscope.url = Some(pyroscope.uri().parse().unwrap());
    settings.history_writes.base_delay_ms = Duration::from_millis(50);
    settings.history_writes.max_delay_ms = Duration::from_millis(500);
    let address = spawn_server(settings).await;
    wait_until_ready(&address).await;
    let client = Client::new();
    let mut callers = Vec::new();
    let mut assess = |n: usize| {
        let batch: Vec<String> = (callers.len()..callers.len() + n)
            .map(|i| format!("caller-{i}"))
            .collect();
        callers.extend(batch.iter().cloned());
        batch
    };

    for who in assess(5) {
        triage(&client, &address, &who).await;
    }
    pg.stop().await;
    // The answers go out while the database is down; their records wait in the queue.
    let outage = Instant::now();
    while outage.elapsed() < Duration::from_secs(3) {
        let burst = assess(4);
        join_all(burst.iter().map(|who| triage(&client, &address, who))).await;
    }
    assert!(metric(&client, &address, "history_writes_pending").await > 0);
    assert!(metric(&client, &address, "history_write_retries_total").await > 0);
    pg.restart().await;
    for who in assess(5) {
        triage(&client, &address, &who).await;
    }

    let url = pg.url();
    let sent = callers.len();
    eventually(60, "every record is stored", || async {
        rows_by_requester(&url).await.values().sum::<i64>() >= i64::try_from(sent).unwrap()
    })
    .await;
    assert_one_row_each(&rows_by_requester(&url).await, &callers);
    assert_eq!(
        metric(&client, &address, "history_writes_dropped_total").await,
        0
    );
    assert_eq!(metric(&client, &address, "history_writes_pending").await, 0);
}

#[tokio::test]
async fn sigterm_stores_every_queued_record_after_the_server_stopped_accepting() {
    let pyroscope = generated::start().await;
    let db = TestDatabase::create().await;
    let (mut service, address) = spawn_binary(db.url.as_str(), &pyroscope.uri()).await;
    // Inserts wait behind this lock, so the burst is still queued when SIGTERM arrives.
    let mut lock = PgConnection::connect(db.url.as_str()).await.unwrap();
    sqlx::raw_sql("begin; lock table triage_history in exclusive mode")
        .execute(&mut lock)
        .await
        .unwrap();
    let client = Client::new();
    let callers: Vec<String> = (0..60).map(|i| format!("caller-{i}")).collect();
    // The first record alone is the batch the writer is stuck on; the burst queues behind it.
    triage(&client, &address, &callers[0]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    join_all(
        callers[1..]
            .iter()
            .map(|who| triage(&client, &address, who)),
    )
    .await;

    let pid = libc::pid_t::try_from(service.id().unwrap()).unwrap();
    // SAFETY: sends a signal to the child this test started; no memory is touched.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);

    // A client without pooled connections, so each probe opens a new one.
    let fresh = Client::builder().pool_max_idle_per_host(0).build().unwrap();
    eventually(10, "the server stops accepting", || async {
        fresh
            .get(format!("{address}/health/live"))
            .send()
            .await
            .is_err()
    })
    .await;
    // Long past the HTTP server's own shutdown: the process is now draining the queue.
    throughout(2, "the process waits for its queue to be written", || {
        let running = service.try_wait().unwrap().is_none();
        async move { running }
    })
    .await;
    assert!(
        service.try_wait().unwrap().is_none(),
        "the process waits for its queue to be written"
    );
    assert!(rows_by_requester(db.url.as_str()).await.is_empty());
    sqlx::raw_sql("commit").execute(&mut lock).await.unwrap();

    let status = tokio::time::timeout(Duration::from_secs(20), service.wait())
        .await
        .expect("the process exits once its queue is written")
        .unwrap();
    assert!(status.success(), "{status}");
    assert_one_row_each(&rows_by_requester(db.url.as_str()).await, &callers);
}

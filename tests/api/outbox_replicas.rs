//! The outbox shared by replicas: two replicas draining it post each notification once; one
//! killed by SIGKILL mid-delivery loses nothing, and repeats only what it had in flight, under
//! the same `Idempotency-Key`. And the migration that made the outbox carries over the webhooks
//! the old schema had pending, both ways.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;
use sqlx::{Connection, PgConnection};
use wiremock::MockServer;

use crate::helpers::{eventually, spawn_binary_with, spawn_server, test_settings, TestDatabase};
use crate::outbox::recorder;
use pf_infra::db::MIGRATOR;

/// Enqueues `count` notifications to `hook` directly, as a producer's transaction would.
pub async fn enqueue(db: &TestDatabase, hook: &str, count: i32) {
    let mut pg = PgConnection::connect(db.url.as_str()).await.unwrap();
    sqlx::query(
        "insert into notification_outbox (kind, destination, payload) \
         select 'alert_webhook', $1, jsonb_build_object('n', g) from generate_series(1, $2) g",
    )
    .bind(hook)
    .bind(count)
    .execute(&mut pg)
    .await
    .unwrap();
}

async fn undelivered(db: &TestDatabase) -> i64 {
    let mut pg = PgConnection::connect(db.url.as_str()).await.unwrap();
    sqlx::query_scalar("select count(*) from notification_outbox where outcome is null")
        .fetch_one(&mut pg)
        .await
        .unwrap()
}

/// How often each `Idempotency-Key` arrived; each body's `id` is checked against its key.
async fn keys(server: &MockServer) -> BTreeMap<i64, usize> {
    let mut seen = BTreeMap::new();
    for request in server.received_requests().await.unwrap_or_default() {
        let key: i64 = request.headers["idempotency-key"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(body["id"], key, "{body}");
        assert!(
            body["n"].is_i64(),
            "the payload goes out as enqueued: {body}"
        );
        *seen.entry(key).or_default() += 1;
    }
    seen
}

async fn sent_ok(address: &str) -> u64 {
    let metrics = reqwest::get(format!("{address}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = "alert_notifications_total{outcome=\"ok\",target=\"webhook\"} ";
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(line))
        .map_or(0, |n| n.trim().parse().unwrap())
}

#[tokio::test]
async fn two_replicas_draining_one_outbox_post_each_notification_once() {
    // Slow enough that the drain outlasts a replica's idle wait (1 s): both take part.
    let (receiver, _) = recorder(200, Duration::from_millis(100)).await;
    let db = TestDatabase::create().await;
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let mut settings = test_settings(&db);
        settings.alerts.delivery_concurrency = std::num::NonZeroUsize::new(8).unwrap();
        let address = spawn_server(settings).await;
        crate::helpers::wait_until_ready(&address).await;
        replicas.push(address);
    }
    enqueue(&db, &format!("{}/hook", receiver.uri()), 300).await;
    eventually(30, "all 300 are delivered", || async {
        undelivered(&db).await == 0
    })
    .await;
    let seen = keys(&receiver).await;
    assert_eq!(seen.len(), 300);
    assert!(seen.values().all(|&n| n == 1), "a repeat: {seen:?}");
    let (first, second) = (sent_ok(&replicas[0]).await, sent_ok(&replicas[1]).await);
    assert_eq!(first + second, 300);
    assert!(
        first > 0 && second > 0,
        "both drained: {first} and {second}"
    );
}

#[tokio::test]
async fn a_replica_killed_mid_delivery_loses_nothing_and_repeats_only_what_it_had_in_flight() {
    const CONCURRENCY: usize = 4;
    let (receiver, _) = recorder(200, Duration::from_millis(200)).await;
    let db = TestDatabase::create().await;
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let replica = spawn_binary_with(db.url.as_str(), |command| {
            command
                .env("FUNCTION", "all")
                .env("APP__ALERTS__DELIVERY_CONCURRENCY", CONCURRENCY.to_string())
                // A lease of 2 × 1 s + 10 s: what the killed replica held is due again then.
                .env("APP__ALERTS__DELIVERY_TIMEOUT_SECS", "1");
        })
        .await;
        replicas.push(replica);
    }
    enqueue(&db, &format!("{}/hook", receiver.uri()), 200).await;
    eventually(10, "both replicas are delivering", || async {
        receiver.received_requests().await.unwrap_or_default().len() >= 20
    })
    .await;
    let (mut killed, _) = replicas.remove(0);
    killed.start_kill().unwrap();
    killed.wait().await.unwrap();

    eventually(60, "everything is delivered after the kill", || async {
        undelivered(&db).await == 0
    })
    .await;
    let seen = keys(&receiver).await;
    assert_eq!(seen.len(), 200, "nothing lost");
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        repeated.len() <= CONCURRENCY && repeated.iter().all(|(_, n)| **n == 2),
        "only what the killed replica had in flight goes twice: {repeated:?}"
    );
}

#[tokio::test]
async fn pending_webhooks_of_the_old_schema_move_into_the_outbox_and_back() {
    let db = TestDatabase::create().await;
    let mut pg = PgConnection::connect(db.url.as_str()).await.unwrap();
    MIGRATOR.run(&mut pg).await.unwrap();
    MIGRATOR.undo(&mut pg, 9).await.unwrap();
    sqlx::raw_sql(
        "insert into alert_transition \
             (id, rule_id, app_name, profile_type, transition, value, threshold, at, webhook, notified_at) values \
         (7, 1, 'checkout', 'cpu', 'firing', 50.004, 40, '2026-11-24T10:00:00Z', 'http://hooks.test/a', null), \
         (8, 2, 'checkout', 'cpu', 'firing', 50, 40, '2026-11-24T10:00:00Z', 'http://hooks.test/b', now()), \
         (9, 3, 'checkout', 'cpu', 'resolved', 10, 40, '2026-11-24T10:00:00Z', null, null)",
    )
    .execute(&mut pg)
    .await
    .unwrap();

    MIGRATOR.run(&mut pg).await.unwrap();
    let moved: Vec<(i64, String, String, Value)> = sqlx::query_as(
        "select id, subject, destination, payload from notification_outbox where outcome is null",
    )
    .fetch_all(&mut pg)
    .await
    .unwrap();
    assert_eq!(moved.len(), 1, "only the pending webhook: {moved:?}");
    let (id, subject, destination, payload) = &moved[0];
    assert_eq!((*id, subject.as_str()), (7, "alert_transition:7"));
    assert_eq!(destination, "http://hooks.test/a");
    assert_eq!(payload["status"], "firing");
    assert_eq!(payload["ruleId"], 1);
    assert_eq!(payload["value"], 50.0);
    assert_eq!(payload["at"], "2026-11-24T10:00:00.000000Z");
    let next: i64 = sqlx::query_scalar(
        "insert into notification_outbox (kind, destination, payload) \
         values ('alert_webhook', 'http://hooks.test/c', '{}') returning id",
    )
    .fetch_one(&mut pg)
    .await
    .unwrap();
    assert!(next > 9, "new keys never repeat a transition's: {next}");

    MIGRATOR.undo(&mut pg, 9).await.unwrap();
    let back: Vec<(i64, Option<String>, bool)> =
        sqlx::query_as("select id, webhook, notified_at is null from alert_transition order by id")
            .fetch_all(&mut pg)
            .await
            .unwrap();
    assert_eq!(back[0], (7, Some("http://hooks.test/a".to_owned()), true));
    assert_eq!(back[1].1, None, "a delivered webhook is not pending again");
    let _ = pg.close().await;
}

#[tokio::test]
async fn settled_notifications_are_deleted_after_their_keeping_age() {
    let db = TestDatabase::create().await;
    let address = spawn_server(test_settings(&db)).await;
    crate::helpers::wait_until_ready(&address).await;
    let mut pg = PgConnection::connect(db.url.as_str()).await.unwrap();
    // Delivered 8 days ago, given up 8 days ago, delivered yesterday, still pending from 8 days ago.
    sqlx::raw_sql(
        "insert into notification_outbox (kind, destination, payload, outcome, settled_at, created_at, next_attempt_at) values \
         ('alert_webhook', 'http://hooks.test/a', '{}', 'delivered', now() - interval '8 days', now() - interval '8 days', now()), \
         ('alert_webhook', 'http://hooks.test/b', '{}', 'given_up', now() - interval '8 days', now() - interval '8 days', now()), \
         ('alert_webhook', 'http://hooks.test/c', '{}', 'delivered', now() - interval '1 day', now() - interval '1 day', now()), \
         ('alert_webhook', 'http://127.0.0.1:9/d', '{}', null, null, now() - interval '8 days', now() + interval '1 hour')",
    )
    .execute(&mut pg)
    .await
    .unwrap();
    // The drain prunes when it starts and every hour: a second replica starts one now.
    let _second = spawn_server(test_settings(&db)).await;
    let left = || async {
        let mut pg = PgConnection::connect(db.url.as_str()).await.unwrap();
        let rows: Vec<String> =
            sqlx::query_scalar("select destination from notification_outbox order by destination")
                .fetch_all(&mut pg)
                .await
                .unwrap();
        rows
    };
    eventually(10, "the old settled rows are gone", || async {
        left().await == ["http://127.0.0.1:9/d", "http://hooks.test/c"]
    })
    .await;
}

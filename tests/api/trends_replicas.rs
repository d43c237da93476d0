//! Replicas share the watcher's work through leases in PostgreSQL
//! (docs/profiles-over-time.md#replicas): two or three processes on one database backfill a fleet,
//! and afterwards every series has each slice exactly once: no gap, no duplicate; the same when one
//! of them is killed with SIGKILL midway.

use sqlx::Connection;

use crate::helpers::{
    eventually, spawn_binary_with, spawn_server, test_settings, wait_until_ready, TestApp,
    TestDatabase,
};
use crate::stubs::fleet::{start, Fleet};
use crate::trends::{backfill_counts, backfilled_to, steady_now, SLICE};

const APPS: usize = 8;
const HOURS: i64 = 2;

/// Rows per (app, type, slice) in `[from, to)`: (series × slices expected, rows, distinct keys).
async fn rows(db: &TestDatabase, from: i64, to: i64) -> (i64, i64) {
    let mut pg = sqlx::PgConnection::connect(db.url.as_str()).await.unwrap();
    sqlx::query_as(
        "select count(*), count(distinct (app_name, profile_type, slice_start)) \
         from profile_summary where slice_start >= $1 and slice_start < $2",
    )
    .bind(from)
    .bind(to)
    .fetch_one(&mut pg)
    .await
    .unwrap()
}

/// Every series has every slice of the backfilled hours, exactly once.
async fn assert_each_slice_once(db: &TestDatabase, now: i64) {
    let to = backfilled_to(now);
    let from = to - HOURS * 3600;
    // Every type watched by default (cpu, alloc, inuse): the stub serves each.
    let types = test_settings(db).watch.profile_types().len() as i64;
    let expected = (APPS as i64) * types * (HOURS * 3600 / SLICE);
    assert_eq!(rows(db, from, to).await, (expected, expected));
}

async fn share(replicas: usize) {
    let fleet = Fleet::of(APPS, 0);
    let stub = start(fleet).await;
    let db = TestDatabase::create().await;
    let url = url::Url::parse(&stub.uri()).unwrap();
    let now = steady_now().await;
    let mut apps = Vec::new();
    for _ in 0..replicas {
        let mut s = test_settings(&db);
        s.pyroscope.url = Some(url.clone());
        s.pyroscope.cache_ttl_secs = std::time::Duration::ZERO;
        s.watch.enabled = true;
        s.watch.backfill_hours = HOURS as u64;
        s.watch.concurrency = std::num::NonZeroUsize::new(2).unwrap();
        let address = spawn_server(s).await;
        wait_until_ready(&address).await;
        apps.push(TestApp::at(address));
    }
    let app = &apps[0];
    eventually(90, "the shared backfill is done", || async {
        let c = backfill_counts(app).await;
        c["pending"] == 0 && c["done"].as_u64().unwrap_or(0) > 0
    })
    .await;
    assert_each_slice_once(&db, now).await;
}

#[tokio::test]
async fn two_replicas_summarize_each_slice_exactly_once() {
    share(2).await;
}

#[tokio::test]
async fn three_replicas_summarize_each_slice_exactly_once() {
    share(3).await;
}

#[tokio::test]
async fn a_replica_killed_midway_is_continued_by_the_others() {
    let mut fleet = Fleet::of(APPS, 0);
    fleet.latency = std::time::Duration::from_millis(20);
    let stub = start(fleet).await;
    let db = TestDatabase::create().await;
    let now = steady_now().await;
    let mut children = Vec::new();
    for _ in 0..3 {
        let uri = stub.uri();
        let (child, address) = spawn_binary_with(db.url.as_str(), |c| {
            c.env("PYROSCOPE_URL", &uri)
                .env("FUNCTION", "all")
                .env("APP__WATCH__ENABLED", "true")
                .env("APP__WATCH__BACKFILL_HOURS", HOURS.to_string())
                .env("APP__WATCH__LEASE_SECS", "2")
                .env("APP__WATCH__CONCURRENCY", "2")
                .env("APP__PYROSCOPE__CACHE_TTL_SECS", "0");
        })
        .await;
        children.push((child, TestApp::at(address)));
    }
    let app = TestApp::at(children[1].1.address.clone());
    eventually(60, "the backfill is under way", || async {
        backfill_counts(&app).await["done"].as_u64().unwrap_or(0) >= 20
    })
    .await;
    // SIGKILL: no shutdown, its leases simply stop being renewed.
    let (mut victim, _) = children.remove(0);
    let pid = victim.id().expect("the victim runs") as i32;
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let _ = victim.wait().await;
    eventually(120, "the survivors finish the backfill", || async {
        let c = backfill_counts(&app).await;
        c["pending"] == 0 && c["failed"] == 0
    })
    .await;
    assert_each_slice_once(&db, now).await;
}

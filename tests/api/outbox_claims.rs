//! Claims racing on one outbox, as replicas' drains do: a row goes to one claim only, no claim
//! takes more than its limit, and rows another transaction holds are passed over, not waited
//! for.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use sqlx::{Connection, PgConnection};
use tokio::sync::Barrier;

use crate::contract::in_process_database;
use crate::outbox_replicas::enqueue;
use pf_delivery::{NotificationOutbox, PgOutbox};

/// Long enough that no row claimed in the test is due again before it ends: a row claimed
/// twice is two claims sharing it, never a lease run out.
const LEASE: Duration = Duration::from_secs(600);
/// The claimers' limits, unequal so that each one's own limit is what is checked; fewer
/// claimers than the pool's 5 connections, so that all of them run at once.
const LIMITS: [u32; 4] = [7, 5, 11, 3];
const ROWS: usize = 300;

/// Why this test can fail: without `for update`, every claim of a round picks the same oldest
/// due rows from its own snapshot; the later updates wait for the first one's row locks and,
/// once it commits, their `due` ids still match, so they update and return the same rows again
/// (attempts 2: "round 2: row 54 again" when the lock was taken out). A plain `for update`
/// keeps the claims apart too, but makes them wait on each other: the next test catches that.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_claims_never_share_a_row_nor_exceed_their_limits() {
    let (db, database) = in_process_database().await;
    enqueue(&db, "http://hooks.test/race", ROWS as i32).await;
    let outbox = PgOutbox::new(database);
    let mut claimer_of: BTreeMap<i64, usize> = BTreeMap::new();
    // Each round starts every claimer at once and waits for all; the rows run out after about
    // ROWS / 26 rounds.
    for round in 0.. {
        assert!(round <= ROWS, "the rows never ran out: {claimer_of:?}");
        let start = Arc::new(Barrier::new(LIMITS.len()));
        let claims = LIMITS.map(|limit| {
            let (outbox, start) = (outbox.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                outbox.claim(limit, LEASE).await
            })
        });
        let mut claimed = 0;
        for (claimer, result) in join_all(claims).await.into_iter().enumerate() {
            let rows = result.unwrap().unwrap();
            let limit = LIMITS[claimer] as usize;
            assert!(
                rows.len() <= limit,
                "round {round}: claimer {claimer} took {} rows, its limit {limit}",
                rows.len()
            );
            claimed += rows.len();
            for row in rows {
                assert_eq!(row.attempts, 1, "round {round}: row {} again", row.id);
                if let Some(other) = claimer_of.insert(row.id, claimer) {
                    panic!(
                        "round {round}: row {} claimed by {other} and {claimer}",
                        row.id
                    );
                }
            }
        }
        if claimed == 0 {
            break;
        }
    }
    assert_eq!(claimer_of.len(), ROWS, "every row is claimed once");
    let mut pg = PgConnection::connect(db.url.as_str()).await.unwrap();
    let attempts: Vec<(i32, i64)> =
        sqlx::query_as("select attempts, count(*) from notification_outbox group by attempts")
            .fetch_all(&mut pg)
            .await
            .unwrap();
    assert_eq!(attempts, [(1, ROWS as i64)], "one attempt counted per row");
}

/// Without `skip locked` the claim would wait for the transaction holding the oldest rows,
/// here until the timeout; with it, it takes the next ones at once.
#[tokio::test]
async fn a_claim_passes_over_rows_another_transaction_holds() {
    let (db, database) = in_process_database().await;
    enqueue(&db, "http://hooks.test/held", 20).await;
    let mut holder = PgConnection::connect(db.url.as_str()).await.unwrap();
    let mut tx = holder.begin().await.unwrap();
    let held: Vec<i64> = sqlx::query_scalar(
        "select id from notification_outbox order by next_attempt_at, id limit 5 for update",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    let outbox = PgOutbox::new(database);
    let claim = tokio::time::timeout(Duration::from_secs(10), outbox.claim(10, LEASE));
    let rows = claim.await.expect("the claim waited").unwrap();
    assert_eq!(rows.len(), 10);
    assert!(
        rows.iter().all(|r| !held.contains(&r.id)),
        "held {held:?}, claimed {:?}",
        rows.iter().map(|r| r.id).collect::<Vec<_>>()
    );
    tx.rollback().await.unwrap();
    let rest = outbox.claim(20, LEASE).await.unwrap();
    let mut ids: Vec<i64> = rest.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    assert_eq!(
        ids.len(),
        10,
        "the held rows and the 5 never claimed: {ids:?}"
    );
    assert!(
        held.iter().all(|id| ids.contains(id)),
        "{held:?} in {ids:?}"
    );
}

//! The outbox on PostgreSQL (`notification_outbox`). Producers enqueue in their own
//! transaction ([`enqueue`]); any replica claims due rows with `FOR UPDATE SKIP LOCKED`, so two
//! never hold the same row, and settles each attempt fenced by its attempt number, so a replica
//! that overran its lease cannot overwrite what another recorded since.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::PgConnection;

use super::model::{ClaimedNotification, NewNotification, OutboxStats, Settlement};
use crate::outbox::NotificationOutbox;
use pf_infra::db::Database;
use pf_infra::sor::SorError;
use pf_model::saturate;

/// Adds `notification` to the outbox inside the caller's transaction, caused by `subject`.
pub async fn enqueue(
    tx: &mut PgConnection,
    notification: &NewNotification,
    subject: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into notification_outbox (kind, subject, destination, payload) \
         values ($1, $2, $3, $4)",
    )
    .bind(notification.kind.as_str())
    .bind(subject)
    .bind(&notification.destination)
    .bind(sqlx::types::Json(&notification.payload))
    .execute(tx)
    .await
    .map(drop)
}

/// The outbox stored in PostgreSQL.
#[derive(Clone)]
pub struct PgOutbox {
    db: Database,
}

impl PgOutbox {
    pub fn new(db: Database) -> Self {
        PgOutbox { db }
    }
}

fn millis(duration: Duration) -> i64 {
    saturate(duration.as_millis())
}

#[async_trait]
impl NotificationOutbox for PgOutbox {
    async fn claim(
        &self,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<ClaimedNotification>, SorError> {
        // The lease moves `next_attempt_at` ahead: while the attempt runs the row is not due,
        // and if this replica dies it is due again when the lease ends.
        // `due` picks the oldest due rows and locks them, passing over those another claim
        // holds; the update then touches exactly the rows it locked. The rows come back in no
        // particular order: the drain sends each on a task of its own.
        const CLAIM: &str = "with due as (select id from notification_outbox \
                 where outcome is null and next_attempt_at <= now() \
                 order by next_attempt_at, id limit $1 for update skip locked) \
             update notification_outbox o \
             set attempts = o.attempts + 1, last_attempt_at = now(), \
                 next_attempt_at = now() + make_interval(secs => $2::double precision / 1000) \
             from due where o.id = due.id \
             returning o.id, o.kind, o.destination, o.payload, o.attempts, o.created_at";
        let lease = millis(lease);
        self.db
            .run("claiming notifications", |pool| async move {
                sqlx::query_as(CLAIM)
                    .bind(i64::from(limit))
                    .bind(lease)
                    .fetch_all(&pool)
                    .await
            })
            .await
            .map_err(SorError::from)
    }

    async fn settle(
        &self,
        id: i64,
        attempt: i32,
        settlement: &Settlement,
    ) -> Result<bool, SorError> {
        const DELIVERED: &str = "update notification_outbox \
             set outcome = 'delivered', settled_at = now(), last_error = null \
             where id = $1 and attempts = $2 and outcome is null";
        const RETRY: &str = "update notification_outbox \
             set next_attempt_at = now() + make_interval(secs => $3::double precision / 1000), \
                 last_error = $4 \
             where id = $1 and attempts = $2 and outcome is null";
        const GIVEN_UP: &str = "update notification_outbox \
             set outcome = 'given_up', settled_at = now(), last_error = $3 \
             where id = $1 and attempts = $2 and outcome is null";
        self.db
            .run("recording a notification attempt", |pool| async move {
                let query = match settlement {
                    Settlement::Delivered => sqlx::query(DELIVERED).bind(id).bind(attempt),
                    Settlement::Retry { after, error } => sqlx::query(RETRY)
                        .bind(id)
                        .bind(attempt)
                        .bind(millis(*after))
                        .bind(error),
                    Settlement::GivenUp { error } => {
                        sqlx::query(GIVEN_UP).bind(id).bind(attempt).bind(error)
                    }
                };
                query.execute(&pool).await
            })
            .await
            .map(|done| done.rows_affected() == 1)
            .map_err(SorError::from)
    }

    async fn next_due(&self) -> Result<Option<Duration>, SorError> {
        const NEXT: &str =
            "select greatest(extract(epoch from min(next_attempt_at) - now()), 0)::float8 \
             from notification_outbox where outcome is null";
        let secs: Option<f64> = self
            .db
            .run("reading the outbox", |pool| async move {
                sqlx::query_scalar(NEXT).fetch_one(&pool).await
            })
            .await
            .map_err(SorError::from)?;
        Ok(secs.map(|s| Duration::try_from_secs_f64(s).unwrap_or(Duration::ZERO)))
    }

    async fn prune(&self, age: Duration) -> Result<u64, SorError> {
        const PRUNE: &str = "delete from notification_outbox where outcome is not null \
             and settled_at < now() - make_interval(secs => $1::double precision / 1000)";
        let age = millis(age);
        self.db
            .run("pruning the outbox", |pool| async move {
                sqlx::query(PRUNE).bind(age).execute(&pool).await
            })
            .await
            .map(|done| done.rows_affected())
            .map_err(SorError::from)
    }

    async fn stats(&self) -> Result<OutboxStats, SorError> {
        const STATS: &str = "select \
             count(*) filter (where outcome is null) as pending, \
             count(*) filter (where outcome = 'given_up') as given_up, \
             min(created_at) filter (where outcome is null) as oldest_pending \
             from notification_outbox";
        self.db
            .run("reading the outbox", |pool| async move {
                sqlx::query_as(STATS).fetch_one(&pool).await
            })
            .await
            .map_err(SorError::from)
    }
}

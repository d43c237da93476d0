//! One slice's work stored in one transaction, fenced by the series' lease: its summary, what
//! its examination decided (the detector's changes with their webhooks), the series' examined slice, and the move of its
//! live cursor or the backfill item done. A replica that lost the lease writes nothing.

use std::time::Duration;

use sqlx::PgPool;

use super::model::{Lease, SliceOutcome, SliceWork, WorkSource};
use pf_model::{saturate, SliceSecs};

/// One slice's work as it is stored.
pub(super) struct DoneSlice<'a> {
    pub(super) lease: &'a Lease,
    pub(super) work: &'a SliceWork,
    pub(super) outcome: &'a SliceOutcome,
    /// The summary's functions in their stored form.
    pub(super) functions: Option<String>,
    /// The slice's length: stored with its summary, and how far the live cursor moves.
    pub(super) slice_secs: SliceSecs,
    /// How long the lease is renewed for.
    pub(super) renew: Duration,
}

/// Stores `done` and renews the lease; `false` when the lease is no longer this replica's.
pub(super) async fn slice_done(pool: PgPool, done: DoneSlice<'_>) -> Result<bool, sqlx::Error> {
    let DoneSlice {
        lease,
        work,
        outcome,
        functions,
        slice_secs,
        renew,
    } = done;
    let summary = outcome.summary.as_ref();
    let (app, t) = (
        lease.series.app.as_str(),
        lease.series.profile_type.as_str(),
    );
    let mut tx = pool.begin().await?;
    // The fence: the row stays locked, with our token, until commit.
    let held: Option<i64> = sqlx::query_scalar(
        "update watch_series set lease_until = now() + make_interval(secs => $4), \
             last_error = null \
         where app_name = $1 and profile_type = $2 and lease_token = $3 \
         returning next_slice",
    )
    .bind(app)
    .bind(t)
    .bind(lease.token)
    .bind(renew.as_secs_f64())
    .fetch_optional(&mut *tx)
    .await?;
    if held.is_none() {
        return Ok(false);
    }
    if let (Some(summary), Some(functions)) = (summary, functions) {
        sqlx::query(
            "insert into profile_summary (app_name, profile_type, slice_start, \
                 slice_secs, total_samples, versions, git_refs, functions) \
             values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing",
        )
        .bind(app)
        .bind(t)
        .bind(work.start)
        .bind(slice_secs.get())
        .bind(saturate::<i64, _>(summary.total_samples))
        .bind(&summary.versions)
        .bind(&summary.refs)
        .bind(functions)
        .execute(&mut *tx)
        .await?;
    }
    if outcome.examined {
        if let Some(findings) = &outcome.findings {
            findings.write(&mut tx, &lease.series).await?;
        }
        sqlx::query(
            "update watch_series set examined_through = $3 \
             where app_name = $1 and profile_type = $2",
        )
        .bind(app)
        .bind(t)
        .bind(work.start)
        .execute(&mut *tx)
        .await?;
    }
    match work.source {
        WorkSource::Live => {
            sqlx::query(
                "update watch_series set next_slice = $4, failed_slice = null \
                 where app_name = $1 and profile_type = $2 and next_slice = $3",
            )
            .bind(app)
            .bind(t)
            .bind(work.start)
            .bind(work.start.saturating_add(slice_secs.secs()))
            .execute(&mut *tx)
            .await?;
        }
        WorkSource::Backfill { id, .. } => {
            sqlx::query(
                "update watch_backfill set state = 'done', settled_at = now() \
                 where id = $1",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}

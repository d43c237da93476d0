//! The watcher's shared work on PostgreSQL: series leased with `FOR UPDATE SKIP LOCKED`, every
//! write fenced by the lease token, so a replica that lost its series (paused, partitioned,
//! killed) cannot write over the one that continued it.

use std::time::Duration;

use async_trait::async_trait;

use super::done::{slice_done, DoneSlice};
use super::model::{Lease, Series, SliceOutcome, SliceWork, WorkSource};
use super::postgres::{stored_functions, PgSummaryStore};
use super::retention::drop_days_before;
use super::rows::NextRow;
use crate::WatchWork;
use pf_infra::sor::SorError;

/// Attempts of one backfill item before it is given up (a live slice is never given up).
const BACKFILL_ATTEMPTS: i32 = 5;

fn secs(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

fn series_of(app: String, profile_type: String) -> Result<Series, SorError> {
    let unreadable = |e: String| SorError::Unexpected(format!("unreadable series: {e}"));
    Ok(Series {
        app: app.parse().map_err(|e| unreadable(format!("{e}")))?,
        profile_type: profile_type
            .parse()
            .map_err(|e| unreadable(format!("{e}")))?,
    })
}

#[async_trait]
impl WatchWork for PgSummaryStore {
    async fn add_series(&self, series: &[Series], next_slice: i64) -> Result<(), SorError> {
        let apps: Vec<String> = series.iter().map(|s| s.app.as_str().to_owned()).collect();
        let types: Vec<&str> = series.iter().map(|s| s.profile_type.as_str()).collect();
        self.db
            .run("adding series", |pool| {
                let (apps, types) = (apps.clone(), types.clone());
                async move {
                    sqlx::query(
                        "insert into watch_series (app_name, profile_type, next_slice, watched_from) \
                         select * , $3, $3 from unnest($1::text[], $2::text[]) on conflict do nothing",
                    )
                    .bind(apps)
                    .bind(types)
                    .bind(next_slice)
                    .execute(&pool)
                    .await
                }
            })
            .await?;
        Ok(())
    }

    async fn claim(
        &self,
        holder: &str,
        limit: u32,
        lease: Duration,
        due: i64,
    ) -> Result<Vec<Lease>, SorError> {
        const CLAIM: &str =
            "update watch_series s set holder = $1, lease_token = s.lease_token + 1, \
                 lease_until = now() + make_interval(secs => $2) \
             from (select app_name, profile_type from watch_series w where lease_until < now() \
                 and (next_slice <= $3 or exists (select 1 from watch_backfill b \
                     where b.app_name = w.app_name and b.profile_type = w.profile_type \
                     and b.state = 'pending')) \
                 order by next_slice limit $4 for update skip locked) c \
             where s.app_name = c.app_name and s.profile_type = c.profile_type \
             returning s.app_name, s.profile_type, s.lease_token";
        let rows: Vec<(String, String, i64)> = self
            .db
            .run("claiming series", |pool| {
                let holder = holder.to_owned();
                async move {
                    sqlx::query_as(CLAIM)
                        .bind(holder)
                        .bind(secs(lease))
                        .bind(due)
                        .bind(i64::from(limit))
                        .fetch_all(&pool)
                        .await
                }
            })
            .await?;
        rows.into_iter()
            .map(|(app, t, token)| {
                Ok(Lease {
                    series: series_of(app, t)?,
                    token,
                })
            })
            .collect()
    }

    async fn next(&self, lease: &Lease, due: i64) -> Result<Option<SliceWork>, SorError> {
        // The earliest pending item, the live cursor, and whether each slice is summarized.
        const NEXT: &str = "select s.next_slice, s.examined_through, \
                 exists (select 1 from profile_summary p where p.app_name = s.app_name \
                     and p.profile_type = s.profile_type and p.slice_start = s.next_slice) \
                     as cursor_done, \
                 b.id as item_id, b.slice_start as item_start, b.notify as item_notify, \
                 exists (select 1 from profile_summary p where p.app_name = s.app_name \
                     and p.profile_type = s.profile_type and p.slice_start = b.slice_start) \
                     as item_done \
             from watch_series s left join lateral (select id, slice_start, notify \
                 from watch_backfill where app_name = s.app_name and profile_type = s.profile_type \
                 and state = 'pending' order by slice_start, id limit 1) b on true \
             where s.app_name = $1 and s.profile_type = $2 and s.lease_token = $3";
        let row: Option<NextRow> = self
            .db
            .run("reading the next slice", |pool| {
                let lease = lease.clone();
                async move {
                    sqlx::query_as(NEXT)
                        .bind(lease.series.app.as_str())
                        .bind(lease.series.profile_type.as_str())
                        .bind(lease.token)
                        .fetch_optional(&pool)
                        .await
                }
            })
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let examine = |start: i64| row.examined_through.is_none_or(|through| start > through);
        let cursor = row.next_slice;
        let live = (cursor <= due).then_some(SliceWork {
            start: cursor,
            source: WorkSource::Live,
            summarized: row.cursor_done,
            examine: examine(cursor),
        });
        let item = match (row.item_id, row.item_start) {
            (Some(id), Some(start)) => Some(SliceWork {
                start,
                source: WorkSource::Backfill {
                    id,
                    notify: row.item_notify.unwrap_or(false),
                },
                summarized: row.item_done,
                examine: examine(start),
            }),
            _ => None,
        };
        Ok(match (item, live) {
            (Some(item), Some(live)) if live.start < item.start => Some(live),
            (Some(item), _) => Some(item),
            (None, live) => live,
        })
    }

    async fn done(
        &self,
        lease: &Lease,
        work: &SliceWork,
        outcome: &SliceOutcome,
        renew: Duration,
    ) -> Result<bool, SorError> {
        let summary = outcome.summary.as_ref();
        if summary.is_some() {
            self.ensure_partition(work.start).await?;
        }
        let functions = summary.map(stored_functions);
        let slice_secs = self.slices.slice_secs;
        let held = self
            .db
            .run("storing a summary", |pool| {
                let done = DoneSlice {
                    lease,
                    work,
                    outcome,
                    functions: functions.clone(),
                    slice_secs,
                    renew,
                };
                slice_done(pool, done)
            })
            .await?;
        Ok(held)
    }

    async fn failed(&self, lease: &Lease, work: &SliceWork, error: &str) -> Result<(), SorError> {
        self.db
            .run("recording a failed slice", |pool| {
                let (lease, error) = (lease.clone(), error.to_owned());
                async move {
                    let (app, t) = (lease.series.app.as_str(), lease.series.profile_type.as_str());
                    // A live slice that failed is kept as tried
                    // (docs/profiles-over-time.md#whole-or-live): fleet answers name the
                    // app with the slices it lacks until the cursor moves on.
                    let live = match work.source {
                        WorkSource::Live => Some(work.start),
                        WorkSource::Backfill { .. } => None,
                    };
                    sqlx::query(
                        "update watch_series set last_error = $4, \
                             failed_slice = coalesce($5, failed_slice) where app_name = $1 \
                         and profile_type = $2 and lease_token = $3",
                    )
                    .bind(app)
                    .bind(t)
                    .bind(lease.token)
                    .bind(&error)
                    .bind(live)
                    .execute(&pool)
                    .await?;
                    if let WorkSource::Backfill { id, .. } = work.source {
                        sqlx::query(
                            "update watch_backfill set attempts = attempts + 1, last_error = $2, \
                                 state = case when attempts + 1 >= $3 then 'failed' else state end, \
                                 settled_at = case when attempts + 1 >= $3 then now() end \
                             where id = $1 and state = 'pending'",
                        )
                        .bind(id)
                        .bind(&error)
                        .bind(BACKFILL_ATTEMPTS)
                        .execute(&pool)
                        .await?;
                    }
                    Ok(())
                }
            })
            .await?;
        Ok(())
    }

    async fn release(&self, lease: &Lease) -> Result<(), SorError> {
        self.db
            .run("releasing a series", |pool| {
                let lease = lease.clone();
                async move {
                    sqlx::query(
                        "update watch_series set holder = null, lease_until = '-infinity' \
                         where app_name = $1 and profile_type = $2 and lease_token = $3",
                    )
                    .bind(lease.series.app.as_str())
                    .bind(lease.series.profile_type.as_str())
                    .bind(lease.token)
                    .execute(&pool)
                    .await
                }
            })
            .await?;
        Ok(())
    }

    async fn oldest_cursor(&self) -> Result<Option<i64>, SorError> {
        let oldest: Option<i64> = self
            .db
            .run("reading the oldest cursor", |pool| async move {
                sqlx::query_scalar("select min(next_slice) from watch_series")
                    .fetch_one(&pool)
                    .await
            })
            .await?;
        Ok(oldest)
    }

    async fn drop_before(&self, before: i64) -> Result<Vec<String>, SorError> {
        let names = self
            .db
            .run("dropping old summaries", |pool| {
                drop_days_before(pool, before)
            })
            .await?;
        if !names.is_empty() {
            self.forget_partitions();
        }
        Ok(names)
    }
}

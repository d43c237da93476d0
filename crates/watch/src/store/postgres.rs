//! Summaries on PostgreSQL: one row per (app, type, slice) in `profile_summary`, partitioned by
//! day; reads for `/trends` and `/metrics`, and backfills queued as items.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;

use super::model::{Backfill, BackfillCounts, Latest, Series, SeriesSummary};
use super::rows::{SliceRow, SummaryRow};
use crate::SummarySor;
use pf_infra::db::Database;
use pf_infra::sor::SorError;
use pf_model::trend::{KeptFunction, SliceSummary};
use pf_model::trend_view::StoredSlice;
use pf_model::{saturate, AppName, ProfileType, Slices, TimeWindow};

/// Advisory-lock key of the start-up backfill, so replicas starting together queue it once.
const START_UP_BACKFILL_LOCK: i64 = 0x5741_5443_4842_4631;

/// A kept function as stored: `[name, selfSamples, totalSamples]`.
pub(super) type StoredFunction = (String, i64, i64);

/// The watcher's store.
#[derive(Clone)]
pub struct PgSummaryStore {
    pub(super) db: Database,
    /// The slice grid: how far a live cursor moves.
    pub(super) slices: Slices,
    /// Days whose partition this process made sure of.
    pub(super) days: Arc<Mutex<HashSet<i64>>>,
}

impl PgSummaryStore {
    pub fn new(db: Database, slices: Slices) -> Self {
        PgSummaryStore {
            db,
            slices,
            days: Arc::default(),
        }
    }

    /// Creates the day partition holding `start` unless this process knows it exists.
    pub(super) async fn ensure_partition(&self, start: i64) -> Result<(), SorError> {
        let day = start.div_euclid(86_400);
        if self
            .days
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&day)
        {
            return Ok(());
        }
        self.db
            .run("creating a summary partition", |pool| async move {
                sqlx::query("select profile_summary_partition($1)")
                    .bind(start)
                    .execute(&pool)
                    .await
            })
            .await?;
        self.days
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(day);
        Ok(())
    }

    /// `app`'s summaries of `profile_type` whose slice starts in `window`, oldest first, their
    /// functions as stored: what a trend reads as it is, and the summaries after parsing.
    pub(super) async fn stored(
        &self,
        app: AppName,
        profile_type: ProfileType,
        window: TimeWindow,
    ) -> Result<Vec<StoredSlice>, SorError> {
        let rows: Vec<SliceRow> = self
            .db
            .run("reading summaries", |pool| {
                let app = app.as_str().to_owned();
                async move {
                    sqlx::query_as(
                        "select slice_start, total_samples, versions, git_refs, functions \
                         from profile_summary where app_name = $1 and profile_type = $2 \
                         and slice_start >= $3 and slice_start < $4 order by slice_start",
                    )
                    .bind(app)
                    .bind(profile_type.as_str())
                    .bind(window.from)
                    .bind(window.to)
                    .fetch_all(&pool)
                    .await
                }
            })
            .await?;
        Ok(rows.into_iter().map(SliceRow::stored).collect())
    }

    /// Forgets the partitions this process made sure of (after retention dropped some).
    pub(super) fn forget_partitions(&self) {
        self.days
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// A summary as stored, from its row; counts a database cannot hold are clamped.
pub(super) fn from_row(row: SummaryRow) -> Result<(Series, SliceSummary), SorError> {
    let series = Series {
        app: row
            .fleet
            .app_name
            .parse()
            .map_err(|e| unreadable(format!("{e}")))?,
        profile_type: row
            .profile_type
            .parse()
            .map_err(|e| unreadable(format!("{e}")))?,
    };
    Ok((series, summary_of(row.fleet.slice.stored())?))
}

fn unreadable(what: String) -> SorError {
    SorError::Unexpected(format!("unreadable summary: {what}"))
}

/// A stored summary with its functions read.
pub(super) fn summary_of(stored: StoredSlice) -> Result<SliceSummary, SorError> {
    let functions: Vec<StoredFunction> =
        serde_json::from_str(&stored.functions).map_err(|e| unreadable(format!("{e}")))?;
    Ok(SliceSummary {
        start: stored.start,
        total_samples: stored.total_samples,
        versions: stored.versions,
        refs: stored.refs,
        functions: functions
            .into_iter()
            .map(|(name, self_samples, total_samples)| {
                KeptFunction::new(name, saturate(self_samples), saturate(total_samples))
            })
            .collect(),
    })
}

/// What a summary's functions are stored as: the JSON text of `[name, self, total]` triples.
pub(super) fn stored_functions(summary: &SliceSummary) -> String {
    let triples: Vec<(&str, i64, i64)> = summary
        .functions
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                saturate(f.self_samples),
                saturate(f.total_samples),
            )
        })
        .collect();
    serde_json::to_string(&triples).unwrap_or_else(|_| "[]".to_owned())
}

const SUMMARY_COLUMNS: &str =
    "app_name, profile_type, slice_start, total_samples, versions, git_refs, functions";

#[async_trait]
impl SummarySor for PgSummaryStore {
    async fn summaries(
        &self,
        app: AppName,
        profile_type: ProfileType,
        window: TimeWindow,
    ) -> Result<Vec<SliceSummary>, SorError> {
        self.stored(app, profile_type, window)
            .await?
            .into_iter()
            .map(summary_of)
            .collect()
    }

    async fn latest(&self, since: i64, written_after: f64) -> Result<Latest, SorError> {
        // Rows are never rewritten (`on conflict do nothing`), so their `created_at` says
        // when each was written.
        let sql = format!(
            "select distinct on (app_name, profile_type) {SUMMARY_COLUMNS} from profile_summary \
             where slice_start >= $1 and created_at > to_timestamp($2) \
             order by app_name, profile_type, slice_start desc"
        );
        let (read_at, rows): (f64, Vec<SummaryRow>) = self
            .db
            .run("reading the latest summaries", |pool| {
                let sql = sql.clone();
                async move {
                    let read_at = sqlx::query_scalar("select extract(epoch from now())::float8")
                        .fetch_one(&pool)
                        .await?;
                    let rows = sqlx::query_as(&sql)
                        .bind(since)
                        .bind(written_after)
                        .fetch_all(&pool)
                        .await?;
                    Ok((read_at, rows))
                }
            })
            .await?;
        let summaries = rows
            .into_iter()
            .map(|r| from_row(r).map(|(series, summary)| SeriesSummary { series, summary }))
            .collect::<Result<_, _>>()?;
        Ok(Latest { summaries, read_at })
    }

    async fn queue_backfill(
        &self,
        backfill: &Backfill,
        only_if_empty: bool,
    ) -> Result<u64, SorError> {
        let apps: Vec<String> = backfill
            .apps
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect();
        let types: Vec<&'static str> = backfill.types.iter().map(|t| t.as_str()).collect();
        let queued = self
            .db
            .run("queuing a backfill", |pool| {
                let (apps, types) = (apps.clone(), types.clone());
                async move {
                    let mut tx = pool.begin().await?;
                    if only_if_empty {
                        sqlx::query("select pg_advisory_xact_lock($1)")
                            .bind(START_UP_BACKFILL_LOCK)
                            .execute(&mut *tx)
                            .await?;
                        let known: bool =
                            sqlx::query_scalar("select exists (select 1 from watch_series)")
                                .fetch_one(&mut *tx)
                                .await?;
                        if known {
                            return Ok(0);
                        }
                    }
                    sqlx::query(
                        "insert into watch_series (app_name, profile_type, next_slice, watched_from) \
                         select a, t, $3, $3 from unnest($1::text[]) a cross join unnest($2::text[]) t \
                         on conflict do nothing",
                    )
                    .bind(&apps)
                    .bind(&types)
                    .bind(backfill.live_from)
                    .execute(&mut *tx)
                    .await?;
                    let inserted = sqlx::query(
                        "insert into watch_backfill (app_name, profile_type, slice_start, notify) \
                         select a, t, s, $6 from unnest($1::text[]) a cross join unnest($2::text[]) t \
                         cross join generate_series($3::bigint, $4::bigint - 1, $5::bigint) s \
                         where not exists (select 1 from profile_summary p where p.app_name = a \
                             and p.profile_type = t and p.slice_start = s) \
                         order by a, t, s",
                    )
                    .bind(&apps)
                    .bind(&types)
                    .bind(backfill.from)
                    .bind(backfill.to)
                    .bind(backfill.slice_secs.get())
                    .bind(backfill.notify)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    tx.commit().await?;
                    Ok(inserted)
                }
            })
            .await?;
        Ok(queued)
    }

    async fn backfill_counts(&self) -> Result<BackfillCounts, SorError> {
        let (pending, done, failed): (i64, i64, i64) = self
            .db
            .run("counting backfill items", |pool| async move {
                sqlx::query_as(
                    "select count(*) filter (where state = 'pending'), \
                         count(*) filter (where state = 'done'), \
                         count(*) filter (where state = 'failed') from watch_backfill",
                )
                .fetch_one(&pool)
                .await
            })
            .await?;
        Ok(BackfillCounts {
            pending: saturate(pending),
            done: saturate(done),
            failed: saturate(failed),
        })
    }
}

//! `HistorySor` on PostgreSQL (`triage_history`). Creates arriving together are combined into
//! one multi-row insert: a burst of assessments then costs one commit, not one each.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::value::RawValue;
use sqlx::types::Json;
use tokio::sync::{mpsc, oneshot, Semaphore};

use super::model::{HistoryQuery, HistoryRecord, NewHistoryRecord};
use crate::db::Database;
use crate::profile::AppName;
use crate::sor::{HistorySor, SorError};

const COLUMNS: &str = "id, app_name, profile_types, diagnosis, severity, top_functions, \
                       recommendation, requested_by, created_at";

/// Most records one insert carries.
const MAX_BATCH: usize = 256;
/// Creates waiting for a writer; past this a caller waits for room.
const QUEUE_CAPACITY: usize = 4096;

/// A create waiting to be written, and where its answer goes.
struct PendingCreate {
    record: NewHistoryRecord,
    reply: oneshot::Sender<Result<HistoryRecord, SorError>>,
}

/// Assessments stored in the `triage_history` table.
#[derive(Clone)]
pub struct PgHistoryStore {
    db: Database,
    creates: mpsc::Sender<PendingCreate>,
}

impl PgHistoryStore {
    /// The store, and the task that writes its creates; call it inside a Tokio runtime. Half
    /// the pool's connections (at least one) may be writing at once; the rest stay for reads.
    pub fn new(db: Database) -> Self {
        let (creates, queue) = mpsc::channel(QUEUE_CAPACITY);
        let pool_size = db.pool_stats().map_or(1, |pool| pool.max);
        let writers = usize::try_from(pool_size / 2).unwrap_or(1).max(1);
        tokio::spawn(combine_creates(db.clone(), queue, writers));
        PgHistoryStore { db, creates }
    }
}

/// Takes whatever creates are waiting (up to [`MAX_BATCH`]) as one batch per free writer.
async fn combine_creates(db: Database, mut queue: mpsc::Receiver<PendingCreate>, writers: usize) {
    let slots = Arc::new(Semaphore::new(writers));
    while let Some(first) = queue.recv().await {
        // Waiting for a writer before draining lets the batch grow while all are busy.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(pending) => batch.push(pending),
                Err(_) => break,
            }
        }
        let db = db.clone();
        tokio::spawn(async move {
            write_batch(&db, batch).await;
            drop(slot);
        });
    }
}

/// Where and when the database stored a row.
type RowKey = (i32, DateTime<Utc>);

/// Writes a batch in one statement. When the database refuses it (one bad record, say), each
/// record is written alone, so only the bad one fails; an outage fails them all alike.
async fn write_batch(db: &Database, batch: Vec<PendingCreate>) {
    let records: Vec<&NewHistoryRecord> = batch.iter().map(|p| &p.record).collect();
    match insert(db, &records).await {
        Ok(keys) => {
            for (pending, key) in batch.into_iter().zip(keys) {
                pending.answer(Ok(key));
            }
        }
        Err(e)
            if batch.len() == 1 || matches!(e, SorError::Unavailable(_) | SorError::Timeout(_)) =>
        {
            for pending in batch {
                pending.answer(Err(e.clone()));
            }
        }
        Err(e) => {
            tracing::debug!(error = %e, size = batch.len(), "batch refused; writing its records one by one");
            for pending in batch {
                let key = insert(db, &[&pending.record])
                    .await
                    .map(|mut keys| keys.remove(0));
                pending.answer(key);
            }
        }
    }
}

impl PendingCreate {
    /// Hands the caller its stored record, or the error. A caller that went away no longer
    /// wants its answer; a row written for it stays stored.
    fn answer(self, key: Result<RowKey, SorError>) {
        let result = key.map(|(id, created_at)| self.record.stored(id, created_at));
        let _ = self.reply.send(result);
    }
}

/// Inserts `records` in one statement; the keys come back in the order of `records`. Only the
/// key is returned: echoing every column back, the JSON included, would cost the writer more
/// than the insert itself.
async fn insert(db: &Database, records: &[&NewHistoryRecord]) -> Result<Vec<RowKey>, SorError> {
    // `order by n` makes the serial ids follow the order of `records`.
    const SQL: &str = "insert into triage_history \
             (app_name, profile_types, diagnosis, severity, top_functions, recommendation, \
              requested_by) \
         select app_name, profile_types, diagnosis, severity, top_functions, recommendation, \
                requested_by \
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[], \
                     $7::text[]) \
              with ordinality as r(app_name, profile_types, diagnosis, severity, top_functions, \
                                   recommendation, requested_by, n) \
         order by n \
         returning id, created_at";
    let what = if records.len() == 1 {
        "saving a history record"
    } else {
        "saving history records"
    };
    let apps: Vec<&str> = records.iter().map(|r| r.app_name.as_str()).collect();
    let types: Vec<&str> = records.iter().map(|r| r.profile_types.as_str()).collect();
    let diagnoses: Vec<&str> = records.iter().map(|r| r.diagnosis.as_str()).collect();
    let severities: Vec<&str> = records.iter().map(|r| r.severity.as_str()).collect();
    let tops: Vec<Option<Json<&RawValue>>> = records
        .iter()
        .map(|r| r.top_functions.as_ref().map(|t| Json(t.as_raw())))
        .collect();
    let recommendations: Vec<Option<&str>> = records
        .iter()
        .map(|r| r.recommendation.as_deref())
        .collect();
    let requesters: Vec<Option<&str>> = records.iter().map(|r| r.requested_by.as_deref()).collect();
    let mut keys = db
        .run(what, |pool| {
            let (apps, types, diagnoses, severities) = (&apps, &types, &diagnoses, &severities);
            let (tops, recommendations, requesters) = (&tops, &recommendations, &requesters);
            async move {
                sqlx::query_as::<_, RowKey>(SQL)
                    .bind(apps)
                    .bind(types)
                    .bind(diagnoses)
                    .bind(severities)
                    .bind(tops)
                    .bind(recommendations)
                    .bind(requesters)
                    .fetch_all(&pool)
                    .await
            }
        })
        .await?;
    if keys.len() != records.len() {
        return Err(SorError::Unexpected(format!(
            "inserting {} history records returned {} rows",
            records.len(),
            keys.len()
        )));
    }
    keys.sort_unstable_by_key(|(id, _)| *id);
    Ok(keys)
}

#[async_trait]
impl HistorySor for PgHistoryStore {
    #[tracing::instrument(skip_all, fields(app = %record.app_name, severity = record.severity.as_str()))]
    async fn create(&self, record: NewHistoryRecord) -> Result<HistoryRecord, SorError> {
        // Without a usable database there is nothing to queue for: answer at once.
        self.db.pool()?;
        let stopped = || SorError::Unexpected("the history writer has stopped".to_owned());
        let (reply, answer) = oneshot::channel();
        self.creates
            .send(PendingCreate { record, reply })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    #[tracing::instrument(skip_all, fields(app = %app, limit = query.limit, offset = query.offset))]
    async fn list(
        &self,
        app: AppName,
        query: HistoryQuery,
    ) -> Result<Vec<HistoryRecord>, SorError> {
        let sql = format!(
            "select {COLUMNS} from triage_history \
             where app_name = $1 \
               and ($2::timestamptz is null or created_at >= $2) \
               and ($3::timestamptz is null or created_at < $3) \
             order by created_at desc, id desc \
             limit $4 offset $5"
        );
        self.db
            .run("listing history", |pool| {
                let sql = sql.clone();
                let app = app.clone();
                async move {
                    sqlx::query_as::<_, HistoryRecord>(&sql)
                        .bind(app.as_str())
                        .bind(query.from)
                        .bind(query.to)
                        .bind(i64::from(query.limit))
                        .bind(i64::from(query.offset))
                        .fetch_all(&pool)
                        .await
                }
            })
            .await
            .map_err(SorError::from)
    }

    #[tracing::instrument(skip_all, fields(app = %app))]
    async fn latest(&self, app: AppName) -> Result<HistoryRecord, SorError> {
        let sql = format!(
            "select {COLUMNS} from triage_history \
             where app_name = $1 \
             order by created_at desc, id desc \
             limit 1"
        );
        self.db
            .run("reading the latest history record", |pool| {
                let sql = sql.clone();
                let app = app.clone();
                async move {
                    sqlx::query_as::<_, HistoryRecord>(&sql)
                        .bind(app.as_str())
                        .fetch_optional(&pool)
                        .await
                }
            })
            .await?
            .ok_or_else(|| SorError::NotFound(format!("no history for app `{app}`")))
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn delete(&self, id: i32) -> Result<(), SorError> {
        self.db
            .delete_by_id(
                "deleting a history record",
                "delete from triage_history where id = $1",
                id,
                || SorError::NotFound(format!("history record {id} not found")),
            )
            .await
    }
}

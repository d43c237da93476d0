//! `HistorySor` on PostgreSQL (`triage_history`). Any number of records go in one insert, and
//! a record whose key is stored already is skipped, so a write can be retried safely.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::value::RawValue;
use sqlx::types::Json;
use uuid::Uuid;

use super::model::{HistoryQuery, HistoryRecord, NewHistoryRecord};
use super::RecordKey;
use crate::HistorySor;
use pf_infra::db::Database;
use pf_infra::sor::rows::decode_each;
use pf_infra::sor::SorError;
use pf_infra::telemetry::Metrics;
use pf_model::AppName;

const COLUMNS: &str = "id, app_name, profile_types, diagnosis, severity, top_functions, \
                       recommendation, requested_by, on_behalf_of, labels, created_at";

/// Assessments stored in the `triage_history` table.
#[derive(Clone)]
pub struct PgHistoryStore {
    db: Database,
    metrics: Arc<Metrics>,
}

impl PgHistoryStore {
    /// `metrics` counts rows that listings leave out because they cannot be read.
    pub fn new(db: Database, metrics: Arc<Metrics>) -> Self {
        PgHistoryStore { db, metrics }
    }

    /// The stored row with `key`: the answer to a create that was stored before.
    async fn by_key(&self, key: RecordKey) -> Result<HistoryRecord, SorError> {
        let sql = format!("select {COLUMNS} from triage_history where record_key = $1");
        self.db
            .run("reading a stored history record", |pool| {
                let sql = sql.clone();
                async move {
                    sqlx::query_as::<_, HistoryRecord>(&sql)
                        .bind(key.as_uuid())
                        .fetch_optional(&pool)
                        .await
                }
            })
            .await?
            // Stored by an earlier try, and deleted since.
            .ok_or_else(|| {
                SorError::Conflict(format!("history record {key} was stored and deleted since"))
            })
    }
}

/// Where and when the database stored a row.
type RowKey = (i32, DateTime<Utc>);

/// Inserts the `records` not stored yet in one statement; returns where and when each row it
/// inserted was stored, in the order of `records`. Only that is returned: echoing every column
/// back, the JSON included, would cost more than the insert itself.
async fn insert(db: &Database, records: &[NewHistoryRecord]) -> Result<Vec<RowKey>, SorError> {
    // `order by n` makes the serial ids follow the order of `records`.
    const SQL: &str = "insert into triage_history \
             (record_key, app_name, profile_types, diagnosis, severity, top_functions, \
              recommendation, requested_by, on_behalf_of, labels) \
         select record_key, app_name, profile_types, diagnosis, severity, top_functions, \
                recommendation, requested_by, on_behalf_of, labels \
         from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], \
                     $7::text[], $8::text[], $9::text[], $10::text[]) \
              with ordinality as r(record_key, app_name, profile_types, diagnosis, severity, \
                                   top_functions, recommendation, requested_by, on_behalf_of, \
                                   labels, n) \
         order by n \
         on conflict (record_key) do nothing \
         returning id, created_at";
    let what = if records.len() == 1 {
        "saving a history record"
    } else {
        "saving history records"
    };
    let keys: Vec<Uuid> = records.iter().map(|r| r.key.as_uuid()).collect();
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
    let claims: Vec<Option<&str>> = records.iter().map(|r| r.on_behalf_of.as_deref()).collect();
    let labels: Vec<Option<&str>> = records.iter().map(|r| r.labels.as_deref()).collect();
    let mut rows = db
        .run(what, |pool| {
            let (keys, apps, types, diagnoses) = (&keys, &apps, &types, &diagnoses);
            let (severities, tops) = (&severities, &tops);
            let (recommendations, requesters, labels) = (&recommendations, &requesters, &labels);
            let claims = &claims;
            async move {
                sqlx::query_as::<_, RowKey>(SQL)
                    .bind(keys)
                    .bind(apps)
                    .bind(types)
                    .bind(diagnoses)
                    .bind(severities)
                    .bind(tops)
                    .bind(recommendations)
                    .bind(requesters)
                    .bind(claims)
                    .bind(labels)
                    .fetch_all(&pool)
                    .await
            }
        })
        .await?;
    rows.sort_unstable_by_key(|(id, _)| *id);
    Ok(rows)
}

#[async_trait]
impl HistorySor for PgHistoryStore {
    #[tracing::instrument(skip_all, fields(app = %record.app_name, severity = record.severity.as_str()))]
    async fn create(&self, record: NewHistoryRecord) -> Result<HistoryRecord, SorError> {
        let inserted = insert(&self.db, std::slice::from_ref(&record)).await?;
        match inserted.first() {
            Some(&(id, created_at)) => Ok(record.stored(id, created_at)),
            // Its key is stored already (a retried create): answer that row, as it is.
            None => self.by_key(record.key).await,
        }
    }

    #[tracing::instrument(skip_all, fields(records = records.len()))]
    async fn create_many(&self, records: &[NewHistoryRecord]) -> Result<(), SorError> {
        if records.is_empty() {
            return Ok(());
        }
        insert(&self.db, records).await.map(drop)
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
        let rows = self
            .db
            .run("listing history", |pool| {
                let sql = sql.clone();
                let app = app.clone();
                async move {
                    sqlx::query(&sql)
                        .bind(app.as_str())
                        .bind(query.from)
                        .bind(query.to)
                        .bind(i64::from(query.limit))
                        .bind(i64::from(query.offset))
                        .fetch_all(&pool)
                        .await
                }
            })
            .await?;
        Ok(decode_each(rows, "history", &self.metrics))
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

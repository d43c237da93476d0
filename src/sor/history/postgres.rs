//! `HistorySor` on PostgreSQL (`triage_history`).

use async_trait::async_trait;

use super::model::{HistoryQuery, HistoryRecord, NewHistoryRecord};
use crate::db::Database;
use crate::profile::AppName;
use crate::sor::{HistorySor, SorError};

const COLUMNS: &str = "id, app_name, profile_types, diagnosis, severity, top_functions, \
                       recommendation, requested_by, created_at";

/// Assessments stored in the `triage_history` table.
#[derive(Clone)]
pub struct PgHistoryStore {
    db: Database,
}

impl PgHistoryStore {
    pub fn new(db: Database) -> Self {
        PgHistoryStore { db }
    }
}

#[async_trait]
impl HistorySor for PgHistoryStore {
    #[tracing::instrument(skip_all, fields(app = %record.app_name, severity = record.severity.as_str()))]
    async fn create(&self, record: NewHistoryRecord) -> Result<HistoryRecord, SorError> {
        let sql = format!(
            "insert into triage_history \
                 (app_name, profile_types, diagnosis, severity, top_functions, recommendation, \
                  requested_by) \
             values ($1, $2, $3, $4, $5, $6, $7) \
             returning {COLUMNS}"
        );
        let r = &record;
        self.db
            .run("saving a history record", |pool| {
                let sql = sql.clone();
                async move {
                    sqlx::query_as::<_, HistoryRecord>(&sql)
                        .bind(r.app_name.as_str())
                        .bind(&r.profile_types)
                        .bind(&r.diagnosis)
                        .bind(r.severity.as_str())
                        .bind(&r.top_functions)
                        .bind(&r.recommendation)
                        .bind(&r.requested_by)
                        .fetch_one(&pool)
                        .await
                }
            })
            .await
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

//! `BaselineSor` on PostgreSQL (`performance_baseline`).

use async_trait::async_trait;

use super::model::{Baseline, BaselinePatch, NewBaseline};
use crate::BaselineSor;
use pf_infra::db::Database;
use pf_infra::sor::SorError;
use pf_model::{AppName, ProfileType};

const COLUMNS: &str = "id, app_name, profile_type, function_name, max_self_percent, severity, \
                       created_by, on_behalf_of, created_at, updated_at";

/// Baselines stored in the `performance_baseline` table.
#[derive(Clone)]
pub struct PgBaselineStore {
    db: Database,
}

impl PgBaselineStore {
    pub fn new(db: Database) -> Self {
        PgBaselineStore { db }
    }
}

#[async_trait]
impl BaselineSor for PgBaselineStore {
    #[tracing::instrument(skip_all, fields(app = %baseline.app_name, profile_type = %baseline.profile_type))]
    async fn upsert(&self, baseline: NewBaseline) -> Result<Baseline, SorError> {
        let sql = format!(
            "insert into performance_baseline \
                 (app_name, profile_type, function_name, max_self_percent, severity, created_by, \
                  on_behalf_of) \
             values ($1, $2, $3, $4, $5, $6, $7) \
             on conflict (app_name, profile_type, function_name) do update set \
                 max_self_percent = excluded.max_self_percent, \
                 severity = excluded.severity, \
                 on_behalf_of = case when excluded.created_by is null \
                     then performance_baseline.on_behalf_of else excluded.on_behalf_of end, \
                 created_by = coalesce(excluded.created_by, performance_baseline.created_by) \
             returning {COLUMNS}"
        );
        let b = &baseline;
        self.db
            .run("saving a baseline", |pool| {
                let sql = sql.clone();
                async move {
                    sqlx::query_as::<_, Baseline>(&sql)
                        .bind(b.app_name.as_str())
                        .bind(b.profile_type.as_str())
                        .bind(&b.function_name)
                        .bind(b.max_self_percent)
                        .bind(b.severity.as_str())
                        .bind(&b.created_by)
                        .bind(&b.on_behalf_of)
                        .fetch_one(&pool)
                        .await
                }
            })
            .await
            .map_err(SorError::from)
    }

    #[tracing::instrument(skip_all, fields(app = %app))]
    async fn list(
        &self,
        app: AppName,
        profile_type: Option<ProfileType>,
    ) -> Result<Vec<Baseline>, SorError> {
        let sql = format!(
            "select {COLUMNS} from performance_baseline \
             where app_name = $1 and ($2::varchar is null or profile_type = $2) \
             order by profile_type, function_name"
        );
        let profile_type = profile_type.map(ProfileType::as_str);
        self.db
            .run("listing baselines", |pool| {
                let sql = sql.clone();
                let app = app.clone();
                async move {
                    sqlx::query_as::<_, Baseline>(&sql)
                        .bind(app.as_str())
                        .bind(profile_type)
                        .fetch_all(&pool)
                        .await
                }
            })
            .await
            .map_err(SorError::from)
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn get(&self, id: i32) -> Result<Baseline, SorError> {
        let sql = format!("select {COLUMNS} from performance_baseline where id = $1");
        self.db
            .run("reading a baseline", |pool| {
                let sql = sql.clone();
                async move {
                    sqlx::query_as::<_, Baseline>(&sql)
                        .bind(id)
                        .fetch_optional(&pool)
                        .await
                }
            })
            .await?
            .ok_or_else(|| SorError::NotFound(format!("baseline {id} not found")))
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn update(&self, id: i32, patch: BaselinePatch) -> Result<Baseline, SorError> {
        let sql = format!(
            "update performance_baseline set \
                 max_self_percent = coalesce($2, max_self_percent), \
                 severity = coalesce($3, severity) \
             where id = $1 \
             returning {COLUMNS}"
        );
        let severity = patch.severity.map(|s| s.as_str());
        self.db
            .run("updating a baseline", |pool| {
                let sql = sql.clone();
                async move {
                    sqlx::query_as::<_, Baseline>(&sql)
                        .bind(id)
                        .bind(patch.max_self_percent)
                        .bind(severity)
                        .fetch_optional(&pool)
                        .await
                }
            })
            .await?
            .ok_or_else(|| SorError::NotFound(format!("baseline {id} not found")))
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn delete(&self, id: i32) -> Result<(), SorError> {
        self.db
            .delete_by_id(
                "deleting a baseline",
                "delete from performance_baseline where id = $1",
                id,
                || SorError::NotFound(format!("baseline {id} not found")),
            )
            .await
    }
}

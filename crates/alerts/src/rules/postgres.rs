//! `AlertRuleSor` on PostgreSQL (`alert_rule`).

use async_trait::async_trait;

use super::model::{AlertRule, AlertRulePatch, NewAlertRule};
use crate::rules::AlertRuleSor;
use pf_infra::db::Database;
use pf_infra::sor::SorError;
use pf_model::{AppName, ProfileType, Severity};

const COLUMNS: &str = "id, app_name, profile_type, function_pattern, threshold_percent, severity, \
                       notification_channel, enabled, for_seconds, created_by, on_behalf_of, \
                       created_at, updated_at";

/// Rules stored in the `alert_rule` table.
#[derive(Clone)]
pub struct PgAlertRuleStore {
    db: Database,
}

impl PgAlertRuleStore {
    pub fn new(db: Database) -> Self {
        PgAlertRuleStore { db }
    }
}

#[async_trait]
impl AlertRuleSor for PgAlertRuleStore {
    #[tracing::instrument(skip_all, fields(app = %rule.app_name, profile_type = %rule.profile_type))]
    async fn create(&self, rule: NewAlertRule) -> Result<AlertRule, SorError> {
        let sql = format!(
            "insert into alert_rule \
                 (app_name, profile_type, function_pattern, threshold_percent, severity, \
                  notification_channel, enabled, created_by, for_seconds, on_behalf_of) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             returning {COLUMNS}"
        );
        let r = &rule;
        self.db
            .run("saving an alert rule", |pool| {
                let sql = sql.clone();
                async move {
                    sqlx::query_as::<_, AlertRule>(&sql)
                        .bind(r.app_name.as_str())
                        .bind(r.profile_type.as_str())
                        .bind(&r.function_pattern)
                        .bind(r.threshold_percent)
                        .bind(r.severity.as_str())
                        .bind(&r.notification_channel)
                        .bind(r.enabled)
                        .bind(&r.created_by)
                        .bind(r.for_seconds)
                        .bind(&r.on_behalf_of)
                        .fetch_one(&pool)
                        .await
                }
            })
            .await
            .map_err(SorError::from)
    }

    #[tracing::instrument(skip_all, fields(app = app.as_ref().map(AppName::as_str)))]
    async fn list(&self, app: Option<AppName>) -> Result<Vec<AlertRule>, SorError> {
        let sql = format!(
            "select {COLUMNS} from alert_rule \
             where ($1::varchar is null or app_name = $1) \
             order by id"
        );
        self.db
            .run("listing alert rules", |pool| {
                let sql = sql.clone();
                let app = app.clone();
                async move {
                    sqlx::query_as::<_, AlertRule>(&sql)
                        .bind(app.as_ref().map(AppName::as_str))
                        .fetch_all(&pool)
                        .await
                }
            })
            .await
            .map_err(SorError::from)
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn get(&self, id: i32) -> Result<AlertRule, SorError> {
        let sql = format!("select {COLUMNS} from alert_rule where id = $1");
        self.db
            .run("reading an alert rule", |pool| {
                let sql = sql.clone();
                async move {
                    sqlx::query_as::<_, AlertRule>(&sql)
                        .bind(id)
                        .fetch_optional(&pool)
                        .await
                }
            })
            .await?
            .ok_or_else(|| not_found(id))
    }

    #[tracing::instrument(skip_all, fields(app = %app))]
    async fn active(&self, app: AppName) -> Result<Vec<AlertRule>, SorError> {
        let sql = format!(
            "select {COLUMNS} from alert_rule \
             where app_name = $1 and enabled \
             order by id"
        );
        self.db
            .run("listing active alert rules", |pool| {
                let sql = sql.clone();
                let app = app.clone();
                async move {
                    sqlx::query_as::<_, AlertRule>(&sql)
                        .bind(app.as_str())
                        .fetch_all(&pool)
                        .await
                }
            })
            .await
            .map_err(SorError::from)
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn update(&self, id: i32, patch: AlertRulePatch) -> Result<AlertRule, SorError> {
        // One statement: each nullable field comes with a flag saying whether the patch names it,
        // so `null` (clear) and absent (keep) stay distinct; the others are never null.
        let sql = format!(
            "update alert_rule set \
                 profile_type = coalesce($2, profile_type), \
                 function_pattern = case when $3 then $4 else function_pattern end, \
                 threshold_percent = coalesce($5, threshold_percent), \
                 severity = coalesce($6, severity), \
                 notification_channel = case when $7 then $8 else notification_channel end, \
                 enabled = coalesce($9, enabled), \
                 for_seconds = coalesce($10, for_seconds) \
             where id = $1 \
             returning {COLUMNS}"
        );
        let p = &patch;
        self.db
            .run("updating an alert rule", |pool| {
                let sql = sql.clone();
                async move {
                    sqlx::query_as::<_, AlertRule>(&sql)
                        .bind(id)
                        .bind(p.profile_type.map(ProfileType::as_str))
                        .bind(p.function_pattern.is_some())
                        .bind(p.function_pattern.as_ref().and_then(Option::as_deref))
                        .bind(p.threshold_percent)
                        .bind(p.severity.map(Severity::as_str))
                        .bind(p.notification_channel.is_some())
                        .bind(p.notification_channel.as_ref().and_then(Option::as_deref))
                        .bind(p.enabled)
                        .bind(p.for_seconds)
                        .fetch_optional(&pool)
                        .await
                }
            })
            .await?
            .ok_or_else(|| not_found(id))
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn delete(&self, id: i32) -> Result<(), SorError> {
        self.db
            .delete_by_id(
                "deleting an alert rule",
                "delete from alert_rule where id = $1",
                id,
                || not_found(id),
            )
            .await
    }
}

fn not_found(id: i32) -> SorError {
    SorError::NotFound(format!("alert rule {id} not found"))
}

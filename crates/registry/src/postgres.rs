//! `RegistrySor` on PostgreSQL (`service_registry`).

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::types::Json;

use super::model::{NewService, Service, ServicePatch, Tier};
use crate::RegistrySor;
use pf_infra::db::Database;
use pf_infra::sor::rows::decode_each;
use pf_infra::sor::SorError;
use pf_infra::telemetry::Metrics;
use pf_model::AppName;

const COLUMNS: &str = "id, app_name, team_owner, tier, environment, notification_channel, \
                       pyroscope_labels, metadata, created_at, updated_at";

/// Services stored in the `service_registry` table.
#[derive(Clone)]
pub struct PgRegistryStore {
    db: Database,
    metrics: Arc<Metrics>,
}

impl PgRegistryStore {
    /// `metrics` counts rows that listings leave out because they cannot be read.
    pub fn new(db: Database, metrics: Arc<Metrics>) -> Self {
        PgRegistryStore { db, metrics }
    }
}

#[async_trait]
impl RegistrySor for PgRegistryStore {
    #[tracing::instrument(skip_all, fields(app = %service.app_name, tier = service.tier.as_str()))]
    async fn upsert(&self, service: NewService) -> Result<Service, SorError> {
        // A registration is replaced as a whole: fields the new body omits get their defaults.
        let sql = format!(
            "insert into service_registry \
                 (app_name, team_owner, tier, environment, notification_channel, \
                  pyroscope_labels, metadata) \
             values ($1, $2, $3, $4, $5, $6, $7) \
             on conflict (app_name) do update set \
                 team_owner = excluded.team_owner, \
                 tier = excluded.tier, \
                 environment = excluded.environment, \
                 notification_channel = excluded.notification_channel, \
                 pyroscope_labels = excluded.pyroscope_labels, \
                 metadata = excluded.metadata \
             returning {COLUMNS}"
        );
        let s = &service;
        self.db
            .run("saving a service", |pool| {
                let sql = sql.clone();
                async move {
                    sqlx::query_as::<_, Service>(&sql)
                        .bind(s.app_name.as_str())
                        .bind(&s.team_owner)
                        .bind(s.tier.as_str())
                        .bind(&s.environment)
                        .bind(&s.notification_channel)
                        .bind(Json(&s.pyroscope_labels))
                        .bind(Json(&s.metadata))
                        .fetch_one(&pool)
                        .await
                }
            })
            .await
            .map_err(SorError::from)
    }

    #[tracing::instrument(skip_all, fields(tier = tier.map(Tier::as_str)))]
    async fn list(&self, tier: Option<Tier>) -> Result<Vec<Service>, SorError> {
        let sql = format!(
            "select {COLUMNS} from service_registry \
             where ($1::varchar is null or tier = $1) \
             order by app_name"
        );
        let tier = tier.map(Tier::as_str);
        let rows = self
            .db
            .run("listing services", |pool| {
                let sql = sql.clone();
                async move { sqlx::query(&sql).bind(tier).fetch_all(&pool).await }
            })
            .await?;
        Ok(decode_each(rows, "registry", &self.metrics))
    }

    #[tracing::instrument(skip_all, fields(app = %app))]
    async fn get(&self, app: AppName) -> Result<Service, SorError> {
        let sql = format!("select {COLUMNS} from service_registry where app_name = $1");
        self.db
            .run("reading a service", |pool| {
                let sql = sql.clone();
                let app = app.clone();
                async move {
                    sqlx::query_as::<_, Service>(&sql)
                        .bind(app.as_str())
                        .fetch_optional(&pool)
                        .await
                }
            })
            .await?
            .ok_or_else(|| not_registered(&app))
    }

    #[tracing::instrument(skip_all, fields(app = %app))]
    async fn update(&self, app: AppName, patch: ServicePatch) -> Result<Service, SorError> {
        // One statement: each nullable field comes with a flag saying whether the patch names it,
        // so `null` (clear) and absent (keep) stay distinct; the others are never null.
        let sql = format!(
            "update service_registry set \
                 team_owner = case when $2 then $3 else team_owner end, \
                 tier = coalesce($4, tier), \
                 environment = case when $5 then $6 else environment end, \
                 notification_channel = case when $7 then $8 else notification_channel end, \
                 pyroscope_labels = coalesce($9, pyroscope_labels), \
                 metadata = coalesce($10, metadata) \
             where app_name = $1 \
             returning {COLUMNS}"
        );
        let p = &patch;
        self.db
            .run("updating a service", |pool| {
                let sql = sql.clone();
                let app = app.clone();
                async move {
                    sqlx::query_as::<_, Service>(&sql)
                        .bind(app.as_str())
                        .bind(p.team_owner.is_some())
                        .bind(p.team_owner.as_ref().and_then(Option::as_deref))
                        .bind(p.tier.map(Tier::as_str))
                        .bind(p.environment.is_some())
                        .bind(p.environment.as_ref().and_then(Option::as_deref))
                        .bind(p.notification_channel.is_some())
                        .bind(p.notification_channel.as_ref().and_then(Option::as_deref))
                        .bind(p.pyroscope_labels.as_ref().map(Json))
                        .bind(p.metadata.as_ref().map(Json))
                        .fetch_optional(&pool)
                        .await
                }
            })
            .await?
            .ok_or_else(|| not_registered(&app))
    }

    #[tracing::instrument(skip_all, fields(app = %app))]
    async fn delete(&self, app: AppName) -> Result<(), SorError> {
        let deleted = self
            .db
            .run("deleting a service", |pool| {
                let app = app.clone();
                async move {
                    sqlx::query("delete from service_registry where app_name = $1")
                        .bind(app.as_str())
                        .execute(&pool)
                        .await
                }
            })
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(not_registered(&app));
        }
        Ok(())
    }
}

fn not_registered(app: &AppName) -> SorError {
    SorError::NotFound(format!("service `{app}` is not registered"))
}

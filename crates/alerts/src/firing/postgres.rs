//! The alert state on PostgreSQL (`alert_state`, `alert_transition`). One evaluation is saved in
//! one transaction with the notifications it enqueues, so a crash leaves either all of its
//! transitions and their webhooks or none.

use async_trait::async_trait;

use super::model::{AlertTransition, StoredAlert};
use crate::firing::AlertStateSor;
use pf_delivery::enqueue;
use pf_infra::db::Database;
use pf_infra::sor::SorError;
use pf_model::AppName;

const STATE_COLUMNS: &str =
    "rule_id, app_name, profile_type, state, since, value, threshold, evaluated_at";
const TRANSITION_COLUMNS: &str =
    "rule_id, app_name, profile_type, transition, value, threshold, at";

/// Alert state stored in PostgreSQL.
#[derive(Clone)]
pub struct PgAlertStateStore {
    db: Database,
}

impl PgAlertStateStore {
    pub fn new(db: Database) -> Self {
        PgAlertStateStore { db }
    }
}

#[async_trait]
impl AlertStateSor for PgAlertStateStore {
    async fn alerts(&self) -> Result<Vec<StoredAlert>, SorError> {
        let sql = format!("select {STATE_COLUMNS} from alert_state order by rule_id");
        self.db
            .run("reading the alert state", |pool| {
                let sql = sql.clone();
                async move { sqlx::query_as(&sql).fetch_all(&pool).await }
            })
            .await
            .map_err(SorError::from)
    }

    async fn save(
        &self,
        alerts: &[StoredAlert],
        cleared: &[i32],
        transitions: &[AlertTransition],
    ) -> Result<(), SorError> {
        let upsert = format!(
            "insert into alert_state ({STATE_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8) \
             on conflict (rule_id) do update set app_name = excluded.app_name, \
                 profile_type = excluded.profile_type, state = excluded.state, \
                 since = excluded.since, value = excluded.value, \
                 threshold = excluded.threshold, evaluated_at = excluded.evaluated_at"
        );
        let insert = format!(
            "insert into alert_transition ({TRANSITION_COLUMNS}) \
             values ($1, $2, $3, $4, $5, $6, $7) returning id"
        );
        self.db
            .run("saving the alert state", |pool| {
                let (upsert, insert) = (upsert.clone(), insert.clone());
                async move {
                    let mut tx = pool.begin().await?;
                    for a in alerts {
                        sqlx::query(&upsert)
                            .bind(a.rule_id)
                            .bind(&a.app_name)
                            .bind(a.profile_type.as_str())
                            .bind(a.state.as_str())
                            .bind(a.since)
                            .bind(a.value)
                            .bind(a.threshold)
                            .bind(a.evaluated_at)
                            .execute(&mut *tx)
                            .await?;
                    }
                    sqlx::query("delete from alert_state where rule_id = any($1)")
                        .bind(cleared)
                        .execute(&mut *tx)
                        .await?;
                    for t in transitions {
                        let id: i64 = sqlx::query_scalar(&insert)
                            .bind(t.rule_id)
                            .bind(&t.app_name)
                            .bind(t.profile_type.as_str())
                            .bind(t.transition.as_str())
                            .bind(t.value)
                            .bind(t.threshold)
                            .bind(t.at)
                            .fetch_one(&mut *tx)
                            .await?;
                        if let Some(notification) = &t.notification {
                            let subject = format!("alert_transition:{id}");
                            enqueue(&mut tx, notification, &subject).await?;
                        }
                    }
                    tx.commit().await
                }
            })
            .await
            .map_err(SorError::from)
    }

    async fn transitions(
        &self,
        app: Option<AppName>,
        limit: u32,
    ) -> Result<Vec<AlertTransition>, SorError> {
        let sql = format!(
            "select {TRANSITION_COLUMNS} from alert_transition \
             where ($1::varchar is null or app_name = $1) \
             order by at desc, id desc limit $2"
        );
        self.db
            .run("reading alert transitions", |pool| {
                let sql = sql.clone();
                let app = app.clone();
                async move {
                    sqlx::query_as(&sql)
                        .bind(app.as_ref().map(AppName::as_str))
                        .bind(i64::from(limit))
                        .fetch_all(&pool)
                        .await
                }
            })
            .await
            .map_err(SorError::from)
    }
}

//! `RegressionSor` on PostgreSQL: listings, one event, a series' open events, what
//! Alertmanager is to be told, and the counts `/metrics` shows.

use async_trait::async_trait;

use super::model::{Regression, RegressionCounts, RegressionFilter};
use super::reads::{events, Bind, COLUMNS};
use crate::store::RegressionSor;
use pf_detection::model::{EventKind, EventState};
use pf_infra::db::Database;
use pf_infra::sor::SorError;
use pf_model::{saturate, AppName};
use pf_watch::Series;

/// The regression events' store.
#[derive(Clone)]
pub struct PgRegressionStore {
    db: Database,
}

impl PgRegressionStore {
    pub fn new(db: Database) -> Self {
        PgRegressionStore { db }
    }
}

#[async_trait]
impl RegressionSor for PgRegressionStore {
    async fn list(&self, filter: RegressionFilter) -> Result<Vec<Regression>, SorError> {
        // A filter left out is bound as null, which lets every row through.
        let sql = format!(
            "select {COLUMNS} from regression_event where ($1::text is null or app_name = $1) \
             and ($2::text is null or state = $2) and ($3::bigint is null or changed_at >= $3) \
             and ($4::bigint is null or changed_at < $4) and ($6::text is null or kind = $6) \
             order by changed_at desc, id desc limit $5"
        );
        let binds = vec![
            Bind::Text(filter.app.map(AppName::into_inner)),
            Bind::Text(filter.state.map(|s| s.as_str().to_owned())),
            Bind::Int(filter.window.map(|w| w.from)),
            Bind::Int(filter.window.map(|w| w.to)),
            Bind::Int(Some(i64::from(filter.limit))),
            Bind::Text(filter.kind.map(|k| k.as_str().to_owned())),
        ];
        events(&self.db, "listing regressions", sql, binds).await
    }

    async fn get(&self, id: i64) -> Result<Regression, SorError> {
        let sql = format!("select {COLUMNS} from regression_event where id = $1");
        events(
            &self.db,
            "reading a regression",
            sql,
            vec![Bind::Int(Some(id))],
        )
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| SorError::NotFound(format!("no regression with id {id}")))
    }

    async fn open(&self, series: &Series) -> Result<Vec<Regression>, SorError> {
        let sql = format!(
            "select {COLUMNS} from regression_event where app_name = $1 and profile_type = $2 \
             and state in ('suspected', 'confirmed') order by id"
        );
        let binds = vec![
            Bind::Text(Some(series.app.as_str().to_owned())),
            Bind::Text(Some(series.profile_type.as_str().to_owned())),
        ];
        events(&self.db, "reading open regressions", sql, binds).await
    }

    async fn open_everywhere(&self, limit: u32) -> Result<Vec<Regression>, SorError> {
        let sql = format!(
            "select {COLUMNS} from regression_event where state in ('suspected', 'confirmed') \
             order by changed_at desc, id desc limit $1"
        );
        let binds = vec![Bind::Int(Some(i64::from(limit)))];
        events(&self.db, "reading every open regression", sql, binds).await
    }

    async fn announcements(&self) -> Result<(Vec<Regression>, Vec<Regression>), SorError> {
        let firing = format!(
            "select {COLUMNS} from regression_event where state = 'confirmed' and announced \
             order by id"
        );
        let resolved = format!(
            "select {COLUMNS} from regression_event where state in ('resolved', 'settled') \
             and announced and alert_resolved_time is null order by id"
        );
        Ok((
            events(&self.db, "reading firing regressions", firing, Vec::new()).await?,
            events(
                &self.db,
                "reading resolved regressions",
                resolved,
                Vec::new(),
            )
            .await?,
        ))
    }

    async fn resolutions_sent(&self, ids: &[i64]) -> Result<(), SorError> {
        let ids = ids.to_vec();
        self.db
            .run("recording sent resolutions", |pool| {
                let ids = ids.clone();
                async move {
                    sqlx::query(
                        "update regression_event set alert_resolved_time = now() \
                         where id = any($1)",
                    )
                    .bind(ids)
                    .execute(&pool)
                    .await
                }
            })
            .await?;
        Ok(())
    }

    async fn counts(&self) -> Result<RegressionCounts, SorError> {
        let rows: Vec<(String, String, i64)> = self
            .db
            .run("counting regressions", |pool| async move {
                sqlx::query_as(
                    "select kind, state, count(*) from regression_event group by kind, state",
                )
                .fetch_all(&pool)
                .await
            })
            .await?;
        let mut counts = RegressionCounts::default();
        for (kind, state, n) in rows {
            let (Ok(kind), Ok(state)) = (kind.parse::<EventKind>(), state.parse::<EventState>())
            else {
                continue;
            };
            let n: u64 = saturate(n);
            if state == EventState::Confirmed {
                counts.active += n;
            }
            counts.by_kind_and_state.push((kind, state, n));
        }
        Ok(counts)
    }
}

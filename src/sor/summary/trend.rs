//! `TrendSor` two ways: from the watcher's own store, and over HTTP from the process that
//! runs the watcher (`WATCH_URL`, its `GET /trends/{appName}`).

use async_trait::async_trait;

use super::postgres::PgSummaryStore;
use crate::profile::trend_view::{trends_of, StoredSlice, TrendPick, Trends};
use crate::profile::{AppName, ProfileType, TimeWindow};
use crate::sor::remote::RemoteSor;
use crate::sor::{SorError, TrendSor};

#[async_trait]
impl TrendSor for PgSummaryStore {
    #[tracing::instrument(skip_all, fields(app = %app, profile_type = %profile_type))]
    async fn trend(
        &self,
        app: AppName,
        profile_type: ProfileType,
        window: TimeWindow,
        pick: TrendPick,
    ) -> Result<Trends, SorError> {
        type Row = (i64, i64, Vec<String>, String);
        let rows: Vec<Row> = self
            .db
            .run("reading a trend", |pool| {
                let app = app.as_str().to_owned();
                async move {
                    sqlx::query_as(
                        "select slice_start, total_samples, versions, functions \
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
        let slices = rows
            .into_iter()
            .map(|(start, total, versions, functions)| StoredSlice {
                start,
                total_samples: u64::try_from(total).unwrap_or(0),
                versions,
                functions,
            })
            .collect();
        trends_of((app, profile_type, self.slice_secs), window, slices, pick)
            .map_err(|e| SorError::Unexpected(format!("unreadable summary: {e}")))
    }
}

/// The trends of a watcher at another address.
#[derive(Clone)]
pub struct RemoteTrends {
    remote: RemoteSor,
}

impl RemoteTrends {
    /// Trends answered through `remote`.
    pub fn new(remote: RemoteSor) -> Self {
        RemoteTrends { remote }
    }
}

#[async_trait]
impl TrendSor for RemoteTrends {
    #[tracing::instrument(skip_all, fields(app = %app, profile_type = %profile_type))]
    async fn trend(
        &self,
        app: AppName,
        profile_type: ProfileType,
        window: TimeWindow,
        pick: TrendPick,
    ) -> Result<Trends, SorError> {
        let mut query = vec![
            ("type", profile_type.as_str().to_owned()),
            ("from", window.from.to_string()),
            ("to", window.to.to_string()),
        ];
        query.push(match pick {
            TrendPick::Named(names) => ("functions", names.join(",")),
            TrendPick::Top(limit) => ("limit", limit.to_string()),
        });
        self.remote.get(&["trends", app.as_str()], &query).await
    }
}

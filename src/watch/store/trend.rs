//! `TrendSor` two ways: from the watcher's own store, and over HTTP from the process that
//! runs the watcher (`WATCH_URL`, its `GET /trends/{appName}`).

use async_trait::async_trait;

use super::postgres::PgSummaryStore;
use crate::infra::sor::remote::RemoteSor;
use crate::infra::sor::SorError;
use crate::model::trend_view::{trends_of, TrendPick, TrendQuery, Trends};
use crate::watch::TrendSor;

#[async_trait]
impl TrendSor for PgSummaryStore {
    #[tracing::instrument(skip_all, fields(app = %query.app, profile_type = %query.profile_type))]
    async fn trend(&self, query: TrendQuery) -> Result<Trends, SorError> {
        let TrendQuery {
            app,
            profile_type,
            window,
            pick,
        } = query;
        let slices = self.stored(app.clone(), profile_type, window).await?;
        trends_of(app, profile_type, self.slices, window, slices, pick)
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

    /// The watcher's process, for its other reads.
    pub(super) fn remote(&self) -> &RemoteSor {
        &self.remote
    }
}

#[async_trait]
impl TrendSor for RemoteTrends {
    #[tracing::instrument(skip_all, fields(app = %query.app, profile_type = %query.profile_type))]
    async fn trend(&self, query: TrendQuery) -> Result<Trends, SorError> {
        let mut params = vec![
            ("type", query.profile_type.as_str().to_owned()),
            ("from", query.window.from.to_string()),
            ("to", query.window.to.to_string()),
        ];
        params.push(match query.pick {
            TrendPick::Named(names) => ("functions", names.join(",")),
            TrendPick::Top(limit) => ("limit", limit.to_string()),
        });
        self.remote
            .get(&["trends", query.app.as_str()], &params)
            .await
    }
}

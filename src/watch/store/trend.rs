//! `TrendSor` two ways: from the watcher's own store, and over HTTP from the process that
//! runs the watcher (`WATCH_URL`, its `GET /trends/{appName}`).

use async_trait::async_trait;

use super::postgres::PgSummaryStore;
use crate::infra::sor::remote::RemoteSor;
use crate::infra::sor::SorError;
use crate::model::trend_view::{trends_of, TrendPick, Trends};
use crate::model::{AppName, ProfileType, TimeWindow};
use crate::watch::TrendSor;

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

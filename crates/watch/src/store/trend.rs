//! `TrendSor` from the watcher's own store (over HTTP: `watch::remote`).

use async_trait::async_trait;

use super::postgres::PgSummaryStore;
use crate::TrendSor;
use pf_infra::sor::SorError;
use pf_model::trend_view::{trends_of, TrendQuery, Trends};

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

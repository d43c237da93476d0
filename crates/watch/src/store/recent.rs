//! The series summarized lately (docs/front-door.md): each with its newest slice and its count, in
//! one index-only read of `profile_summary_recent_idx`, the functions never read.

use async_trait::async_trait;

use super::postgres::PgSummaryStore;
use crate::{RecentSeries, Series, SeriesRecency};
use pf_infra::sor::SorError;

const RECENT: &str = "select app_name, profile_type, max(slice_start) as latest_slice, \
     count(*) as slices from profile_summary where slice_start >= $1 \
     group by app_name, profile_type order by app_name, profile_type";

#[derive(sqlx::FromRow)]
struct RecentRow {
    app_name: String,
    profile_type: String,
    latest_slice: i64,
    slices: i64,
}

#[async_trait]
impl RecentSeries for PgSummaryStore {
    #[tracing::instrument(skip_all)]
    async fn recent(&self, since: i64) -> Result<Vec<SeriesRecency>, SorError> {
        let rows: Vec<RecentRow> = self
            .db
            .run("reading the series summarized lately", |pool| async move {
                sqlx::query_as(RECENT).bind(since).fetch_all(&pool).await
            })
            .await?;
        // A row whose names no longer parse (a type dropped from the code) is left out, not
        // an error: the front door lists what it can read.
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(SeriesRecency {
                    series: Series {
                        app: r.app_name.parse().ok()?,
                        profile_type: r.profile_type.parse().ok()?,
                    },
                    latest_slice: r.latest_slice,
                    slices: u32::try_from(r.slices).unwrap_or(u32::MAX),
                })
            })
            .collect())
    }
}

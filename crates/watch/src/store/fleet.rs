//! The fleet's summaries (docs/profiles-over-time.md#the-fleet-from-the-summaries): every
//! app's summaries of one type and window in one indexed read (`profile_summary_fleet_idx`), merged
//! per app as the rows stream in. Decoding and merging are CPU work (a million kept functions for
//! 10 000 apps): they run on the blocking pool a chunk of rows at a time, so that a fleet read
//! never stalls the other requests of the worker thread that asked for it, and memory holds one
//! chunk of raw rows.

use async_trait::async_trait;
use futures_util::TryStreamExt;

use super::postgres::{summary_of, PgSummaryStore};
use super::rows::FleetRow;
use crate::coverage::{AppCoverage, CoverageQuery};
use crate::fleet_window::{AppWindow, FleetMerge, FleetQuery};
use crate::FleetSummarySor;
use pf_infra::sor::SorError;

/// Every app of a type and window: one range of `(profile_type, slice_start, app_name)` per
/// day partition. Unordered: the merge takes rows in any order, so there is no sort of
/// every row (ordered by app, PostgreSQL would rather walk the day's whole primary key).
const EVERY_APP: &str =
    "select app_name, slice_start, total_samples, versions, git_refs, functions \
     from profile_summary where profile_type = $1 and slice_start >= $2 and slice_start < $3";

/// Named apps (served by the primary key, `(app_name, profile_type, slice_start)`).
const NAMED_APPS: &str =
    "select app_name, slice_start, total_samples, versions, git_refs, functions \
     from profile_summary where profile_type = $1 and slice_start >= $2 and slice_start < $3 \
     and app_name = any($4)";

/// Rows decoded and merged in one go on the blocking pool.
const ROWS_PER_CHUNK: usize = 500;

#[async_trait]
impl FleetSummarySor for PgSummaryStore {
    #[tracing::instrument(skip_all, fields(profile_type = %query.profile_type))]
    async fn fleet(&self, query: FleetQuery) -> Result<Vec<AppWindow>, SorError> {
        let apps: Option<Vec<String>> = query
            .apps
            .as_ref()
            .map(|apps| apps.iter().map(|a| a.as_str().to_owned()).collect());
        let top = query.top as usize;
        let merged = self
            .db
            .run("reading the fleet's summaries", |pool| {
                let apps = apps.clone();
                async move {
                    let sql = if apps.is_some() {
                        NAMED_APPS
                    } else {
                        EVERY_APP
                    };
                    let mut read = sqlx::query_as::<_, FleetRow>(sql)
                        .bind(query.profile_type.as_str())
                        .bind(query.window.from)
                        .bind(query.window.to);
                    if let Some(apps) = apps {
                        read = read.bind(apps);
                    }
                    let mut rows = read.fetch(&pool).try_chunks(ROWS_PER_CHUNK);
                    let mut merge = FleetMerge::new(top);
                    while let Some(chunk) = rows.try_next().await.map_err(|e| e.1)? {
                        merge = tokio::task::spawn_blocking(move || merged(merge, chunk))
                            .await
                            .map_err(|e| sqlx::Error::Decode(Box::new(e)))??;
                    }
                    Ok(merge.finish())
                }
            })
            .await?;
        Ok(merged)
    }

    #[tracing::instrument(skip_all, fields(profile_type = %query.profile_type))]
    async fn coverage(&self, query: CoverageQuery) -> Result<Vec<AppCoverage>, SorError> {
        self.read_coverage(query).await
    }
}

/// `merge` with `rows` decoded into it.
fn merged(mut merge: FleetMerge, rows: Vec<FleetRow>) -> Result<FleetMerge, sqlx::Error> {
    for row in rows {
        let slice = summary_of(row.slice.stored()).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        merge.push(&row.app_name, slice);
    }
    Ok(merge)
}

//! What the watcher has worked of each series in a window
//! (docs/profiles-over-time.md#whole-or-live), in one read: the live cursor's range
//! (`watched_from` up to `next_slice`), done backfill items and summaries before it, and the slices
//! it tried and could not read. A fleet answer comes from the summaries only where this shows every
//! slice worked.

use super::postgres::PgSummaryStore;
use crate::coverage::{AppCoverage, CoverageQuery};
use pf_infra::sor::SorError;
use pf_model::{saturate, SliceSecs};

/// Per series of a type (`$1`, of the apps `$5` unless null) and the slices starting in
/// `[$2, $3)` on a grid of `$4` (both ends on it): the slices worked (those of the live range,
/// and outside it those with a summary or a done backfill item), the backfill items given up
/// there, and the live slice that failed. A series whose live range spans the window is
/// answered without looking further; the others read only the rows in the window.
const COVERAGE: &str = "select w.app_name, w.next_slice, w.failed_slice, \
     greatest(0, least(w.next_slice, $3) - greatest(w.watched_from, $2)) / $4 \
     + case when w.watched_from <= $2 and w.next_slice >= $3 then 0 \
     else (select count(*) from ( \
         select p.slice_start from profile_summary p where p.app_name = w.app_name \
             and p.profile_type = w.profile_type and p.slice_start >= $2 and p.slice_start < $3 \
             and not (p.slice_start >= w.watched_from and p.slice_start < w.next_slice) \
         union \
         select b.slice_start from watch_backfill b where b.app_name = w.app_name \
             and b.profile_type = w.profile_type and b.state = 'done' \
             and b.slice_start >= $2 and b.slice_start < $3 \
             and not (b.slice_start >= w.watched_from and b.slice_start < w.next_slice)) x) \
     end as worked, \
     case when w.watched_from <= $2 and w.next_slice >= $3 then '{}'::bigint[] \
     else coalesce((select array_agg(distinct b.slice_start order by b.slice_start) \
         from watch_backfill b where b.app_name = w.app_name \
         and b.profile_type = w.profile_type and b.state = 'failed' \
         and b.slice_start >= $2 and b.slice_start < $3 \
         and not (b.slice_start >= w.watched_from and b.slice_start < w.next_slice) \
         and not exists (select 1 from profile_summary p where p.app_name = w.app_name \
             and p.profile_type = w.profile_type and p.slice_start = b.slice_start) \
         and not exists (select 1 from watch_backfill d where d.app_name = w.app_name \
             and d.profile_type = w.profile_type and d.slice_start = b.slice_start \
             and d.state = 'done')), '{}'::bigint[]) \
     end as failed_items \
     from watch_series w where w.profile_type = $1 \
     and ($5::text[] is null or w.app_name = any($5))";

/// One series' work in the window, as read.
#[derive(sqlx::FromRow)]
struct CoverageRow {
    app_name: String,
    next_slice: i64,
    failed_slice: Option<i64>,
    worked: i64,
    failed_items: Vec<i64>,
}

impl PgSummaryStore {
    /// See [`crate::contracts::FleetSummarySor::coverage`].
    pub(super) async fn read_coverage(
        &self,
        query: CoverageQuery,
    ) -> Result<Vec<AppCoverage>, SorError> {
        let apps: Option<Vec<String>> = query
            .apps
            .as_ref()
            .map(|apps| apps.iter().map(|a| a.as_str().to_owned()).collect());
        let slice_secs = self.slices.slice_secs;
        // Both ends on the grid: the slices starting in the window.
        let (from, to) = (
            self.slices.first_from(query.slices.from),
            self.slices.first_from(query.slices.to),
        );
        if from >= to {
            return Ok(Vec::new());
        }
        let rows: Vec<CoverageRow> = self
            .db
            .run("reading what the watcher has worked", |pool| {
                let apps = apps.clone();
                async move {
                    sqlx::query_as(COVERAGE)
                        .bind(query.profile_type.as_str())
                        .bind(from)
                        .bind(to)
                        .bind(slice_secs.get())
                        .bind(apps)
                        .fetch_all(&pool)
                        .await
                }
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| coverage_of(row, to, slice_secs))
            .collect())
    }
}

/// A row as the series' coverage: a live slice that failed lacks itself and every slice
/// after it up to `to`, which the cursor cannot reach before it.
fn coverage_of(row: CoverageRow, to: i64, slice_secs: SliceSecs) -> AppCoverage {
    let mut failed = row.failed_items;
    if row.failed_slice == Some(row.next_slice) {
        let lacking = (row.next_slice..to).step_by(usize::try_from(slice_secs.get()).unwrap_or(1));
        failed.extend(lacking);
        failed.sort_unstable();
        failed.dedup();
    }
    AppCoverage {
        app: row.app_name,
        worked: saturate(row.worked),
        failed,
    }
}

#[cfg(test)]
mod tests {
    use super::{coverage_of, CoverageRow};
    use pf_model::SliceSecs;

    fn row(next_slice: i64, failed_slice: Option<i64>, worked: i64) -> CoverageRow {
        CoverageRow {
            app_name: "a".into(),
            next_slice,
            failed_slice,
            worked,
            failed_items: vec![300],
        }
    }

    #[test]
    fn a_failed_live_slice_lacks_itself_and_the_window_after_it() {
        let got = coverage_of(row(900, Some(900), 2), 1500, SliceSecs::FIVE_MINUTES);
        assert_eq!(got.failed, [300, 900, 1200]);
        assert_eq!(got.worked, 2);
        // A cursor that moved on since: only the backfill item given up.
        assert_eq!(
            coverage_of(row(1200, Some(900), 3), 1500, SliceSecs::FIVE_MINUTES).failed,
            [300]
        );
        // Past the window: nothing more lacks.
        assert_eq!(
            coverage_of(row(1800, Some(1800), 4), 1500, SliceSecs::FIVE_MINUTES).failed,
            [300]
        );
    }
}

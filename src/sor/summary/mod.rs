//! The profile watcher's store (SPEC §13): summaries partitioned by day, the series and their
//! leases, and backfill items, in PostgreSQL.

mod model;
mod postgres;
mod trend;
mod work;

pub use model::{Backfill, BackfillCounts, Lease, Series, SeriesSummary, SliceWork, WorkSource};
pub use postgres::PgSummaryStore;
pub use trend::RemoteTrends;

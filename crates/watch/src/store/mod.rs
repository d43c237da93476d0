//! The profile watcher's store (docs/profiles-over-time.md): summaries partitioned by day, the
//! series and their leases, and backfill items, in PostgreSQL. The regression events a slice's work
//! decides are the regression store's (`regressions::store`), written in this store's transaction.

mod coverage;
mod done;
mod fleet;
mod model;
mod postgres;
mod recent;
mod retention;
mod rows;
mod trend;
mod work;

pub use model::{
    Backfill, BackfillCounts, Latest, Lease, Series, SeriesSummary, SliceFindings, SliceOutcome,
    SliceWork, WorkSource,
};
pub use postgres::PgSummaryStore;

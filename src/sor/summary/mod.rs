//! The profile watcher's store (SPEC §13): summaries partitioned by day, the series and their
//! leases, and backfill items, in PostgreSQL.

mod done;
mod event_reads;
mod event_writes;
mod events;
mod fleet;
pub mod fleet_routes;
mod model;
mod postgres;
mod trend;
mod work;

pub use events::{
    EventSignificance, EventWrite, Regression, RegressionCounts, RegressionFilter, SliceOutcome,
};
pub use fleet::FleetSummaries;
pub use model::{Backfill, BackfillCounts, Lease, Series, SeriesSummary, SliceWork, WorkSource};
pub use postgres::PgSummaryStore;
pub use trend::RemoteTrends;

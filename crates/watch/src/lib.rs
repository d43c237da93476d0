//! The profile watcher (docs/profiles-over-time.md): every series (app × profile type) summarized
//! slice by slice, the work shared by replicas through leases in PostgreSQL; the trends read back
//! from it.

mod backfill;
mod contracts;
mod coverage;
mod endpoints;
#[cfg(feature = "fault-injection")]
pub mod fault;
mod fleet_routes;
mod fleet_window;
mod metrics;
mod page;
mod remote;
mod routes;
mod settings;
mod start;
mod status;
mod store;
mod summarizer;
mod task;
mod trends;
mod worker;

pub use contracts::{
    ChangeMark, FleetSummarySor, RecentSeries, SeriesRecency, SliceExaminer, SummarySor,
    TrendMarks, TrendSor, WatchWork, WatcherReads,
};
#[cfg(any(test, feature = "testing"))]
pub use contracts::{MockFleetSummarySor, MockRecentSeries, MockSummarySor, MockWatchWork};
pub use coverage::{covered, AppCoverage, CoverageQuery, Covered};
pub use endpoints::OPERATIONS;
pub use fleet_routes::ROUTES as FLEET_ROUTES;
pub use fleet_window::{AppWindow, FleetQuery, WindowFunction};
pub use remote::RemoteTrends;
pub use routes::ROUTES;
pub use settings::WatchSettings;
pub use start::{start, WatchNeeds, Watcher};
pub use store::{PgSummaryStore, Series, SliceFindings, SliceWork, WorkSource};
pub use trends::TrendService;
/// The worker itself, for the tests of what drives it (the regressions' examiner).
#[cfg(any(test, feature = "testing"))]
pub use {
    metrics::WatchMetrics,
    store::Lease,
    summarizer::{Summarizer, SummaryShape},
    worker::{Ended, Worker},
};

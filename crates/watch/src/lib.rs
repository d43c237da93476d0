//! The profile watcher (docs/profiles-over-time.md): every series (app × profile type) summarized
//! slice by slice, the work shared by replicas through leases in PostgreSQL; the trends read back
//! from it.

mod backfill;
pub mod contracts;
pub mod coverage;
#[cfg(feature = "fault-injection")]
pub mod fault;
pub mod fleet_routes;
pub mod fleet_window;
pub mod metrics;
mod page;
pub mod remote;
pub mod routes;
pub mod settings;
pub mod start;
pub mod status;
pub mod store;
pub mod summarizer;
pub mod task;
pub mod trends;
pub mod worker;

pub use contracts::{
    ChangeMark, FleetSummarySor, RecentSeries, SeriesRecency, SliceExaminer, SummarySor,
    TrendMarks, TrendSor, WatchWork, WatcherReads,
};
#[cfg(any(test, feature = "testing"))]
pub use contracts::{MockFleetSummarySor, MockRecentSeries, MockSummarySor, MockWatchWork};
pub use coverage::{covered, AppCoverage, CoverageQuery, Covered};
pub use fleet_window::{AppWindow, FleetQuery, WindowFunction};
pub use settings::WatchSettings;
pub use store::{Series, SliceFindings, SliceWork, WorkSource};
pub use trends::TrendService;

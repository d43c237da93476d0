//! The profile watcher (SPEC §13): every series (app × profile type) summarized slice by slice,
//! the work shared by replicas through leases in PostgreSQL; the trends read back from it.

pub mod announcer;
mod backfill;
pub mod detector;
pub mod examiner;
pub mod fault;
pub mod metrics;
pub mod notice;
mod regression_page;
pub mod regression_routes;
pub mod regressions;
pub mod routes;
pub mod status;
pub mod summarizer;
pub mod suspects;
pub mod task;
#[cfg(test)]
mod test_events;
pub mod trends;
pub mod worker;

pub use trends::TrendService;

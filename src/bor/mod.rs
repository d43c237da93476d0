//! Business functions (BORs): triage, diff report and fleet search.
//!
//! They depend on the SOR traits and the `profile` domain types only; which implementation
//! answers each trait (in-process, remote or none) is decided in `startup`.

pub mod alerting;
pub mod delivery;
pub mod diff_report;
pub mod fleet_search;
pub mod history;
#[cfg(test)]
pub(crate) mod testing;
pub mod triage;
pub mod watch;

pub use crate::sor::baseline::BaselineIndex;
pub use crate::sor::shown_error;

pub use history::{history_queue, HistoryRecorder, HistoryWriter};

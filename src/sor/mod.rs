//! The SOR contracts, the only thing BORs depend on: here the stores a BOR reads and writes
//! (Profile Data, baselines, history, registry, alert rules), the alert evaluator's state, the
//! outbox and leadership; in `watch.rs` the watcher's (summaries, its work, regressions, and
//! what BORs read of it: trends and the fleet's summaries). Each has an in-process
//! implementation (PostgreSQL, Pyroscope or profile files); those a BOR reads from another
//! process in a split deployment (SPEC §1) have an HTTP one too.

pub mod alert_rule;
pub mod alert_state;
pub mod baseline;
pub mod coalescing;
mod error;
mod fields;
pub mod git;
pub mod history;
pub mod json_text;
pub mod outbox;
pub mod profile_data;
pub mod registry;
pub mod regression;
pub mod remote;
mod rows;
pub mod summary;
mod watch;

pub use error::{shown_error, SorError};
#[cfg(test)]
pub use regression::MockRegressionSor;
pub use regression::RegressionSor;
pub use watch::{FleetSummarySor, SummarySor, TrendSor, WatchWork, WatcherReads};
#[cfg(test)]
pub use watch::{MockFleetSummarySor, MockSummarySor, MockWatchWork};

pub use alert_rule::AlertRuleSor;
#[cfg(test)]
pub use alert_rule::MockAlertRuleSor;
pub use alert_state::leader::Leadership;
#[cfg(test)]
pub use alert_state::leader::MockLeadership;
pub use alert_state::AlertStateSor;
#[cfg(test)]
pub use alert_state::MockAlertStateSor;
pub use baseline::BaselineSor;
#[cfg(test)]
pub use baseline::MockBaselineSor;
pub use history::HistorySor;
#[cfg(test)]
pub use history::MockHistorySor;
pub use outbox::NotificationOutbox;
#[cfg(test)]
pub use profile_data::MockProfileDataSor;
pub use profile_data::ProfileDataSor;
#[cfg(test)]
pub use registry::MockRegistrySor;
pub use registry::RegistrySor;

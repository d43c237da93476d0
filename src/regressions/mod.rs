//! Regressions found without rules (docs/regressions.md): the events the detectors of
//! `detection/` change, as the examiner the watcher calls after each summary keeps them, the
//! announcer delivers them and the routes and pages show them, with the commits most likely
//! behind a regression.

pub mod announcer;
pub mod commits;
pub mod examiner;
mod examiner_leaks;
pub mod leak_notice;
mod leak_page;
pub mod marks;
pub mod metrics;
pub mod notice;
pub mod page;
pub mod routes;
pub mod service;
pub mod settings;
pub mod start;
pub mod store;
#[cfg(test)]
mod test_events;

pub use marks::{change_line, page_href, RegressionMarks};
pub use notice::suspect_commit;
pub use pf_detection::{EventKind, EventState};
#[cfg(test)]
pub use store::MockRegressionSor;
pub use store::{Regression, RegressionSor};
#[cfg(test)]
pub(crate) use test_events::confirmed as test_confirmed;

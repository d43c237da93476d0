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
#[cfg(any(test, feature = "testing"))]
mod test_events;
#[cfg(test)]
mod watch_worker_tests;

pub use marks::{change_line, page_href, RegressionMarks};
pub use notice::suspect_commit;
pub use pf_detection::{EventKind, EventState};
#[cfg(any(test, feature = "testing"))]
pub use store::MockRegressionSor;
pub use store::{Regression, RegressionSor};
#[cfg(any(test, feature = "testing"))]
pub use test_events::confirmed as test_confirmed;

//! Regressions found without rules (docs/regressions.md): the detector, the examiner the watcher
//! calls after each summary, the announcer, the events' store, routes and page, and the commits
//! most likely behind a regression.

pub mod announcer;
pub mod commits;
pub mod cost;
pub mod detector;
pub mod examiner;
mod examiner_leaks;
pub mod leak_notice;
mod leak_page;
pub mod leaks;
pub mod marks;
pub mod metrics;
pub mod model;
pub mod notice;
pub mod page;
pub mod routes;
pub mod service;
pub mod settings;
pub mod store;
#[cfg(test)]
mod test_events;

pub use marks::{change_line, page_href, RegressionMarks};
pub use model::{EventKind, EventState};
pub use notice::suspect_commit;
#[cfg(test)]
pub use store::MockRegressionSor;
pub use store::{Regression, RegressionSor};
#[cfg(test)]
pub(crate) use test_events::confirmed as test_confirmed;

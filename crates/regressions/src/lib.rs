//! Regressions found without rules (docs/regressions.md): the events the detectors of
//! `detection/` change, as the examiner the watcher calls after each summary keeps them, the
//! announcer delivers them and the routes and pages show them, with the commits most likely
//! behind a regression.
//!
//! Like every capability, it reaches another only through what that one's `lib.rs` gives: the
//! modules of a capability are private, so the compiler refuses a path into them. The watcher's
//! summary store is `pf_watch::PgSummaryStore`:
//!
//! ```
//! use pf_watch::PgSummaryStore;
//! ```
//!
//! and not `pf_watch::store::PgSummaryStore`, which does not build (E0603, a private module):
//!
//! ```compile_fail,E0603
//! use pf_watch::store::PgSummaryStore;
//! ```

mod announcer;
mod commits;
mod examiner;
mod examiner_leaks;
mod leak_notice;
mod leak_page;
mod marks;
mod metrics;
mod module;
mod notice;
mod page;
mod routes;
mod service;
mod settings;
mod start;
mod store;
#[cfg(any(test, feature = "testing"))]
mod test_events;
#[cfg(test)]
mod watch_worker_tests;

pub use marks::{change_line, page_href, RegressionMarks};
pub use module::{
    RegressionEventSettings, WatchModule, WatchedProfiles, WatcherStoreSet, WatcherStoresModule,
};
pub use notice::suspect_commit;
pub use pf_detection::{EventKind, EventState};
pub use routes::ROUTES;
pub use settings::LeaksConfig;
pub use start::{start, RegressionNeeds, RegressionSettings, Regressions};
#[cfg(any(test, feature = "testing"))]
pub use store::MockRegressionSor;
pub use store::{EventSignificance, PgRegressionStore, Regression, RegressionSor};
#[cfg(any(test, feature = "testing"))]
pub use test_events::confirmed as test_confirmed;

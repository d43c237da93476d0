//! Regressions found without rules (SPEC §15, §19, §21): the detector, the examiner the watcher
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

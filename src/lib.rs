//! Profiling functions service: turns Grafana Pyroscope profiles into answers.

pub mod alerts;
pub mod app;
pub mod baselines;
pub mod commits;
pub mod delivery;
pub mod diff_report;
pub mod fleet_search;
pub mod front_door;
pub mod gate;
pub mod health;
pub mod history;
pub mod ingest;
pub mod pictures;
pub mod profiles;
pub mod querier;
pub mod registry;
pub mod regressions;
pub mod settings;
#[cfg(test)]
pub(crate) mod testing;
pub mod triage;
pub mod watch;

//! Black-box tests: the service on a random port, a real PostgreSQL, a stub Pyroscope.

mod alerting;
mod alertmanager;
mod bad_inputs;
mod baselines;
mod browser;
mod business_stub;
mod contract;
mod contract_catalog;
mod contract_profile_data;
mod demo;
mod diff;
mod fleet;
mod gate;
mod helpers;
mod history;
mod history_outages;
mod history_writes;
mod json_canon;
mod openapi;
mod operations;
mod pictures;
#[path = "../common/profile_data.rs"]
mod profile_data;
mod profile_files;
mod profiles;
mod pyroscope_stub;
mod remote_errors;
mod robustness;
mod rules;
mod services;
mod split;
mod split_degraded;
mod stoppable_postgres;
mod store_integrity;
mod triage;
mod windows;

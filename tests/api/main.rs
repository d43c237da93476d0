//! Black-box tests: the service on a random port, a real PostgreSQL, a stub Pyroscope.

mod baselines;
mod contract;
mod contract_catalog;
mod contract_profile_data;
mod helpers;
mod history;
mod operations;
mod profiles;
mod pyroscope_stub;
mod remote_errors;
mod rules;
mod services;
mod split;
mod split_degraded;

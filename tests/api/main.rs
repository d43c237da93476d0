//! Black-box tests: the service on a random port, a real PostgreSQL, a stub Pyroscope.

mod bad_inputs;
mod baselines;
mod business;
mod helpers;
mod history;
mod openapi;
mod operations;
mod profiles;
mod robustness;
mod rules;
mod services;

//! Black-box tests: the service on a random port, a real PostgreSQL, a stub Pyroscope.

mod baselines;
mod business;
mod helpers;
mod history;
mod operations;
mod profiles;
mod rules;
mod services;

//! Profiling functions service: turns Grafana Pyroscope profiles into answers.

pub mod address_guard;
pub mod auth;
pub mod backoff;
pub mod bor;
pub mod db;
pub mod error;
pub mod gate;
pub mod health;
pub mod healthcheck;
pub mod openapi;
pub mod outbound;
pub mod picture;
pub mod probe;
pub mod profile;
pub mod routing;
pub mod settings;
pub mod sor;
pub mod startup;
pub mod tasks;
pub mod telemetry;

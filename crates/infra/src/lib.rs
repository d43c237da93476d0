//! Infrastructure: the database, the outbound client, its TLS and its retry rule, the task
//! supervisor, telemetry, and what every store shares (`sor/`: its error, the remote client,
//! rows).

pub mod address_guard;
pub mod backoff;
pub mod budget;
pub mod db;
pub mod durations;
pub mod leader;
pub mod outbound;
pub mod outbound_settings;
pub mod probe;
pub mod sor;
pub mod tasks;
pub mod telemetry;
pub mod tls;

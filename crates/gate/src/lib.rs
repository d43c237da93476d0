//! `pyroscope-functions gate`: asks a running service for the diff report of one app, prints
//! it, and exits with its verdict, so a CI pipeline can stop a deploy that regresses.

mod args;
mod call;
mod run;

pub use args::{FailOn, GateArgs, OutputFormat};
pub use call::GateError;
pub use run::run;

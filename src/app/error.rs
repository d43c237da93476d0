//! `StartupError`: why the service could not start.

use pf_infra::tasks::StartError;
use pf_module::ModuleError;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("invalid configuration: `{key}` {reason}")]
    Config { key: &'static str, reason: String },
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
    #[error("cannot set up metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    /// A module could not start (its settings, or a contract it needs).
    #[error(transparent)]
    Module(#[from] ModuleError),
}

impl From<StartError> for StartupError {
    fn from(e: StartError) -> Self {
        StartupError::Config {
            key: e.key,
            reason: e.reason,
        }
    }
}

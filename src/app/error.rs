//! `StartupError`: why the service could not start.

use crate::settings::Function;
use pf_infra::tasks::StartError;

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
    #[error("{function} needs Profile Data but cannot reach it: {reason}")]
    NoProfileData {
        function: Function,
        reason: &'static str,
    },
}

impl From<StartError> for StartupError {
    fn from(e: StartError) -> Self {
        StartupError::Config {
            key: e.key,
            reason: e.reason,
        }
    }
}

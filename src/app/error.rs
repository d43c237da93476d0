//! `StartupError`: why the service could not start.

use crate::app::settings::Function;
use crate::infra::tasks::StartError;

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
    #[error("cannot load the triage rules from {path}: {reason}")]
    TriageRules { path: String, reason: String },
    #[error("cannot start the threads that keep pushed profiles: {0}")]
    PushThreads(std::io::Error),
}

impl From<StartError> for StartupError {
    fn from(e: StartError) -> Self {
        StartupError::Config {
            key: e.key,
            reason: e.reason,
        }
    }
}

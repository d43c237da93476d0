//! `StartupError`: why the service could not start.

use super::module::Name;
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
    /// A contract a module of this process cannot do without is neither hosted here nor named.
    #[error(
        "invalid configuration: `sors` FUNCTION={function} runs {user:?}, which needs the \
         {contract} SOR: set {env} (or run FUNCTION=all)"
    )]
    Missing {
        function: Function,
        user: Name,
        contract: &'static str,
        env: &'static str,
    },
    /// The table started a module without what it needs (a bug of the table, not of settings).
    #[error("the module table started {module:?} without {need:?}")]
    Unresolved { module: Name, need: Name },
}

impl From<StartError> for StartupError {
    fn from(e: StartError) -> Self {
        StartupError::Config {
            key: e.key,
            reason: e.reason,
        }
    }
}

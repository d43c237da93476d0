//! Why a module could not start.

use crate::{Function, Name};
use pf_infra::tasks::StartError;

/// Why a module could not start: the root's `StartupError` carries it as it is.
#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    #[error("invalid configuration: `{key}` {reason}")]
    Config { key: &'static str, reason: String },
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
    /// The root did not put a settings section a module reads (a bug of the root).
    #[error("the module table started {module:?} without its settings section {section}")]
    Section { module: Name, section: &'static str },
}

impl From<StartError> for ModuleError {
    fn from(e: StartError) -> Self {
        ModuleError::Config {
            key: e.key,
            reason: e.reason,
        }
    }
}

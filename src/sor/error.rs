//! `SorError`: what any SOR call can fail with, whichever implementation answers it.

use crate::db::DbError;

/// What any SOR call can fail with, whichever implementation answers it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SorError {
    /// The addressed row or app does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The input broke a rule of the store (a constraint, a range).
    #[error("{0}")]
    Invalid(String),
    /// The write collides with existing data.
    #[error("{0}")]
    Conflict(String),
    /// The store (PostgreSQL, or a remote SOR) cannot be reached right now.
    #[error("{0}")]
    Unavailable(String),
    /// Pyroscope (or a remote SOR) answered with an error or an unreadable body.
    #[error("{0}")]
    Upstream(String),
    /// Pyroscope (or a remote SOR) did not answer in time.
    #[error("{0}")]
    Timeout(String),
    /// A stored row cannot be read back (it was written outside this service); the message
    /// names the store and the row.
    #[error("{0}")]
    Unreadable(String),
    /// A bug or an unforeseen failure; the cause is logged, not shown.
    #[error("{0}")]
    Unexpected(String),
}

/// The SORs' reading of a database failure: the message stays, the kind becomes the contract's.
///
/// `SorError` is what crosses the wire between a BOR and a remote SOR, so it carries messages,
/// not causes. The driver's cause is logged here, the one place it is still attached.
impl From<DbError> for SorError {
    fn from(err: DbError) -> Self {
        let message = err.to_string();
        if let Some(cause) = std::error::Error::source(&err) {
            match &err {
                DbError::Unavailable { .. } | DbError::Migration(_) => {
                    tracing::warn!(error = %message, %cause, "database call failed");
                }
                DbError::Unexpected { .. } | DbError::Unreadable { .. } => {
                    tracing::error!(error = %message, %cause, "database call failed");
                }
                _ => tracing::debug!(error = %message, %cause, "database refused the input"),
            }
        }
        match err {
            DbError::NotFound(_) => SorError::NotFound(message),
            DbError::Conflict { .. } => SorError::Conflict(message),
            DbError::Invalid { .. } => SorError::Invalid(message),
            DbError::NotReady(_) | DbError::Migration(_) | DbError::Unavailable { .. } => {
                SorError::Unavailable(message)
            }
            DbError::Unreadable { .. } => SorError::Unreadable(message),
            DbError::Unexpected { .. } => SorError::Unexpected(message),
        }
    }
}

impl SorError {
    /// The error `code` an HTTP answer gives [`SorError::Unreadable`], so a remote client can
    /// tell it from other 500s.
    pub const UNREADABLE_CODE: &'static str = "unreadable_row";

    /// Whether the call may succeed later: the store could not be reached or did not answer
    /// (a write may even have been stored). Any other error is the store refusing the call,
    /// and trying again would be refused again.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SorError::Unavailable(_) | SorError::Timeout(_) | SorError::Upstream(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unreachable_or_silent_store_is_worth_another_try() {
        assert!(SorError::Unavailable("down".into()).is_transient());
        assert!(SorError::Timeout("slow".into()).is_transient());
        assert!(!SorError::Invalid("NUL in text".into()).is_transient());
        assert!(!SorError::Unexpected("bug".into()).is_transient());
    }
}

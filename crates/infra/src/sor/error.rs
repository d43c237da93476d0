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
    /// The source cannot give what was asked at all (the legacy Pyroscope API has no lines);
    /// the message says why.
    #[error("{0}")]
    NotImplemented(String),
    /// Pyroscope kept refusing as too busy (429, 503) until the read's deadline: answered 503
    /// with `Retry-After` (docs/at-scale.md); the message names the refusal.
    #[error("{message}")]
    Throttled {
        message: String,
        retry_after_secs: u64,
    },
}

/// A throttled error read back from another process, which says when in its own header.
fn throttled(message: String) -> SorError {
    SorError::Throttled {
        message,
        retry_after_secs: 1,
    }
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

/// A row of the wire table: status, code, and the kind it names.
type WireRow = (u16, &'static str, fn(String) -> SorError);

/// How each kind of [`SorError`] crosses HTTP, its status and error `code`: the one table,
/// read one way when a route answers with it and the other way when a remote SOR client reads
/// that answer, so that a failure in one process is the same failure in the next. In the order
/// of [`SorError::kind`]; a status-only match takes the first row with that status.
const WIRE: [WireRow; 10] = [
    (404, "not_found", SorError::NotFound),
    (400, "invalid_request", SorError::Invalid),
    (409, "conflict", SorError::Conflict),
    (503, "store_unavailable", SorError::Unavailable),
    (502, "upstream_error", SorError::Upstream),
    (504, "upstream_timeout", SorError::Timeout),
    (500, "internal_error", SorError::Unexpected),
    (500, SorError::UNREADABLE_CODE, SorError::Unreadable),
    (501, "not_implemented", SorError::NotImplemented),
    (503, "upstream_throttled", throttled),
];

impl SorError {
    /// The error `code` an HTTP answer gives [`SorError::Unreadable`], so a remote client can
    /// tell it from other 500s.
    pub const UNREADABLE_CODE: &'static str = "unreadable_row";

    /// This error's row of the wire table.
    fn kind(&self) -> usize {
        match self {
            SorError::NotFound(_) => 0,
            SorError::Invalid(_) => 1,
            SorError::Conflict(_) => 2,
            SorError::Unavailable(_) => 3,
            SorError::Upstream(_) => 4,
            SorError::Timeout(_) => 5,
            SorError::Unexpected(_) => 6,
            SorError::Unreadable(_) => 7,
            SorError::NotImplemented(_) => 8,
            SorError::Throttled { .. } => 9,
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        WIRE[self.kind()].0
    }

    /// The machine-readable `code` this error is answered with.
    pub fn code(&self) -> &'static str {
        WIRE[self.kind()].1
    }

    /// The message it carries.
    pub fn message(&self) -> &str {
        match self {
            SorError::NotFound(m)
            | SorError::Invalid(m)
            | SorError::Conflict(m)
            | SorError::Unavailable(m)
            | SorError::Upstream(m)
            | SorError::Timeout(m)
            | SorError::Unexpected(m)
            | SorError::Unreadable(m)
            | SorError::NotImplemented(m) => m,
            SorError::Throttled { message, .. } => message,
        }
    }

    /// The error another process answered with `status` and `code`: the table's row with
    /// both, else its first row with the status (a 400 of any code is `Invalid`), else
    /// `Upstream` (the other side failed in a way the table does not name).
    pub fn from_wire(status: u16, code: Option<&str>, message: String) -> SorError {
        let exact = WIRE
            .iter()
            .find(|(s, c, _)| *s == status && Some(*c) == code);
        let by_status = || WIRE.iter().find(|(s, ..)| *s == status);
        match exact.or_else(by_status) {
            Some((.., make)) => make(message),
            None => SorError::Upstream(message),
        }
    }

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

/// A SOR failure as shown inside a partial answer (`unavailable` types, `failedApps`): the
/// message, except for unforeseen failures, whose cause is logged rather than shown.
pub fn shown_error(e: &SorError) -> String {
    match e {
        SorError::Unexpected(cause) => {
            tracing::error!(%cause, "a SOR call failed unexpectedly");
            "internal error".to_owned()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_comes_back_from_the_wire_as_it_went() {
        let kinds = [
            SorError::NotFound("n".into()),
            SorError::Invalid("i".into()),
            SorError::Conflict("c".into()),
            SorError::Unavailable("a".into()),
            SorError::Upstream("u".into()),
            SorError::Timeout("t".into()),
            SorError::Unexpected("x".into()),
            SorError::Unreadable("r".into()),
            SorError::NotImplemented("l".into()),
        ];
        for error in kinds {
            let (status, code) = (error.status(), error.code());
            let back = SorError::from_wire(status, Some(code), error.message().to_owned());
            assert_eq!(back, error, "{status} {code}");
        }
        // A code the table does not know: the status decides; a status it does not know is
        // the other side failing.
        let read = |status, code| SorError::from_wire(status, code, "m".into());
        assert_eq!(
            read(400, Some("invalid_limit")),
            SorError::Invalid("m".into())
        );
        assert_eq!(read(500, None), SorError::Unexpected("m".into()));
        assert_eq!(read(418, Some("teapot")), SorError::Upstream("m".into()));
    }

    #[test]
    fn only_an_unreachable_or_silent_store_is_worth_another_try() {
        assert!(SorError::Unavailable("down".into()).is_transient());
        assert!(SorError::Timeout("slow".into()).is_transient());
        assert!(!SorError::Invalid("NUL in text".into()).is_transient());
        assert!(!SorError::Unexpected("bug".into()).is_transient());
    }
}

//! `DbError` and the one mapping from sqlx errors to it: which failures are bad input, which are
//! an unreachable database worth another try, and which are bugs.

/// What a database call can fail with. The SORs map it to their own error; the messages are
/// written for the client, the sources keep the driver's cause for the logs.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The addressed row does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A unique key already holds the value.
    #[error("{message}")]
    Conflict {
        message: String,
        #[source]
        source: sqlx::Error,
    },
    /// The input broke a constraint or is not representable (class 22, e.g. a NUL character).
    #[error("{message}")]
    Invalid {
        message: String,
        #[source]
        source: sqlx::Error,
    },
    /// There is no database (disabled), or its schema is not in place yet.
    #[error("{0}")]
    NotReady(String),
    /// Migrations could not run (PostgreSQL unreachable or refusing them).
    #[error("database migrations could not run yet: {0}")]
    Migration(#[source] sqlx::migrate::MigrateError),
    /// PostgreSQL cannot be reached or refuses connections right now.
    #[error("{message}")]
    Unavailable {
        message: String,
        #[source]
        source: sqlx::Error,
    },
    /// A stored row that cannot be read back into its type (written outside this service).
    #[error("{message}")]
    Unreadable {
        message: String,
        #[source]
        source: sqlx::Error,
    },
    /// Anything else: a bug or an unforeseen failure.
    #[error("{message}")]
    Unexpected {
        message: String,
        #[source]
        source: sqlx::Error,
    },
}

/// Errors worth another try: dropped connections, failovers, serialization conflicts.
pub(super) fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08")
                || matches!(
                    code.as_ref(),
                    "40001" | "40P01" | "57P01" | "57P02" | "57P03" | "53300"
                )
        }),
        _ => false,
    }
}

/// Maps a sqlx error to what the stores promise; the cause stays attached for the logs.
pub fn map_error(e: sqlx::Error, what: &str) -> DbError {
    let code = match &e {
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
        _ => None,
    };
    let db_message = match &e {
        sqlx::Error::Database(db) => db.message().to_owned(),
        _ => String::new(),
    };
    match (&e, code.as_deref()) {
        (sqlx::Error::RowNotFound, _) => DbError::NotFound(format!("{what}: not found")),
        (sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_), _) => DbError::Unreadable {
            message: format!("{what}: the stored row cannot be read back ({e})"),
            source: e,
        },
        (sqlx::Error::Database(_), Some("23505")) => DbError::Conflict {
            message: format!("{what}: already exists"),
            source: e,
        },
        // Class 22 (data exceptions, e.g. a NUL character in text or JSON) and broken
        // constraints are bad input, not server faults.
        (sqlx::Error::Database(_), Some(code))
            if code.starts_with("22") || code == "23514" || code == "23502" =>
        {
            DbError::Invalid {
                message: format!("{what}: {db_message}"),
                source: e,
            }
        }
        (sqlx::Error::Database(_), Some(code))
            if code.starts_with("08") || code.starts_with("57P") || code == "53300" =>
        {
            DbError::Unavailable {
                message: format!("database unavailable while {what}: {db_message}"),
                source: e,
            }
        }
        (
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed,
            _,
        ) => DbError::Unavailable {
            message: format!(
                "database unavailable while {what}: {e}; the request can be retried once PostgreSQL is back"
            ),
            source: e,
        },
        _ => DbError::Unexpected {
            message: format!("{what}: {e}"),
            source: e,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_databases_map_to_unavailable() {
        let err = map_error(sqlx::Error::PoolTimedOut, "x");
        assert!(matches!(err, DbError::Unavailable { .. }), "{err:?}");
        assert!(
            std::error::Error::source(&err).is_some(),
            "the cause is kept"
        );
        assert!(matches!(
            map_error(sqlx::Error::RowNotFound, "x"),
            DbError::NotFound(_)
        ));
    }
}

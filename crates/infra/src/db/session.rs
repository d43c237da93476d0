//! A connection of its own, outside the pool, for what lives as long as a session does: a
//! session-level advisory lock, which PostgreSQL releases the moment the session ends.

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use super::error::{map_error, DbError};

/// A session holding an advisory lock.
pub struct LockSession(PgConnection);

impl LockSession {
    /// Takes the advisory lock `key` on a new session, unless another session holds it.
    pub(super) async fn take(
        options: &PgConnectOptions,
        key: i64,
    ) -> Result<Option<LockSession>, DbError> {
        let what = "taking an advisory lock";
        let mut conn = PgConnection::connect_with(options)
            .await
            .map_err(|e| map_error(e, what))?;
        let locked: bool = sqlx::query_scalar("select pg_try_advisory_lock($1)")
            .bind(key)
            .fetch_one(&mut conn)
            .await
            .map_err(|e| map_error(e, what))?;
        if locked {
            Ok(Some(LockSession(conn)))
        } else {
            let _ = conn.close().await;
            Ok(None)
        }
    }

    /// Whether the session, and with it the lock, is still alive.
    pub async fn alive(&mut self) -> bool {
        self.0.ping().await.is_ok()
    }
}

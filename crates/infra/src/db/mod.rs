//! PostgreSQL access: the pool, the retry policy, error mapping and migrations.

pub mod admin;
pub mod embedded;
mod error;
mod open;
mod session;
pub mod settings;
mod tls;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use tokio::sync::watch;
use utoipa::ToSchema;

use crate::backoff::Backoff;
use crate::db::settings::DatabaseSettings;
use error::is_transient;
pub use error::{map_error, DbError};
pub use open::open_database;
pub use session::LockSession;

/// The reversible migrations, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// The backoff for transient database errors, from the `database.*retry*` settings.
fn backoff(s: &DatabaseSettings) -> Backoff {
    Backoff {
        base: s.retry_base_delay_ms,
        max_delay: s.retry_max_delay_ms,
        max_retries: s.max_retries,
    }
}

/// The shared handle every PostgreSQL SOR uses: a pool, or the reason there is none.
#[derive(Clone)]
pub struct Database {
    pool: Option<PgPool>,
    disabled: Option<Arc<str>>,
    /// Whether migrations have run; the stores answer 503 until then.
    schema_ready: Arc<watch::Sender<bool>>,
    retry: Backoff,
}

/// Pool usage, for `/health` and `/metrics`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

impl Database {
    /// A lazily connecting pool: the service starts even when PostgreSQL is down.
    pub fn connect(options: PgConnectOptions, settings: &DatabaseSettings) -> Self {
        let pool = PgPoolOptions::new()
            .max_connections(settings.pool_size.get())
            .acquire_timeout(settings.acquire_timeout_secs)
            .connect_lazy_with(options);
        Database {
            pool: Some(pool),
            disabled: None,
            schema_ready: Arc::new(watch::Sender::new(false)),
            retry: backoff(settings),
        }
    }

    /// No database: every store call answers 503 with `reason` (which says how to enable it).
    pub fn disabled(reason: impl Into<String>) -> Self {
        Database {
            pool: None,
            disabled: Some(Arc::from(reason.into())),
            schema_ready: Arc::new(watch::Sender::new(false)),
            retry: Backoff::NONE,
        }
    }

    /// Applies pending migrations once; the stores answer 503 until this succeeded.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let pool = self.raw_pool()?;
        MIGRATOR.run(pool).await.map_err(DbError::Migration)?;
        self.schema_ready.send_replace(true);
        Ok(())
    }

    /// Retries migrations until they succeed, returning at once when there is no database to
    /// migrate. Run it as a background task: the service answers meanwhile, its stores 503.
    pub async fn migrate_until_done(&self) {
        if self.pool.is_none() {
            return;
        }
        let mut attempt = 0;
        loop {
            match self.migrate().await {
                Ok(()) => {
                    tracing::info!("database schema is up to date");
                    return;
                }
                Err(e) => {
                    let delay = self.retry.delay(attempt).max(Duration::from_millis(200));
                    tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "database not ready");
                    tokio::time::sleep(delay).await;
                    attempt = attempt.saturating_add(1);
                }
            }
        }
    }

    /// Takes the advisory lock `key` on a session of its own, unless another session holds it.
    pub async fn try_lock(&self, key: i64) -> Result<Option<LockSession>, DbError> {
        LockSession::take(&self.pool()?.connect_options(), key).await
    }

    /// Whether the service runs without a database (its stores answer 503).
    pub fn is_disabled(&self) -> bool {
        self.pool.is_none()
    }

    /// Whether there is a database and its schema is migrated.
    pub fn schema_ready(&self) -> bool {
        *self.schema_ready.borrow()
    }

    /// Resolves once the schema is migrated (at once if it is), so that background work
    /// starts its first round on a database it can use; never, for a process without one.
    pub fn schema_migrated(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut migrated = self.schema_ready.subscribe();
        let disabled = self.pool.is_none();
        async move {
            if disabled || migrated.wait_for(|ready| *ready).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// The pool, once the schema is in place.
    pub fn pool(&self) -> Result<&PgPool, DbError> {
        let pool = self.raw_pool()?;
        if !self.schema_ready() {
            return Err(DbError::NotReady(
                "database is not ready yet: its schema has not been migrated (is PostgreSQL reachable?)".into(),
            ));
        }
        Ok(pool)
    }

    fn raw_pool(&self) -> Result<&PgPool, DbError> {
        match (&self.pool, &self.disabled) {
            (Some(pool), _) => Ok(pool),
            (None, reason) => Err(DbError::NotReady(
                reason
                    .as_deref()
                    .unwrap_or("database is not configured")
                    .to_owned(),
            )),
        }
    }

    /// Runs `op` against the pool, retrying transient failures, and maps errors to [`DbError`].
    pub async fn run<T, F, Fut>(&self, what: &str, op: F) -> Result<T, DbError>
    where
        F: Fn(PgPool) -> Fut,
        Fut: Future<Output = Result<T, sqlx::Error>>,
    {
        let pool = self.pool()?;
        let mut attempt = 0;
        loop {
            match op(pool.clone()).await {
                Ok(value) => return Ok(value),
                Err(e) if is_transient(&e) && self.retry.allows(attempt) => {
                    let delay = self.retry.delay(attempt);
                    tracing::warn!(error = %e, attempt, what, "transient database error; retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(e) => return Err(map_error(e, what)),
            }
        }
    }

    /// Runs `sql` (a `delete ... where id = $1`) for `id`; `not_found` when no row had it.
    pub async fn delete_by_id<E: From<DbError>>(
        &self,
        what: &str,
        sql: &'static str,
        id: i32,
        not_found: impl FnOnce() -> E,
    ) -> Result<(), E> {
        let deleted = self
            .run(what, |pool| async move {
                sqlx::query(sql).bind(id).execute(&pool).await
            })
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(not_found());
        }
        Ok(())
    }

    /// `select 1` with its latency; used by `/health` and readiness.
    pub async fn ping(&self) -> Result<Duration, DbError> {
        let pool = self.pool()?;
        let started = Instant::now();
        sqlx::query("select 1")
            .execute(pool)
            .await
            .map_err(|e| map_error(e, "health check"))?;
        Ok(started.elapsed())
    }

    /// Current pool usage, when there is a pool.
    pub fn pool_stats(&self) -> Option<PoolStats> {
        self.pool.as_ref().map(|p| PoolStats {
            size: p.size(),
            idle: u32::try_from(p.num_idle()).unwrap_or(u32::MAX),
            max: p.options().get_max_connections(),
        })
    }

    /// Closes the pool (on shutdown, before the embedded server stops).
    pub async fn close(&self) {
        if let Some(pool) = &self.pool {
            pool.close().await;
        }
    }
}

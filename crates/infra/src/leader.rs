//! One leader at a time (of the alert evaluator; of the regression announcer): whoever holds a
//! PostgreSQL advisory lock leads. The lock lives on its own session, so when the leader dies
//! PostgreSQL releases it, and a standby takes it at its next try (within one interval).

use async_trait::async_trait;
use tokio::sync::Mutex;

use crate::db::{Database, LockSession};
use crate::sor::SorError;

/// The advisory-lock key of the alert evaluator ("pyro-alr" in ASCII).
const EVALUATOR_LOCK: i64 = 0x7079_726f_2d61_6c72;
/// The advisory-lock key of the regression announcer ("pyro-reg").
const ANNOUNCER_LOCK: i64 = 0x7079_726f_2d72_6567;

/// Leadership of one kind of work through an advisory lock.
pub struct PgLeadership {
    db: Database,
    key: i64,
    session: Mutex<Option<LockSession>>,
}

impl PgLeadership {
    /// Leadership of the alert evaluator.
    pub fn new(db: Database) -> Self {
        Self::of(db, EVALUATOR_LOCK)
    }

    /// Leadership of the regression announcer (which tells Alertmanager).
    pub fn announcer(db: Database) -> Self {
        Self::of(db, ANNOUNCER_LOCK)
    }

    fn of(db: Database, key: i64) -> Self {
        PgLeadership {
            db,
            key,
            session: Mutex::new(None),
        }
    }
}

#[async_trait]
impl Leadership for PgLeadership {
    async fn lead(&self) -> Result<bool, SorError> {
        let mut session = self.session.lock().await;
        if let Some(held) = session.as_mut() {
            if held.alive().await {
                return Ok(true);
            }
            tracing::warn!(
                key = self.key,
                "the session holding a leader lock ended; trying to take it again"
            );
            *session = None;
        }
        *session = self.db.try_lock(self.key).await?;
        Ok(session.is_some())
    }
}

/// Which of several replicas does a job that must run once (the alert evaluator).
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait Leadership: Send + Sync {
    /// Whether this process leads now: takes the lead when it is free, keeps it while held.
    async fn lead(&self) -> Result<bool, SorError>;
}

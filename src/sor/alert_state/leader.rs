//! One evaluator at a time: whoever holds a PostgreSQL advisory lock leads. The lock lives on
//! its own session, so when the leader dies PostgreSQL releases it, and a standby takes it at
//! its next try (within one interval).

use async_trait::async_trait;
use tokio::sync::Mutex;

use crate::db::{Database, LockSession};
use crate::sor::{Leadership, SorError};

/// The advisory-lock key of the alert evaluator ("pyro-alr" in ASCII).
const EVALUATOR_LOCK: i64 = 0x7079_726f_2d61_6c72;

/// Leadership of the alert evaluator through an advisory lock.
pub struct PgLeadership {
    db: Database,
    session: Mutex<Option<LockSession>>,
}

impl PgLeadership {
    pub fn new(db: Database) -> Self {
        PgLeadership {
            db,
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
            tracing::warn!("the session holding the evaluator lock ended; trying to take it again");
            *session = None;
        }
        *session = self.db.try_lock(EVALUATOR_LOCK).await?;
        Ok(session.is_some())
    }
}

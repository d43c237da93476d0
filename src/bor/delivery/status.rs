//! What `/health` shows of delivery: the outbox's pending and given-up counts, the age of the
//! oldest pending notification, and the sends in flight in this process.

use std::sync::{Mutex, PoisonError};

use chrono::Utc;

use crate::sor::outbox::OutboxStats;
use crate::sor::SorError;
use crate::tasks::TaskStatus;

#[derive(Default)]
struct Seen {
    stats: Option<OutboxStats>,
    in_flight: usize,
    failure: Option<String>,
}

/// The delivery task's state, as `/health` shows it under `alertDelivery`.
#[derive(Default)]
pub struct DeliveryStatus(Mutex<Seen>);

impl DeliveryStatus {
    /// New counts from the outbox, or why there are none.
    pub fn refresh(&self, stats: Result<OutboxStats, SorError>, in_flight: usize) {
        let mut seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        seen.in_flight = in_flight;
        match stats {
            Ok(stats) => {
                seen.stats = Some(stats);
                seen.failure = None;
            }
            Err(error) => seen.failure = Some(format!("the outbox cannot be read: {error}")),
        }
    }

    /// The outbox could not be drained.
    pub fn failed(&self, why: String) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .failure = Some(why);
    }
}

impl TaskStatus for DeliveryStatus {
    fn name(&self) -> &'static str {
        "alertDelivery"
    }

    fn state(&self) -> Result<Option<serde_json::Value>, String> {
        let seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(failure) = &seen.failure {
            return Err(failure.clone());
        }
        let stats = seen.stats.clone().unwrap_or_default();
        let oldest = stats
            .oldest_pending
            .map(|at| (Utc::now() - at).num_seconds().max(0));
        Ok(Some(serde_json::json!({
            "pending": stats.pending,
            "givenUp": stats.given_up,
            "oldestPendingSecs": oldest,
            "inFlight": seen.in_flight,
        })))
    }
}

//! What `/health` shows of delivery: the outbox's pending and given-up counts, the age of the
//! oldest pending notification, and the sends in flight in this process.

use std::sync::{Mutex, PoisonError};

use chrono::Utc;

use crate::sor::outbox::OutboxStats;
use crate::sor::SorError;
use crate::tasks::TaskStatus;

/// Failed reads in a row before `/health` shows delivery down: a process starting before its
/// schema is migrated fails its first claim or two, and is not broken for that.
const FAILURES_SHOWN_FROM: u32 = 3;

#[derive(Default)]
struct Seen {
    stats: Option<OutboxStats>,
    in_flight: usize,
    failure: Option<String>,
    failures_in_a_row: u32,
}

/// The delivery task's state, as `/health` shows it under `alertDelivery`.
#[derive(Default)]
pub struct DeliveryStatus(Mutex<Seen>);

impl DeliveryStatus {
    /// New counts from the outbox, or why there are none.
    pub fn refresh(&self, stats: Result<OutboxStats, SorError>, in_flight: usize) {
        let error = {
            let mut seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            seen.in_flight = in_flight;
            match stats {
                Ok(stats) => {
                    seen.stats = Some(stats);
                    return;
                }
                Err(error) => error,
            }
        };
        self.failed(format!("the outbox cannot be read: {error}"));
    }

    /// The outbox could be read.
    pub fn succeeded(&self) {
        let mut seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        seen.failure = None;
        seen.failures_in_a_row = 0;
    }

    /// The outbox could not be read.
    pub fn failed(&self, why: String) {
        let mut seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        seen.failure = Some(why);
        seen.failures_in_a_row = seen.failures_in_a_row.saturating_add(1);
    }
}

impl TaskStatus for DeliveryStatus {
    fn name(&self) -> &'static str {
        "alertDelivery"
    }

    fn state(&self) -> Result<Option<serde_json::Value>, String> {
        let seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(failure) = &seen.failure {
            if seen.failures_in_a_row >= FAILURES_SHOWN_FROM {
                return Err(failure.clone());
            }
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

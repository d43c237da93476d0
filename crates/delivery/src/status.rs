//! What `/health` shows of delivery beside how its rounds go: the outbox's pending and
//! given-up counts, the age of the oldest pending notification, and the sends in flight in
//! this process.

use chrono::Utc;

use crate::outbox::OutboxStats;
use pf_infra::sor::SorError;
use pf_infra::tasks::{RoundStatus, TaskDetails};

/// The delivery task's state, as `/health` shows it under `alertDelivery`; a round is a claim
/// from the outbox or a read of its counts.
pub type DeliveryStatus = RoundStatus<Delivering>;

/// Delivery's own details.
#[derive(Default)]
pub struct Delivering {
    stats: Option<OutboxStats>,
    in_flight: usize,
}

impl TaskDetails for Delivering {
    const NAME: &'static str = "alertDelivery";

    fn json(&self) -> serde_json::Value {
        let stats = self.stats.clone().unwrap_or_default();
        let oldest = stats
            .oldest_pending
            .map(|at| (Utc::now() - at).num_seconds().max(0));
        serde_json::json!({
            "pending": stats.pending,
            "givenUp": stats.given_up,
            "oldestPendingSecs": oldest,
            "inFlight": self.in_flight,
        })
    }
}

/// New counts from the outbox, or why there are none (a failed round).
pub fn refresh(status: &DeliveryStatus, stats: Result<OutboxStats, SorError>, in_flight: usize) {
    let error = status.update(|seen| {
        seen.in_flight = in_flight;
        match stats {
            Ok(stats) => {
                seen.stats = Some(stats);
                None
            }
            Err(error) => Some(error),
        }
    });
    if let Some(error) = error {
        status.failed(format!("the outbox cannot be read: {error}"));
    }
}

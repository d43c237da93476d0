//! Draining the outbox: due notifications are claimed as send slots free up, up to
//! `concurrency` in flight, each attempt bounded by the delivery timeout, and each outcome
//! recorded: delivered, tried again later (backing off per notification), or given up. A
//! notification that keeps failing waits out its own backoff and never holds up a fresh one.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::Instant;
use url::Url;

use super::policy::{Next, RetryPolicy};
use super::status::{refresh, DeliveryStatus};
use super::{count, describe};
use crate::outbox::{ClaimedNotification, NotificationOutbox, Settlement};
use pf_infra::backoff::Backoff;
use pf_infra::outbound::{Failure, Outbound};
use pf_infra::tasks::Shutdown;
use pf_infra::telemetry::Metrics;

/// The longest wait between two looks at the outbox: rows other replicas enqueue are seen
/// within it.
const MAX_IDLE: Duration = Duration::from_secs(1);
/// How often `/health`'s counts are refreshed.
const STATS_EVERY: Duration = Duration::from_secs(2);
/// How often settled notifications past their keeping age are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// How soon a prune that failed is tried again.
const PRUNE_RETRY: Duration = Duration::from_secs(5);

/// The body of every webhook: the notification's `id` (also its `Idempotency-Key`) and what
/// its producer rendered.
#[derive(Serialize)]
struct Envelope<'a> {
    id: i64,
    #[serde(flatten)]
    body: &'a Value,
}

/// Sends the outbox's notifications.
pub struct Drain {
    pub outbox: Arc<dyn NotificationOutbox>,
    pub webhooks: Outbound,
    pub policy: RetryPolicy,
    pub concurrency: usize,
    pub timeout: Duration,
    /// How long delivered and given-up notifications are kept.
    pub keep_settled: Duration,
    pub metrics: Arc<Metrics>,
}

impl Drain {
    /// Drains until shutdown; `wake` says that this process enqueued something.
    pub async fn run(
        self: Arc<Self>,
        wake: &Notify,
        status: &DeliveryStatus,
        mut shutdown: Shutdown,
    ) {
        // A claim outlives its attempt, so that no other replica takes the row meanwhile.
        let lease = self.timeout * 2 + Duration::from_secs(10);
        // Each attempt is a task of its own: it goes on (and may use a database connection)
        // while this loop waits for the next claim.
        let mut in_flight = JoinSet::new();
        let mut stats_at = Instant::now();
        let mut prune_at = Instant::now();
        loop {
            if Instant::now() >= prune_at {
                prune_at = Instant::now() + PRUNE_EVERY;
                match self.outbox.prune(self.keep_settled).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(
                        pruned = n,
                        "settled notifications past their keeping age deleted"
                    ),
                    // At start-up the schema may not be migrated yet: soon again, not in an hour.
                    Err(error) => {
                        tracing::debug!(%error, "the outbox cannot be pruned yet");
                        prune_at = Instant::now() + PRUNE_RETRY;
                    }
                }
            }
            let free = self.concurrency.saturating_sub(in_flight.len());
            let mut idle = MAX_IDLE;
            if free > 0 {
                let limit = u32::try_from(free).unwrap_or(u32::MAX);
                match self.outbox.claim(limit, lease).await {
                    Ok(claimed) => {
                        status.succeeded();
                        let full = claimed.len() == free;
                        for notification in claimed {
                            let drain = self.clone();
                            in_flight.spawn(async move { drain.attempt(notification).await });
                        }
                        idle = if full {
                            Duration::ZERO
                        } else {
                            self.until_due().await
                        };
                    }
                    Err(error) => {
                        tracing::warn!(%error, "the notification outbox cannot be read");
                        status.failed(format!("the outbox cannot be read: {error}"));
                    }
                }
            }
            if stats_at.elapsed() >= STATS_EVERY {
                stats_at = Instant::now();
                refresh(status, self.outbox.stats().await, in_flight.len());
            }
            tokio::select! {
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                _ = wake.notified() => {}
                _ = tokio::time::sleep(idle), if in_flight.len() < self.concurrency => {}
                deadline = shutdown.requested() => {
                    // What is not settled by then is tried again when its lease ends.
                    let finish = async { while in_flight.join_next().await.is_some() {} };
                    let _ = tokio::time::timeout_at(deadline, finish).await;
                    return;
                }
            }
        }
    }

    /// The wait until the next notification is due, at most [`MAX_IDLE`].
    async fn until_due(&self) -> Duration {
        match self.outbox.next_due().await {
            Ok(Some(due)) => due.clamp(Duration::from_millis(10), MAX_IDLE),
            Ok(None) | Err(_) => MAX_IDLE,
        }
    }

    /// One attempt at `n`, and its outcome recorded.
    async fn attempt(&self, n: ClaimedNotification) {
        let attempts = u32::try_from(n.attempts).unwrap_or(1);
        let settlement = match self.send(&n).await {
            Ok(()) => {
                count(&self.metrics, "webhook", "ok");
                Settlement::Delivered
            }
            Err(Failure::Unreachable {
                cause,
                denied: true,
                ..
            }) => {
                count(&self.metrics, "webhook", "denied");
                tracing::warn!(id = n.id, kind = n.kind.as_str(), %cause, "a notification's address is refused; given up");
                Settlement::GivenUp { error: cause }
            }
            Err(failure) => {
                count(&self.metrics, "webhook", "error");
                let error = describe(&failure);
                let age = (chrono::Utc::now() - n.created_at)
                    .to_std()
                    .unwrap_or_default();
                match self.policy.after_failure(attempts, age) {
                    Next::RetryAfter(after) => {
                        tracing::debug!(id = n.id, attempts, %error, "a notification failed; trying again later");
                        Settlement::Retry { after, error }
                    }
                    Next::GiveUp(why) => {
                        count(&self.metrics, "webhook", "given_up");
                        tracing::warn!(id = n.id, kind = n.kind.as_str(), attempts, %error, "a notification is given up: {why}");
                        Settlement::GivenUp {
                            error: format!("{error}; {why}"),
                        }
                    }
                }
            }
        };
        match self.outbox.settle(n.id, n.attempts, &settlement).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(
                    id = n.id,
                    "a notification's attempt outlived its lease; another replica has it"
                )
            }
            Err(error) => {
                tracing::warn!(id = n.id, %error, "a notification's attempt could not be recorded; it is tried again when its lease ends")
            }
        }
    }

    async fn send(&self, n: &ClaimedNotification) -> Result<(), Failure> {
        let unsendable = |cause: &str| Failure::Unreachable {
            cause: cause.to_owned(),
            connect: true,
            denied: true,
        };
        let url = Url::parse(&n.destination).map_err(|_| unsendable("not a URL"))?;
        if !n.payload.is_object() {
            return Err(unsendable("its stored body is not a JSON object"));
        }
        let body = Envelope {
            id: n.id,
            body: &n.payload,
        };
        let key = n.id.to_string();
        // One request per attempt: the outbox, not the client, decides when to try again.
        self.webhooks
            .send(Instant::now() + self.timeout, Backoff::NONE, || {
                self.webhooks
                    .client()
                    .post(url.clone())
                    .header("Idempotency-Key", key.as_str())
                    .json(&body)
            })
            .await
            .map(drop)
    }
}

//! `HistoryWriter`: drains the history queue in batches, waits out store outages without
//! losing a record, and at shutdown writes what is queued before its deadline.

use std::fmt;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::queue::QueueState;
use crate::{HistorySor, NewHistoryRecord};
use pf_infra::backoff::Backoff;
use pf_infra::sor::SorError;
use pf_infra::tasks::{Shutdown, TaskStatus};

/// Most records one write carries. While a write is under way the queue fills, so the next
/// batch is larger: a busy store gets fewer, bigger statements.
const MAX_BATCH: usize = 256;

/// Writes the queued records to the History SOR, one batch at a time.
pub struct HistoryWriter {
    store: Arc<dyn HistorySor>,
    queue: mpsc::Receiver<NewHistoryRecord>,
    state: Arc<QueueState>,
    policy: Backoff,
}

/// Why records were given up.
enum Unwritten {
    /// The store refused them: trying again would be refused again.
    Refused(SorError),
    /// The store stayed unreachable until the shutdown deadline.
    OutOfTime(SorError),
}

impl fmt::Display for Unwritten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unwritten::Refused(e) => write!(f, "the history store refused it: {e}"),
            Unwritten::OutOfTime(e) => write!(f, "shutting down before the store took it: {e}"),
        }
    }
}

impl HistoryWriter {
    pub(super) fn new(
        store: Arc<dyn HistorySor>,
        queue: mpsc::Receiver<NewHistoryRecord>,
        state: Arc<QueueState>,
        policy: Backoff,
    ) -> Self {
        HistoryWriter {
            store,
            queue,
            state,
            policy,
        }
    }

    /// What `/health` shows of the queue and the writer.
    pub fn status(&self) -> Arc<dyn TaskStatus> {
        self.state.clone()
    }

    /// Writes batches until shutdown, then what is queued by then, within its deadline.
    pub async fn run(mut self, mut shutdown: Shutdown) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        let mut closed = false;
        loop {
            // Checked before waiting too: a queue that never runs dry must still be closed.
            if !closed && shutdown.deadline().is_some() {
                // New records are refused (and counted); those queued are still written.
                self.queue.close();
                closed = true;
            }
            let taken = tokio::select! {
                biased;
                taken = self.queue.recv_many(&mut batch, MAX_BATCH) => taken,
                _ = shutdown.requested(), if !closed => continue,
            };
            if taken == 0 {
                // Closed and empty: everything queued was written or given up.
                return;
            }
            self.write(&batch, &mut shutdown).await;
            self.state.remove_pending(batch.len());
            batch.clear();
        }
    }

    /// Writes `batch`, or gives up (counting and logging) the records the store refuses.
    async fn write(&self, batch: &[NewHistoryRecord], shutdown: &mut Shutdown) {
        match self.settle(batch, shutdown).await {
            Ok(()) => {}
            // One bad record fails the statement for all: write them one by one to find it.
            Err(Unwritten::Refused(e)) if batch.len() > 1 => {
                tracing::debug!(error = %e, size = batch.len(), "batch refused; writing its records one by one");
                for record in batch {
                    if let Err(unwritten) =
                        self.settle(std::slice::from_ref(record), shutdown).await
                    {
                        self.state.drop_record(record, &unwritten.to_string());
                    }
                }
            }
            Err(unwritten) => {
                let reason = unwritten.to_string();
                for record in batch {
                    self.state.drop_record(record, &reason);
                }
            }
        }
    }

    /// Offers `records` to the store until it takes or refuses them. While it cannot be
    /// reached, waits with a capped backoff and offers them again (the same keys, so a write
    /// that did arrive is not stored twice) — forever, or until the shutdown deadline.
    async fn settle(
        &self,
        records: &[NewHistoryRecord],
        shutdown: &mut Shutdown,
    ) -> Result<(), Unwritten> {
        let mut retry = 0;
        loop {
            let error = match self.attempt(records, shutdown).await {
                Ok(()) => {
                    self.state.store_answered();
                    return Ok(());
                }
                Err(e) if !e.is_transient() => return Err(Unwritten::Refused(e)),
                Err(e) => e,
            };
            let deadline = shutdown.deadline();
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(Unwritten::OutOfTime(error));
            }
            let delay = self.policy.delay(retry);
            self.state.store_failed(&error);
            self.state.metrics.history_write_retries.inc();
            tracing::warn!(error = %error, retry, records = records.len(), retry_in_ms = delay.as_millis() as u64, "history store unreachable; the records wait");
            let wake = Instant::now() + delay;
            match deadline {
                Some(deadline) => tokio::time::sleep_until(wake.min(deadline)).await,
                None => tokio::select! {
                    _ = tokio::time::sleep_until(wake) => {}
                    // Shutdown has begun: try again now rather than sleep into the deadline.
                    _ = shutdown.requested() => {}
                },
            }
            retry = retry.saturating_add(1);
        }
    }

    /// One write; once shutdown has begun, one that outlasts the deadline counts as failed.
    async fn attempt(
        &self,
        records: &[NewHistoryRecord],
        shutdown: &mut Shutdown,
    ) -> Result<(), SorError> {
        let out_of_time = || {
            SorError::Timeout("the store did not answer before the shutdown deadline".to_owned())
        };
        // Not even started past the deadline: it could be stored while logged as dropped.
        if shutdown.deadline().is_some_and(|d| Instant::now() >= d) {
            return Err(out_of_time());
        }
        let call = self.store.create_many(records);
        tokio::pin!(call);
        tokio::select! {
            result = &mut call => result,
            deadline = shutdown.requested() => tokio::time::timeout_at(deadline, &mut call)
                .await
                .unwrap_or_else(|_| Err(out_of_time())),
        }
    }
}

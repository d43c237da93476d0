//! Assessment history, written off the request path: `HistoryRecorder` puts each record in one
//! bounded queue, and `HistoryWriter`, a supervised task, writes the queue in batches.

mod queue;
mod writer;

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;

use tokio::sync::mpsc::{self, error::TrySendError};

use crate::{HistorySor, NewHistoryRecord};
use pf_infra::backoff::Backoff;
use pf_infra::durations;
use pf_infra::telemetry::Metrics;

use queue::QueueState;
pub use writer::HistoryWriter;

/// The queue of assessment-history records: its bound, its retries and its drain at shutdown.
#[derive(Debug, Clone, Deserialize)]
pub struct HistoryWriteSettings {
    /// Delay before the first retry of an unreachable store; doubled before each further one.
    /// Not zero: an outage would be retried in a busy loop.
    #[serde(deserialize_with = "durations::positive_millis")]
    pub base_delay_ms: Duration,
    /// The longest delay between two retries.
    #[serde(deserialize_with = "durations::millis")]
    pub max_delay_ms: Duration,
    /// Records waiting at most; past it a record is dropped (and counted) at once.
    pub max_pending: NonZeroUsize,
    /// How long shutdown waits for the queued records to be written.
    #[serde(deserialize_with = "durations::secs")]
    pub drain_timeout_secs: Duration,
}

/// The queue of `settings` in front of `store`: transient failures are retried until the
/// store answers (the records' keys make that safe).
pub fn start(
    settings: &HistoryWriteSettings,
    store: Arc<dyn HistorySor>,
    metrics: Arc<Metrics>,
) -> (HistoryRecorder, HistoryWriter) {
    let policy = Backoff {
        base: settings.base_delay_ms,
        max_delay: settings.max_delay_ms,
        max_retries: u32::MAX,
    };
    history_queue(store, policy, settings.max_pending.get(), metrics)
}

/// One queue of at most `max_pending` (at least 1) waiting records: the recorder that fills
/// it and the writer that drains it into `store`, for the task supervisor to run.
pub fn history_queue(
    store: Arc<dyn HistorySor>,
    policy: Backoff,
    max_pending: usize,
    metrics: Arc<Metrics>,
) -> (HistoryRecorder, HistoryWriter) {
    let max_pending = max_pending.max(1);
    // Tokio allocates a bounded channel's slots as they fill, not up front.
    let (sender, receiver) = mpsc::channel(max_pending);
    let state = Arc::new(QueueState {
        max_pending,
        pending: AtomicUsize::new(0),
        dropped: AtomicU64::new(0),
        last_drop: Mutex::new(None),
        store_error: Mutex::new(None),
        metrics,
    });
    let recorder = HistoryRecorder {
        queue: sender,
        state: state.clone(),
    };
    (recorder, HistoryWriter::new(store, receiver, state, policy))
}

/// Puts assessment records in the history queue; one for all the BORs of a process.
#[derive(Clone)]
pub struct HistoryRecorder {
    queue: mpsc::Sender<NewHistoryRecord>,
    state: Arc<QueueState>,
}

impl HistoryRecorder {
    /// Queues `record` for the writer without waiting, so the answer is neither delayed nor
    /// failed by it. Only when `max_pending` records wait already (the store has been down or
    /// slow for long) is it dropped: counted, and logged in full so it can be replayed.
    /// Returns whether it was queued.
    pub fn record(&self, record: NewHistoryRecord) -> bool {
        // Counted before it is sent: the writer may be done with it before `try_send` returns.
        self.state.add_pending(1);
        let (record, reason) = match self.queue.try_send(record) {
            Ok(()) => return true,
            Err(TrySendError::Full(record)) => (record, "the history queue is full"),
            Err(TrySendError::Closed(record)) => (record, "the history writer has stopped"),
        };
        self.state.remove_pending(1);
        self.state.drop_record(&record, reason);
        false
    }
}

#[cfg(test)]
mod tests;

//! What the recorder and the writer share: the queue's counts, shown in `/health` and `/metrics`.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use crate::NewHistoryRecord;
use pf_infra::sor::SorError;
use pf_infra::tasks::TaskStatus;
use pf_infra::telemetry::Metrics;

/// How long `/health` shows the writer `down` after it dropped a record: long enough for
/// probes and people to notice, short enough to clear once the cause has passed.
const DROPS_SHOWN_FOR: Duration = Duration::from_secs(300);

/// What the recorder and the writer share: the counts `/health` and `/metrics` show.
pub(super) struct QueueState {
    pub(super) max_pending: usize,
    /// Records queued or being written.
    pub(super) pending: AtomicUsize,
    pub(super) dropped: AtomicU64,
    pub(super) last_drop: Mutex<Option<Instant>>,
    /// Why the store could not take the last batch, until it takes one.
    pub(super) store_error: Mutex<Option<String>>,
    pub(super) metrics: Arc<Metrics>,
}

impl QueueState {
    pub(super) fn add_pending(&self, n: usize) {
        self.pending.fetch_add(n, Ordering::Relaxed);
        self.metrics
            .history_writes_pending
            .add(i64::try_from(n).unwrap_or(i64::MAX));
    }

    pub(super) fn remove_pending(&self, n: usize) {
        self.pending.fetch_sub(n, Ordering::Relaxed);
        self.metrics
            .history_writes_pending
            .sub(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// Gives `record` up: counted, and logged in full so it can be replayed by hand (with its
    /// key as `Idempotency-Key`, so a replay of a record that was stored after all is harmless).
    pub(super) fn drop_record(&self, record: &NewHistoryRecord, reason: &str) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
        self.metrics.history_writes_dropped.inc();
        *lock(&self.last_drop) = Some(Instant::now());
        tracing::error!(
            reason,
            key = %record.key,
            record = %record_json(record),
            "history record dropped"
        );
    }

    pub(super) fn store_failed(&self, e: &SorError) {
        *lock(&self.store_error) = Some(e.to_string());
    }

    pub(super) fn store_answered(&self) {
        *lock(&self.store_error) = None;
    }
}

/// The counts stay usable after a panic elsewhere while the lock was held.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl TaskStatus for QueueState {
    fn name(&self) -> &'static str {
        "historyWriter"
    }

    /// `down` (so `/health` says `degraded`) for a while after a record was dropped; waiting
    /// records alone are no fault: the database check shows why they wait.
    fn state(&self) -> Result<Option<serde_json::Value>, String> {
        let pending = self.pending.load(Ordering::Relaxed);
        let dropped = self.dropped.load(Ordering::Relaxed);
        if let Some(at) = *lock(&self.last_drop) {
            let ago = at.elapsed();
            if ago < DROPS_SHOWN_FOR {
                return Err(format!(
                    "{dropped} history record(s) dropped since start, the last {}s ago; \
                     {pending} of at most {} waiting",
                    ago.as_secs(),
                    self.max_pending
                ));
            }
        }
        Ok(Some(json!({
            "pending": pending,
            "maxPending": self.max_pending,
            "dropped": dropped,
            "storeError": *lock(&self.store_error),
        })))
    }
}

/// The record as the History SOR's `POST /history` body.
pub fn record_json(record: &NewHistoryRecord) -> serde_json::Value {
    let mut body = json!({
        "appName": record.app_name,
        "profileTypes": record.profile_types,
        "diagnosis": record.diagnosis,
        "severity": record.severity,
        "topFunctions": record.top_functions,
        "recommendation": record.recommendation,
        "requestedBy": record.requested_by,
    });
    if let Some(labels) = &record.labels {
        body["labels"] = json!(labels);
    }
    if let Some(claim) = &record.on_behalf_of {
        body["onBehalfOf"] = json!(claim);
    }
    body
}

//! `HistoryRecorder`: stores assessments in the background, retrying, never failing the answer.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::Semaphore;

use crate::sor::history::NewHistoryRecord;
use crate::sor::{HistorySor, SorError};
use crate::telemetry::Metrics;

/// How a failed write is retried: `attempts` tries in all, waiting `base_delay · 2^n` before
/// retry `n` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base_delay: Duration,
}

impl RetryPolicy {
    /// The wait before retry `n` (0-based), saturating instead of overflowing.
    pub fn delay(&self, retry: u32) -> Duration {
        self.base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(16)))
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(200),
        }
    }
}

/// Records being written (or waiting to retry) at most, unless configured otherwise.
pub const DEFAULT_MAX_PENDING: usize = 1024;

/// Writes assessment records to the History SOR off the request path.
#[derive(Clone)]
pub struct HistoryRecorder {
    store: Arc<dyn HistorySor>,
    policy: RetryPolicy,
    metrics: Arc<Metrics>,
    /// One permit per record in flight: bounds the memory a slow or stopped store can hold.
    pending: Arc<Semaphore>,
}

impl HistoryRecorder {
    pub fn new(store: Arc<dyn HistorySor>, policy: RetryPolicy, metrics: Arc<Metrics>) -> Self {
        HistoryRecorder {
            store,
            policy,
            metrics,
            pending: Arc::new(Semaphore::new(DEFAULT_MAX_PENDING)),
        }
    }

    /// The same recorder holding at most `max_pending` (at least 1) records in flight.
    pub fn with_max_pending(mut self, max_pending: usize) -> Self {
        self.pending = Arc::new(Semaphore::new(max_pending.max(1)));
        self
    }

    /// Stores `record` in a background task, so the answer is neither delayed nor failed by it.
    /// When `max_pending` records are already in flight (the store is down or slow), the record
    /// is dropped at once and counted, rather than held in memory. The handle resolves to
    /// whether the record was stored; callers may ignore it.
    pub fn record(&self, record: NewHistoryRecord) -> tokio::task::JoinHandle<bool> {
        let Ok(permit) = self.pending.clone().try_acquire_owned() else {
            self.drop_record(&record, "too many history writes in flight");
            return tokio::spawn(std::future::ready(false));
        };
        let recorder = self.clone();
        tokio::spawn(async move {
            let stored = recorder.write(record).await;
            drop(permit);
            stored
        })
    }

    fn drop_record(&self, record: &NewHistoryRecord, reason: &str) {
        self.metrics.history_writes_dropped.inc();
        tracing::error!(reason, record = %record_json(record), "history write dropped");
    }

    /// Writes with retries. A record that cannot be stored is counted in
    /// `history_writes_dropped_total` and logged in full, so it can be replayed by hand.
    pub async fn write(&self, record: NewHistoryRecord) -> bool {
        let mut retry = 0;
        loop {
            match self.store.create(record.clone()).await {
                Ok(_) => return true,
                Err(e) if retryable(&e) && retry + 1 < self.policy.attempts => {
                    tokio::time::sleep(self.policy.delay(retry)).await;
                    retry += 1;
                    self.metrics.history_write_retries.inc();
                    tracing::warn!(error = %e, retry, app = %record.app_name, "retrying a history write");
                }
                Err(e) => {
                    let reason = format!("{e} (after {} attempts)", retry + 1);
                    self.drop_record(&record, &reason);
                    return false;
                }
            }
        }
    }
}

/// Only failures that may pass on a later try are retried; a refused record stays refused.
fn retryable(e: &SorError) -> bool {
    matches!(
        e,
        SorError::Unavailable(_) | SorError::Timeout(_) | SorError::Upstream(_)
    )
}

/// The record as the History SOR's `POST /history` body.
pub fn record_json(record: &NewHistoryRecord) -> serde_json::Value {
    json!({
        "appName": record.app_name,
        "profileTypes": record.profile_types,
        "diagnosis": record.diagnosis,
        "severity": record.severity,
        "topFunctions": record.top_functions,
        "recommendation": record.recommendation,
        "requestedBy": record.requested_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bor::testing::stored;
    use crate::sor::history::{AssessmentSeverity, RecordKey};
    use crate::sor::MockHistorySor;

    fn record() -> NewHistoryRecord {
        NewHistoryRecord {
            key: RecordKey::new(),
            app_name: "checkout".parse().unwrap(),
            profile_types: "cpu".into(),
            diagnosis: "gc_pressure".into(),
            severity: AssessmentSeverity::High,
            top_functions: None,
            recommendation: None,
            requested_by: Some("alice".into()),
        }
    }

    fn fast() -> RetryPolicy {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(1),
        }
    }

    #[test]
    fn delays_double_from_the_base() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(0), Duration::from_millis(200));
        assert_eq!(p.delay(1), Duration::from_millis(400));
        assert_eq!(p.delay(2), Duration::from_millis(800));
    }

    #[tokio::test]
    async fn a_transient_failure_is_retried_then_stored() {
        let mut store = MockHistorySor::new();
        let mut calls = 0;
        store.expect_create().times(2).returning(move |r| {
            calls += 1;
            if calls == 1 {
                Err(SorError::Unavailable("down".into()))
            } else {
                Ok(stored(r))
            }
        });
        let metrics = Metrics::new(None).unwrap();
        let recorder = HistoryRecorder::new(Arc::new(store), fast(), metrics.clone());
        assert!(recorder.record(record()).await.unwrap());
        assert_eq!(metrics.history_write_retries.get(), 1);
        assert_eq!(metrics.history_writes_dropped.get(), 0);
    }

    #[tokio::test]
    async fn a_write_failing_every_try_is_dropped_and_counted() {
        let mut store = MockHistorySor::new();
        store
            .expect_create()
            .times(3)
            .returning(|_| Err(SorError::Timeout("slow".into())));
        let metrics = Metrics::new(None).unwrap();
        let recorder = HistoryRecorder::new(Arc::new(store), fast(), metrics.clone());
        assert!(!recorder.record(record()).await.unwrap());
        assert_eq!(metrics.history_write_retries.get(), 2);
        assert_eq!(metrics.history_writes_dropped.get(), 1);
    }

    #[tokio::test]
    async fn a_refused_record_is_not_retried() {
        let mut store = MockHistorySor::new();
        store
            .expect_create()
            .times(1)
            .returning(|_| Err(SorError::Invalid("too long".into())));
        let metrics = Metrics::new(None).unwrap();
        let recorder = HistoryRecorder::new(Arc::new(store), fast(), metrics.clone());
        assert!(!recorder.write(record()).await);
        assert_eq!(metrics.history_write_retries.get(), 0);
        assert_eq!(metrics.history_writes_dropped.get(), 1);
    }

    #[tokio::test]
    async fn past_the_pending_limit_records_are_dropped_at_once_and_counted() {
        let mut store = MockHistorySor::new();
        store
            .expect_create()
            .times(6)
            .returning(|_| Err(SorError::Unavailable("down".into())));
        let metrics = Metrics::new(None).unwrap();
        let slow = RetryPolicy {
            attempts: 2,
            base_delay: Duration::from_millis(200),
        };
        let recorder =
            HistoryRecorder::new(Arc::new(store), slow, metrics.clone()).with_max_pending(2);
        let waiting = [recorder.record(record()), recorder.record(record())];
        let third = recorder.record(record());
        // Dropped without waiting for the two in flight, which are still retrying.
        assert!(!third.await.unwrap());
        assert_eq!(metrics.history_writes_dropped.get(), 1);
        for handle in waiting {
            assert!(!handle.await.unwrap());
        }
        assert_eq!(metrics.history_writes_dropped.get(), 3);
        // Their permits are back: the next record is tried again.
        assert!(!recorder.record(record()).await.unwrap());
        assert_eq!(metrics.history_writes_dropped.get(), 3 + 1);
    }

    #[test]
    fn the_logged_record_uses_the_api_field_names() {
        let json = record_json(&record());
        assert_eq!(json["appName"], "checkout");
        assert_eq!(json["severity"], "high");
        assert_eq!(json["requestedBy"], "alice");
    }
}

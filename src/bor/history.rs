//! `HistoryRecorder`: stores assessments in the background, retrying, never failing the answer.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

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

/// Writes assessment records to the History SOR off the request path.
#[derive(Clone)]
pub struct HistoryRecorder {
    store: Arc<dyn HistorySor>,
    policy: RetryPolicy,
    metrics: Arc<Metrics>,
}

impl HistoryRecorder {
    pub fn new(store: Arc<dyn HistorySor>, policy: RetryPolicy, metrics: Arc<Metrics>) -> Self {
        HistoryRecorder {
            store,
            policy,
            metrics,
        }
    }

    /// Stores `record` in a background task, so the answer is neither delayed nor failed by it.
    /// The handle resolves to whether the record was stored; callers may ignore it.
    pub fn record(&self, record: NewHistoryRecord) -> tokio::task::JoinHandle<bool> {
        let recorder = self.clone();
        tokio::spawn(async move { recorder.write(record).await })
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
                    self.metrics.history_writes_dropped.inc();
                    tracing::error!(
                        error = %e,
                        attempts = retry + 1,
                        record = %record_json(&record),
                        "history write dropped"
                    );
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
    use crate::sor::history::AssessmentSeverity;
    use crate::sor::MockHistorySor;

    fn record() -> NewHistoryRecord {
        NewHistoryRecord {
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

    #[test]
    fn the_logged_record_uses_the_api_field_names() {
        let json = record_json(&record());
        assert_eq!(json["appName"], "checkout");
        assert_eq!(json["severity"], "high");
        assert_eq!(json["requestedBy"], "alice");
    }
}

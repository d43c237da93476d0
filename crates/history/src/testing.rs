//! History stores and recorders for the tests of this crate and of the crates above it.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

use crate::{history_queue, HistoryRecorder, MockHistorySor, NewHistoryRecord};
use pf_infra::backoff::Backoff;
use pf_infra::sor::SorError;
use pf_infra::tasks::shutdown_signal;
use pf_infra::telemetry::Metrics;

/// A recorder whose writer runs until the test ends, writing into `store` and retrying
/// after a millisecond or two.
pub fn recorder(store: MockHistorySor, metrics: Arc<Metrics>) -> HistoryRecorder {
    let policy = Backoff {
        base: Duration::from_millis(1),
        max_delay: Duration::from_millis(4),
        max_retries: u32::MAX,
    };
    let (recorder, writer) = history_queue(Arc::new(store), policy, 100, metrics);
    let (stopper, shutdown) = shutdown_signal();
    tokio::spawn(async move {
        // Held for as long as the writer runs: dropping it would stop the writer.
        let _stopper = stopper;
        writer.run(shutdown).await;
    });
    recorder
}

/// A history store that hands every record it stores to the test.
pub fn recording_history() -> (MockHistorySor, UnboundedReceiver<NewHistoryRecord>) {
    let (tx, rx) = unbounded_channel();
    let mut history = MockHistorySor::new();
    history.expect_create_many().returning(move |records| {
        for record in records {
            let _ = tx.send(record.clone());
        }
        Ok(())
    });
    (history, rx)
}

/// The next record `recording_history`'s store was handed, waited for up to 5 s.
pub async fn next_record(rx: &mut UnboundedReceiver<NewHistoryRecord>) -> NewHistoryRecord {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a record within 5 s")
        .expect("the store still open")
}

/// A history store that refuses its one write as invalid, and the metrics that count the drop.
pub fn refusing_history() -> (MockHistorySor, Arc<Metrics>) {
    let mut history = MockHistorySor::new();
    history
        .expect_create_many()
        .times(1)
        .returning(|_| Err(SorError::Invalid("value too long".into())));
    let metrics = Metrics::new(None).unwrap();
    (history, metrics)
}

/// Waits (up to 5 s) until `metrics` counted `n` dropped history writes.
pub async fn dropped_writes(metrics: &Metrics, n: u64) {
    for _ in 0..500 {
        if metrics.history_writes_dropped.get() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(metrics.history_writes_dropped.get(), n);
}

//! The history queue against a mocked store: outages waited out, refusals isolated, the bound,
//! and the drain at shutdown.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::time::Instant;

use super::queue::record_json;
use super::*;
use crate::{AssessmentSeverity, MockHistorySor, RecordKey};
use pf_infra::backoff::Backoff;
use pf_infra::sor::SorError;
use pf_infra::tasks::{shutdown_signal, Stopper};

fn record(diagnosis: &str) -> NewHistoryRecord {
    NewHistoryRecord {
        labels: Default::default(),
        key: RecordKey::new(),
        app_name: "checkout".parse().unwrap(),
        profile_types: "cpu".into(),
        diagnosis: diagnosis.into(),
        severity: AssessmentSeverity::High,
        top_functions: None,
        recommendation: None,
        requested_by: Some("alice".into()),
        on_behalf_of: None,
    }
}

fn fast() -> Backoff {
    Backoff {
        base: Duration::from_millis(1),
        max_delay: Duration::from_millis(4),
        max_retries: u32::MAX,
    }
}

/// A store that refuses batches holding a record diagnosed `bad`, fails the first
/// `outages` calls as unreachable, and hands every batch it stores to the test.
fn store(outages: usize) -> (MockHistorySor, UnboundedReceiver<Vec<NewHistoryRecord>>) {
    let (tx, rx) = unbounded_channel();
    let calls = Mutex::new(0);
    let mut store = MockHistorySor::new();
    store.expect_create_many().returning(move |records| {
        let mut calls = calls.lock().unwrap();
        *calls += 1;
        if *calls <= outages {
            return Err(SorError::Unavailable("database down".into()));
        }
        if records.iter().any(|r| r.diagnosis == "bad") {
            return Err(SorError::Invalid("NUL in text".into()));
        }
        let _ = tx.send(records.to_vec());
        Ok(())
    });
    (store, rx)
}

fn queue(
    store: MockHistorySor,
    max_pending: usize,
) -> (HistoryRecorder, HistoryWriter, Arc<Metrics>) {
    let metrics = Metrics::new(None).unwrap();
    let (recorder, writer) = history_queue(Arc::new(store), fast(), max_pending, metrics.clone());
    (recorder, writer, metrics)
}

/// Runs `writer` until the returned stopper asks it to stop (or is dropped).
fn start(writer: HistoryWriter) -> (Stopper, tokio::task::JoinHandle<()>) {
    let (stopper, shutdown) = shutdown_signal();
    (stopper, tokio::spawn(writer.run(shutdown)))
}

/// How often each key was stored, once `n` records were.
async fn stored_keys(
    batches: &mut UnboundedReceiver<Vec<NewHistoryRecord>>,
    n: usize,
) -> HashMap<RecordKey, usize> {
    let mut seen = HashMap::new();
    while seen.values().sum::<usize>() < n {
        let batch = tokio::time::timeout(Duration::from_secs(5), batches.recv())
            .await
            .unwrap()
            .unwrap();
        for r in batch {
            *seen.entry(r.key).or_insert(0) += 1;
        }
    }
    seen
}

#[tokio::test]
async fn queued_records_go_to_the_store_as_one_batch() {
    let (store, mut batches) = store(0);
    let (recorder, writer, metrics) = queue(store, 100);
    for i in 0..10 {
        assert!(recorder.record(record(&format!("d{i}"))));
    }
    let _running = start(writer);
    let batch = batches.recv().await.unwrap();
    let diagnoses: Vec<_> = batch.iter().map(|r| r.diagnosis.as_str()).collect();
    assert_eq!(
        diagnoses,
        ["d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9"]
    );
    assert_eq!(metrics.history_writes_dropped.get(), 0);
}

#[tokio::test]
async fn records_wait_out_an_unreachable_store_and_each_is_stored_once() {
    let (store, mut batches) = store(3);
    let (recorder, writer, metrics) = queue(store, 100);
    let _running = start(writer);
    let sent: Vec<_> = (0..5).map(|i| record(&format!("d{i}"))).collect();
    for r in &sent {
        recorder.record(r.clone());
    }
    let seen = stored_keys(&mut batches, 5).await;
    for r in &sent {
        assert_eq!(seen.get(&r.key), Some(&1), "{}", r.diagnosis);
    }
    assert_eq!(metrics.history_write_retries.get(), 3);
    assert_eq!(metrics.history_writes_dropped.get(), 0);
}

#[tokio::test]
async fn a_refused_record_is_dropped_alone_and_the_rest_of_its_batch_is_stored() {
    let (store, mut batches) = store(0);
    let (recorder, writer, metrics) = queue(store, 100);
    for diagnosis in ["a", "b", "bad", "c"] {
        recorder.record(record(diagnosis));
    }
    let _running = start(writer);
    let seen = stored_keys(&mut batches, 3).await;
    assert_eq!(seen.len(), 3);
    for _ in 0..100 {
        if metrics.history_writes_dropped.get() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(metrics.history_writes_dropped.get(), 1);
    assert_eq!(
        metrics.history_write_retries.get(),
        0,
        "refusals are not retried"
    );
}

#[tokio::test]
async fn past_max_pending_a_record_is_dropped_at_once_counted_and_shown_in_health() {
    let (store, mut batches) = store(0);
    let (recorder, writer, metrics) = queue(store, 2);
    let status = writer.status();
    assert!(status.state().is_ok());
    assert!(recorder.record(record("a")) && recorder.record(record("b")));
    assert!(!recorder.record(record("c")), "the queue holds two");
    assert_eq!(metrics.history_writes_dropped.get(), 1);
    let shown = status.state().unwrap_err();
    assert!(
        shown.contains("1 history record(s) dropped") && shown.contains("2 of at most 2"),
        "{shown}"
    );

    // The two queued are still written once the writer runs.
    let _running = start(writer);
    assert_eq!(stored_keys(&mut batches, 2).await.len(), 2);
}

#[tokio::test]
async fn at_shutdown_the_queue_is_written_before_the_writer_returns_and_later_records_are_counted()
{
    let (store, mut batches) = store(2);
    let (recorder, writer, metrics) = queue(store, 1000);
    let (stopper, running) = start(writer);
    for i in 0..600 {
        recorder.record(record(&format!("d{i}")));
    }
    stopper.stop_by(Instant::now() + Duration::from_secs(5));
    running.await.unwrap();
    assert_eq!(stored_keys(&mut batches, 600).await.len(), 600);
    assert!(batches.try_recv().is_err(), "nothing stored twice");
    assert!(!recorder.record(record("late")));
    assert_eq!(metrics.history_writes_dropped.get(), 1);
    assert_eq!(metrics.history_writes_pending.get(), 0);
}

#[tokio::test]
async fn records_the_store_cannot_take_by_the_shutdown_deadline_are_dropped_and_counted() {
    let (store, _batches) = store(usize::MAX);
    let (recorder, writer, metrics) = queue(store, 100);
    for i in 0..3 {
        recorder.record(record(&format!("d{i}")));
    }
    let (stopper, running) = start(writer);
    stopper.stop_by(Instant::now() + Duration::from_millis(50));
    tokio::time::timeout(Duration::from_secs(2), running)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(metrics.history_writes_dropped.get(), 3);
    assert_eq!(metrics.history_writes_pending.get(), 0);
}

#[test]
fn the_logged_record_uses_the_api_field_names() {
    let json = record_json(&record("gc_pressure"));
    assert_eq!(json["appName"], "checkout");
    assert_eq!(json["severity"], "high");
    assert_eq!(json["requestedBy"], "alice");
}

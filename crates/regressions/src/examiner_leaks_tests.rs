//! The examiner on an in-use series (docs/regressions.md#memory-that-only-grows), on the generated
//! mocks: leaks found and confirmed as events of kind leak, the limit read from the registry
//! metadata, and no change of share suspected beside them.

use crate::examiner::tests::{on_mocks, registered};
use crate::store::{EventWrite, MockRegressionSor, Regression};
use crate::test_events::confirmed;
use pf_detection::model::{Change, EventKind, EventState};
use pf_infra::sor::json_text::{JsonObject, JsonText};
use pf_model::trend::{KeptFunction, SliceSummary};
use pf_model::ProfileType;
use pf_registry::MockRegistrySor;
use pf_watch::{MockSummarySor, Series, SliceWork, WorkSource};

const MIB: u64 = 1 << 20;
const LIMIT: u64 = 1 << 30;
/// Slices of the history: the default window of 72, and the slice before it.
const SLICES: i64 = 73;

fn series() -> Series {
    Series {
        app: "ledger".parse().unwrap(),
        profile_type: ProfileType::Inuse,
    }
}

/// 73 five-minute slices: "cache" holds 200 MiB, "leak" 40 MiB plus 2 MiB a slice.
fn history() -> Vec<SliceSummary> {
    let kept = |name: &str, n: u64| KeptFunction::new(name.to_owned(), n, n);
    (0..SLICES)
        .map(|k| {
            let leak = 40 * MIB + 2 * MIB * k as u64;
            SliceSummary {
                start: 300 * k,
                total_samples: 200 * MIB + leak,
                versions: Vec::new(),
                refs: Vec::new(),
                functions: vec![kept("cache", 200 * MIB), kept("leak", leak)],
            }
        })
        .collect()
}

fn live() -> SliceWork {
    SliceWork {
        start: 300 * (SLICES - 1),
        source: WorkSource::Live,
        summarized: false,
        examine: true,
    }
}

/// What the examiner decides on the newest slice with `events` open and `registry`.
async fn decide(events: Vec<Regression>, registry: MockRegistrySor) -> Vec<EventWrite> {
    let mut regressions = MockRegressionSor::new();
    regressions
        .expect_open()
        .times(1)
        .return_once(move |_| Ok(events));
    on_mocks(MockSummarySor::new(), regressions, Some(registry))
        .decide(&series(), &live(), &history())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_growing_function_is_suspected_as_a_leak_and_not_as_a_change_of_share() {
    // No expectation: nothing is delivered, so the registry is not read.
    let writes = decide(Vec::new(), MockRegistrySor::new()).await;
    assert_eq!(writes.len(), 1, "{writes:?}");
    let write = &writes[0];
    assert_eq!(write.kind, EventKind::Leak);
    let Change::Suspected { finding, .. } = &write.change else {
        panic!("not a suspicion: {write:?}");
    };
    assert_eq!(finding.function, "leak");
    let leak = finding.leak.as_ref().expect("its line");
    // 2 MiB a five-minute slice is 24 MiB an hour, exactly on a straight line.
    assert_eq!(leak.bytes_per_hour, (24 * MIB) as f64);
    assert!(!write.announce && write.webhook.is_none());
}

#[tokio::test]
async fn a_confirmed_leak_says_when_the_registrys_memory_limit_is_reached() {
    let mut suspected = confirmed(7, "leak", false);
    suspected.profile_type = ProfileType::Inuse;
    suspected.kind = EventKind::Leak;
    suspected.state = EventState::Suspected;
    suspected.confirmed_at = None;
    suspected.suspected_at = 300 * (SLICES - 4);
    suspected.changed_at = 300 * (SLICES - 4 - 71);
    let mut registry = MockRegistrySor::new();
    registry.expect_get().times(1).returning(|_| {
        let mut service = registered("https://hooks.example/ledger");
        let metadata = JsonText::of(&serde_json::json!({"memoryLimitBytes": LIMIT})).unwrap();
        service.metadata = JsonObject::try_from(metadata).unwrap();
        Ok(service)
    });
    let writes = decide(vec![suspected], registry).await;
    assert_eq!(writes.len(), 1, "{writes:?}");
    let write = &writes[0];
    let Change::Confirmed(c) = &write.change else {
        panic!("not a confirmation: {write:?}");
    };
    assert_eq!(
        (c.id, c.kind, write.kind),
        (7, EventKind::Leak, EventKind::Leak)
    );
    assert!(write.announce && write.suspects.is_none());
    let leak = c.finding.leak.as_ref().expect("its line");
    // The newest slice holds 200 + 40 + 144 = 384 MiB; the rest of 1 GiB, 640 MiB, at
    // 2 MiB per 300 s takes 96 000 s from the newest slice's end.
    assert_eq!(leak.limit_bytes, Some(LIMIT));
    let end = 300 * SLICES;
    assert_eq!(leak.limit_reached_at, Some(end + 96_000));
    let payload = &write.webhook.as_ref().expect("a webhook").payload;
    assert_eq!(payload["regression"]["kind"], "leak");
    assert_eq!(
        payload["regression"]["leak"]["limitReachedAt"],
        end + 96_000
    );
}

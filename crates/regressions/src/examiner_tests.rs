//! The examiner's orchestration on the generated mocks: what it reads, how often, and what
//! each change delivers. The detector itself is tested on plain values in `detector/`.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use url::Url;

use super::Examiner;
use crate::commits::RegressionCommits;
use crate::metrics::RegressionMetrics;
use crate::notice::RegressionNotices;
use crate::store::{EventWrite, MockRegressionSor, Regression};
use crate::test_events::confirmed;
use pf_detection::model::{Change, DetectorSettings, EventKind};
use pf_infra::sor::json_text::JsonObject;
use pf_infra::sor::SorError;
use pf_infra::telemetry::Metrics;
use pf_model::trend::{KeptFunction, SliceSummary};
use pf_model::{ProfileType, Slices};
use pf_registry::{MockRegistrySor, RegistrySor, Service, Tier};
use pf_watch::{MockSummarySor, Series, SliceExaminer, SliceWork, WorkSource};

const HOOK: &str = "https://hooks.example/ledger";

/// Settings under which an event confirmed at slice 0 settles at slice 30 (start 9 000): the
/// floor of `settle_slices`, reference + watched − recent − confirm = 24 + 15 − 6 − 3.
fn settings() -> DetectorSettings {
    DetectorSettings {
        settle_slices: 6,
        reference_slices: 24,
        watched_slices: 15,
        recent_slices: 6,
        ..DetectorSettings::default()
    }
}

/// Slices 0..=30 of 1 000 samples where "x" and "y" stay at 5 %: neither resolves.
fn history() -> Vec<SliceSummary> {
    let kept = |name: &str, n: u64| KeptFunction::new(name.to_owned(), n, n);
    (0..31)
        .map(|k| SliceSummary {
            start: 300 * k,
            total_samples: 1000,
            versions: Vec::new(),
            refs: Vec::new(),
            functions: vec![kept("base", 500), kept("x", 50), kept("y", 50)],
        })
        .collect()
}

fn series() -> Series {
    Series {
        app: "ledger".parse().unwrap(),
        profile_type: ProfileType::Cpu,
    }
}

/// The live slice starting at 9 000.
fn live() -> SliceWork {
    SliceWork {
        start: 9_000,
        source: WorkSource::Live,
        summarized: false,
        examine: true,
    }
}

pub(crate) fn registered(channel: &str) -> Service {
    let at = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
    Service {
        id: 1,
        app_name: "ledger".into(),
        team_owner: None,
        tier: Tier::Standard,
        environment: None,
        notification_channel: Some(channel.into()),
        pyroscope_labels: JsonObject::empty(),
        metadata: JsonObject::empty(),
        created_at: at,
        updated_at: at,
    }
}

/// `open` answered once with `events`.
fn stored(events: Vec<Regression>) -> MockRegressionSor {
    let mut regressions = MockRegressionSor::new();
    regressions
        .expect_open()
        .withf(|s| *s == series())
        .times(1)
        .return_once(move |_| Ok(events));
    regressions
}

/// An examiner on the mocks; a mock without an expectation panics when called.
pub(crate) fn on_mocks(
    summaries: MockSummarySor,
    regressions: MockRegressionSor,
    registry: Option<MockRegistrySor>,
) -> Examiner {
    Examiner {
        summaries: Arc::new(summaries),
        regressions: Arc::new(regressions),
        registry: registry.map(|r| Arc::new(r) as Arc<dyn RegistrySor>),
        settings: settings(),
        notify_cost_shifts: false,
        notices: Arc::new(RegressionNotices {
            public_url: Url::parse("http://functions.example/").unwrap(),
            slices: Slices {
                slice_secs: pf_model::SliceSecs::FIVE_MINUTES,
                lag_secs: 0,
            },
            warn_points: 2.0,
        }),
        metrics: Arc::new(RegressionMetrics::new(&Metrics::new(None).unwrap()).unwrap()),
        namer: Arc::new(RegressionCommits::without_refs()),
        leaks: pf_detection::leaks::LeakSettings::default(),
        memory_limit_bytes: None,
    }
}

fn settled_ids(writes: &[EventWrite]) -> Vec<i64> {
    writes
        .iter()
        .map(|w| match w.change {
            Change::Settled { id, at: 9_000 } => id,
            ref other => panic!("not settled at 9 000: {other:?}"),
        })
        .collect()
}

/// What the examiner decides on the live slice at 9 000 of [`history`] with `events` open.
async fn settle(
    events: Vec<Regression>,
    registry: MockRegistrySor,
) -> Result<Vec<EventWrite>, SorError> {
    on_mocks(MockSummarySor::new(), stored(events), Some(registry))
        .decide(&series(), &live(), &history())
        .await
}

#[tokio::test]
async fn two_delivered_events_settling_in_one_slice_read_the_registry_once() {
    let mut registry = MockRegistrySor::new();
    registry
        .expect_get()
        .withf(|app| app.as_str() == "ledger")
        .times(1)
        .returning(|_| Ok(registered(HOOK)));
    let events = vec![confirmed(7, "x", true), confirmed(8, "y", true)];
    let writes = settle(events, registry).await.unwrap();
    assert_eq!(settled_ids(&writes), [7, 8]);
    for write in &writes {
        assert!(write.announce, "{write:?}");
        assert_eq!(write.kind, EventKind::Regression);
        let webhook = write.webhook.as_ref().expect("a webhook");
        assert_eq!(webhook.destination, HOOK);
        assert_eq!(webhook.payload["status"], "settled", "{}", webhook.payload);
    }
}

#[tokio::test]
async fn events_never_delivered_settle_without_a_webhook_or_a_registry_read() {
    // No expectation: a registry read would panic.
    let registry = MockRegistrySor::new();
    let events = vec![confirmed(7, "x", false), confirmed(8, "y", false)];
    let writes = settle(events, registry).await.unwrap();
    assert_eq!(settled_ids(&writes), [7, 8]);
    assert!(writes.iter().all(|w| !w.announce && w.webhook.is_none()));
}

#[tokio::test]
async fn an_unregistered_app_is_delivered_without_a_webhook_and_a_registry_outage_fails() {
    let mut unregistered = MockRegistrySor::new();
    unregistered
        .expect_get()
        .times(1)
        .returning(|_| Err(SorError::NotFound("no ledger".into())));
    let writes = settle(vec![confirmed(7, "x", true)], unregistered)
        .await
        .unwrap();
    assert_eq!(settled_ids(&writes), [7]);
    assert!(writes[0].announce && writes[0].webhook.is_none());

    let mut down = MockRegistrySor::new();
    down.expect_get()
        .times(1)
        .returning(|_| Err(SorError::Unavailable("registry down".into())));
    let failed = settle(vec![confirmed(7, "x", true)], down).await;
    assert!(
        matches!(failed, Err(SorError::Unavailable(_))),
        "{failed:?}"
    );
}

/// The summaries a mock store holds at `starts`, each of one function.
fn summaries_at(starts: impl Iterator<Item = i64>) -> Vec<SliceSummary> {
    starts
        .map(|start| SliceSummary {
            start,
            total_samples: 1000,
            versions: Vec::new(),
            refs: Vec::new(),
            functions: vec![KeptFunction::new("base".to_owned(), 500, 500)],
        })
        .collect()
}

#[tokio::test]
async fn history_reads_the_slices_tested_and_yesterdays_same_hours_and_then_only_what_is_new() {
    // The settings test 45 slices (24 + 15 + 6): at 30 000 the 44 before it, and a day before
    // the first of them through two hours past a day before 30 000 (44 + 24 + 1 slices).
    let tested = 30_000 - 44 * 300;
    let yesterday = (tested - 86_400, 30_000 - 86_400 + 7_200 + 1);
    let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut summaries = MockSummarySor::new();
    let seen = asked.clone();
    summaries
        .expect_summaries()
        .withf(|app, t, _| app.as_str() == "ledger" && *t == ProfileType::Cpu)
        .returning(move |_, _, window| {
            seen.lock().unwrap().push((window.from, window.to));
            Ok(summaries_at((window.from..window.to).step_by(300)))
        });
    let examiner = on_mocks(summaries, MockRegressionSor::new(), None);
    let read = examiner
        .history(&series(), 30_000, Vec::new())
        .await
        .unwrap();
    assert_eq!(
        *asked.lock().unwrap(),
        vec![yesterday, (tested, 30_000)],
        "yesterday's hours, then the slices tested"
    );
    let starts: Vec<i64> = read.iter().map(|s| s.start).collect();
    assert_eq!(
        starts.len(),
        (yesterday.1 - yesterday.0 + 299) as usize / 300 + 44
    );
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "ascending");

    // The next slice: what was read and this slice's summary are kept; only yesterday's
    // newest slice is read (its hours moved on by one), nothing of today.
    asked.lock().unwrap().clear();
    let mut kept = read;
    kept.extend(summaries_at(std::iter::once(30_000)));
    let next = examiner.history(&series(), 30_300, kept).await.unwrap();
    assert_eq!(
        *asked.lock().unwrap(),
        vec![(yesterday.1, yesterday.1 + 300)]
    );
    let starts: Vec<i64> = next.iter().map(|s| s.start).collect();
    assert_eq!(starts.first(), Some(&(yesterday.0 + 300)));
    assert_eq!(starts.last(), Some(&30_000));
    assert_eq!(
        starts.len(),
        (yesterday.1 - yesterday.0 + 299) as usize / 300 + 44
    );
}

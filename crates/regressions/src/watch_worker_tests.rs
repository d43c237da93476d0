//! The watcher's worker driving this crate's examiner (tested here, the crate above both), on
//! the generated mocks: slice after slice, the slices tested are read once and kept (of
//! yesterday's same hours only what is new), read again only after a slice it did not examine
//! stored something, and nothing more is done once the lease is lost.

use std::sync::Arc;
use std::time::Duration;

use crate::commits::RegressionCommits;
use crate::examiner::Examiner;
use crate::metrics::RegressionMetrics;
use crate::notice::RegressionNotices;
use crate::store::MockRegressionSor;
use pf_detection::model::DetectorSettings;
use pf_infra::sor::SorError;
use pf_infra::telemetry::Metrics;
use pf_model::trend::SliceSummary;
use pf_model::ProfileType;
use pf_profiles::{MockProfileDataSor, Profile};
use pf_watch::{
    Ended, Lease, MockSummarySor, MockWatchWork, Series, SliceWork, Summarizer, SummaryShape,
    WatchMetrics, WorkSource, Worker,
};

fn lease() -> Lease {
    Lease {
        series: Series {
            app: "ledger".parse().unwrap(),
            profile_type: ProfileType::Cpu,
        },
        token: 1,
    }
}

/// The live slice at `start`, to examine; `summarized` when another replica stored it.
fn slice(start: i64, summarized: bool) -> SliceWork {
    SliceWork {
        start,
        source: WorkSource::Live,
        summarized,
        examine: true,
    }
}

/// A store that hands out `slices` in order, then none, and holds the lease throughout.
fn work(slices: Vec<SliceWork>) -> MockWatchWork {
    let done = slices.len();
    let mut queue = slices.into_iter();
    let mut work = MockWatchWork::new();
    work.expect_next()
        .times(done + 1)
        .returning(move |_, _| Ok(queue.next()));
    work.expect_done()
        .times(done)
        .returning(|_, _, _, _| Ok(true));
    work.expect_release().times(1).returning(|_| Ok(()));
    work
}

/// Profile Data with a profile of "ledger" in every slice but those starting at `empty`.
fn profiles(empty: &'static [i64]) -> MockProfileDataSor {
    let mut profiles = MockProfileDataSor::new();
    profiles
        .expect_apps()
        .returning(|_| Ok(vec!["ledger".to_owned()]));
    profiles.expect_profile().returning(move |query| {
        if empty.contains(&query.window.from) {
            return Err(SorError::NotFound("no profile".into()));
        }
        Ok(Profile {
            labels: Default::default(),
            app_name: "ledger".into(),
            profile_type: ProfileType::Cpu,
            from: query.window.from,
            to: query.window.to,
            profile_type_id: "cpu".into(),
            total_samples: 1000,
            truncated_percent: 0.0,
            functions: Vec::new(),
            partial: None,
        })
    });
    profiles.expect_label_values().returning(|_| Ok(Vec::new()));
    profiles.expect_holding().returning(|_, _, _| Ok(None));
    profiles
}

/// A worker whose examiner reads the slices tested `reads` times and the open events
/// `examined` times (no event is open: nothing changes).
fn worker(
    work: MockWatchWork,
    profiles: MockProfileDataSor,
    reads: usize,
    examined: usize,
) -> Worker {
    worker_reading(work, profiles, reads, examined, Vec::new())
}

/// `worker`, whose history reads answer `history`.
fn worker_reading(
    work: MockWatchWork,
    profiles: MockProfileDataSor,
    reads: usize,
    examined: usize,
    history: Vec<SliceSummary>,
) -> Worker {
    let metrics = Metrics::new(None).unwrap();
    let mut summaries = MockSummarySor::new();
    // The slices tested (`reads` times) and, apart, yesterday's same hours, which these
    // series of a few slices do not have: read for what they lack at each examination. Their
    // windows end a second past a slice's start (`DAY_AFTER_SECS` past a day before one,
    // inclusive).
    summaries
        .expect_summaries()
        .withf(|_, _, window| window.to % 300 == 0)
        .times(reads)
        .returning(move |_, _, _| Ok(history.clone()));
    summaries
        .expect_summaries()
        .withf(|_, _, window| window.to % 300 != 0)
        .returning(|_, _, _| Ok(Vec::new()));
    let mut regressions = MockRegressionSor::new();
    regressions
        .expect_open()
        .times(examined)
        .returning(|_| Ok(Vec::new()));
    let settings = DetectorSettings::default();
    let slices = settings.slices;
    Worker {
        work: Arc::new(work),
        summarizer: Arc::new(Summarizer::new(
            Arc::new(profiles),
            SummaryShape {
                version_label: "version".into(),
                top_functions: settings.top_functions,
                slices,
            },
            metrics.clone(),
        )),
        examiner: Arc::new(Examiner {
            summaries: Arc::new(summaries),
            regressions: Arc::new(regressions),
            registry: None,
            settings,
            notify_cost_shifts: false,
            notices: Arc::new(RegressionNotices {
                public_url: "http://functions.example/".parse().unwrap(),
                slices,
                warn_points: 2.0,
            }),
            metrics: Arc::new(RegressionMetrics::new(&metrics).unwrap()),
            namer: Arc::new(RegressionCommits::without_refs()),
            leaks: pf_detection::leaks::LeakSettings::default(),
            memory_limit_bytes: None,
        }),
        metrics: Arc::new(WatchMetrics::new(&metrics, 10).unwrap()),
        lease: Duration::from_secs(60),
    }
}

#[tokio::test]
async fn the_history_of_a_claims_first_slice_serves_its_next_slices() {
    let slices = vec![
        slice(9_000, false),
        slice(9_300, false),
        slice(9_600, false),
    ];
    let worker = worker(work(slices), profiles(&[]), 1, 3);
    assert_eq!(worker.run(lease(), 9_600).await, Ended::Released);
}

#[tokio::test]
async fn a_slice_stored_by_another_replica_makes_the_next_slice_read_its_history_again() {
    let slices = vec![slice(9_000, false), slice(9_300, true), slice(9_600, false)];
    let worker = worker(work(slices), profiles(&[]), 2, 2);
    assert_eq!(worker.run(lease(), 9_600).await, Ended::Released);
}

#[tokio::test]
async fn a_slice_without_a_profile_keeps_the_history_it_stored_nothing_into() {
    let slices = vec![
        slice(9_000, false),
        slice(9_300, false),
        slice(9_600, false),
    ];
    let worker = worker(work(slices), profiles(&[9_300]), 1, 2);
    assert_eq!(worker.run(lease(), 9_600).await, Ended::Released);
}

#[tokio::test]
async fn a_lost_lease_ends_the_claim_without_giving_the_series_back() {
    let mut work = MockWatchWork::new();
    work.expect_next()
        .times(1)
        .returning(|_, _| Ok(Some(slice(9_000, false))));
    work.expect_done()
        .times(1)
        .returning(|_, _, _, _| Ok(false));
    // No `release` expected: calling it would panic.
    let worker = worker(work, profiles(&[]), 1, 1);
    assert_eq!(worker.run(lease(), 9_600).await, Ended::LeaseLost);
}

/// Whether the worker tells the store that the slice after `before` stored summaries was
/// examined (the series' examined slice then moves to it).
async fn counted_as_examined(before: usize) -> bool {
    let start = 90_000;
    let history: Vec<SliceSummary> = (1..=before)
        .map(|back| SliceSummary {
            start: start - 300 * back as i64,
            total_samples: 1000,
            versions: Vec::new(),
            refs: Vec::new(),
            functions: Vec::new(),
        })
        .rev()
        .collect();
    let mut work = MockWatchWork::new();
    let mut queue = vec![slice(start, false)].into_iter();
    work.expect_next()
        .times(2)
        .returning(move |_, _| Ok(queue.next()));
    let told = Arc::new(std::sync::Mutex::new(None));
    let seen = told.clone();
    work.expect_done()
        .times(1)
        .returning(move |_, _, outcome, _| {
            *seen.lock().unwrap() = Some(outcome.examined);
            Ok(true)
        });
    work.expect_release().times(1).returning(|_| Ok(()));
    let worker = worker_reading(work, profiles(&[]), 1, 1, history);
    assert_eq!(worker.run(lease(), start).await, Ended::Released);
    let examined = *told.lock().unwrap();
    examined.expect("done was called")
}

#[tokio::test]
async fn an_examination_counts_only_on_a_history_long_enough_for_a_suspicion() {
    let settings = DetectorSettings::default();
    // A short history's reference (24 slices) and one watched slice.
    let needed = settings.before_slices() + 1;
    // The first live slices of a new series: examined, but a backfill of older slices that
    // comes later must still be examined, so the series' examined slice does not move.
    assert!(!counted_as_examined(0).await);
    assert!(!counted_as_examined(needed - 2).await);
    // With the newest slice, `needed` summaries: a suspicion was possible.
    assert!(counted_as_examined(needed - 1).await);
}

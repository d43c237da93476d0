//! Fleet answers from the watcher's summaries
//! (docs/profiles-over-time.md#the-fleet-from-the-summaries), with mocked SORs: the
//! summaries' numbers and bound, `source=live`, an app whose slices failed, and every fall-back to
//! live where the summaries do not cover the window
//! (docs/profiles-over-time.md#whole-or-live).

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::model::{FleetScope, HotspotRequest, SearchRequest, SourceChoice};
use crate::FleetSearchService;
use pf_infra::sor::SorError;
use pf_model::{LabelSelector, ProfileType, Slices, TimeWindow};
use pf_profiles::testing::cpu_profile;
use pf_profiles::MockProfileDataSor;
use pf_testing::pct;
use pf_watch::{AppCoverage, AppWindow, FleetSummarySor, MockFleetSummarySor, WindowFunction};

fn function(name: &str, self_samples: u64) -> WindowFunction {
    WindowFunction {
        name: name.into(),
        self_samples,
        total_samples: self_samples,
    }
}

/// Two apps summarized: `a` over two slices, `b` over one.
fn windows() -> Vec<AppWindow> {
    vec![
        AppWindow {
            app: "a".into(),
            slices: vec![0, 300],
            total_samples: 1000,
            max_error_samples: 20,
            functions: vec![function("hot", 400), function("HashMap.resize", 100)],
        },
        AppWindow {
            app: "b".into(),
            slices: vec![300],
            total_samples: 200,
            max_error_samples: 0,
            functions: vec![function("hot", 150), function("hashmap.resize", 50)],
        },
    ]
}

/// The slices of [0, 3600) on the 300-s grid.
fn slices() -> Vec<i64> {
    (0..12).map(|k| k * 300).collect()
}

fn worked(app: &str, worked: u32, failed: &[i64]) -> AppCoverage {
    AppCoverage {
        app: app.into(),
        worked,
        failed: failed.to_vec(),
    }
}

/// Summaries that read `answer` `calls` times, after a coverage of `coverage`.
fn summaries_with(
    answer: Result<Vec<AppWindow>, SorError>,
    calls: usize,
    coverage: Result<Vec<AppCoverage>, SorError>,
) -> MockFleetSummarySor {
    let mut mock = MockFleetSummarySor::new();
    mock.expect_coverage().returning(move |q| {
        assert_eq!(q.slices, TimeWindow::new(0, 3600).unwrap());
        coverage.clone()
    });
    mock.expect_fleet().times(calls).returning(move |q| {
        assert_eq!(q.top, 50);
        assert_eq!(q.window, TimeWindow::new(0, 3600).unwrap());
        answer.clone()
    });
    mock
}

/// Summaries of `a` and `b`, every slice of both worked.
fn summaries(answer: Result<Vec<AppWindow>, SorError>, calls: usize) -> MockFleetSummarySor {
    summaries_with(
        answer,
        calls,
        Ok(vec![worked("a", 12, &[]), worked("b", 12, &[])]),
    )
}

/// Profile Data that lists `listed` in every window (each app's `hot` at 10 %), asked
/// `calls` times for profiles.
fn listing(listed: &'static [&'static str], calls: usize) -> MockProfileDataSor {
    let mut mock = MockProfileDataSor::new();
    mock.expect_apps()
        .returning(move |_| Ok(listed.iter().map(|a| (*a).to_owned()).collect()));
    mock.expect_profile()
        .times(calls)
        .returning(|q| Ok(cpu_profile(q.app.as_str(), vec![pct("hot", 10.0)])));
    mock
}

/// Profile Data listing `a` and `b`, asked `calls` times for profiles.
fn profiles(calls: usize) -> MockProfileDataSor {
    listing(&["a", "b"], calls)
}

/// The watcher's grid: 300-s slices read a minute after they end.
const GRID: Slices = Slices {
    slice_secs: pf_model::SliceSecs::FIVE_MINUTES,
    lag_secs: 60,
};

fn service(profiles: MockProfileDataSor, summaries: MockFleetSummarySor) -> FleetSearchService {
    FleetSearchService::new(Arc::new(profiles), None, 4, Duration::from_secs(5))
        .with_summaries(Some(Arc::new(summaries) as Arc<dyn FleetSummarySor>), GRID)
}

fn scope(source: SourceChoice) -> FleetScope {
    FleetScope {
        profile_type: ProfileType::Cpu,
        window: TimeWindow::new(0, 3600).unwrap(),
        apps: None,
        labels: LabelSelector::default(),
        source,
    }
}

fn hotspots(scope: FleetScope) -> HotspotRequest {
    HotspotRequest { limit: 10, scope }
}

/// The JSON answer of `svc` to the hotspots of [`scope`] from `source`.
async fn hotspots_body(svc: &FleetSearchService, source: SourceChoice) -> serde_json::Value {
    let report = svc.hotspots(&hotspots(scope(source))).await.unwrap();
    serde_json::to_value(&report).unwrap()
}

#[tokio::test]
async fn hotspots_come_from_the_summaries_with_their_slices_and_bound() {
    let svc = service(profiles(0), summaries(Ok(windows()), 1));
    let body = hotspots_body(&svc, SourceChoice::Summaries).await;
    assert_eq!(body["source"], "summaries");
    assert_eq!(body["slices"], json!(slices()));
    assert_eq!(body["appsQueried"], 2);
    assert_eq!(body["failedApps"], json!([]));
    // a: 20 of 1000 samples may be missing (2 %); b: none.
    assert_eq!(body["maxErrorPercent"], 2.0);
    let hot = &body["hotspots"][0];
    assert_eq!(hot["function"], "hot");
    // b: 150 / 200 = 75 %; a: 400 / 1000 = 40 %.
    assert_eq!(
        hot["services"],
        json!([
            {"app": "b", "selfPercent": 75.0, "maxErrorPercent": 0.0},
            {"app": "a", "selfPercent": 40.0, "maxErrorPercent": 2.0},
        ])
    );
    assert_eq!(hot["impactScore"], 150.0);
}

#[tokio::test]
async fn search_matches_carry_their_apps_bound_in_samples_and_percent() {
    let svc = service(profiles(0), summaries(Ok(windows()), 1));
    let report = svc
        .search(&SearchRequest {
            function: "HASHMAP.resize".into(),
            scope: scope(SourceChoice::Summaries),
        })
        .await
        .unwrap();
    let body = serde_json::to_value(&report).unwrap();
    assert_eq!(body["source"], "summaries");
    assert_eq!(
        body["matches"],
        json!([
            {"app": "b", "function": "hashmap.resize", "selfPercent": 25.0, "selfSamples": 50,
             "maxErrorSamples": 0, "maxErrorPercent": 0.0},
            {"app": "a", "function": "HashMap.resize", "selfPercent": 10.0, "selfSamples": 100,
             "maxErrorSamples": 20, "maxErrorPercent": 2.0},
        ])
    );
}

#[tokio::test]
async fn source_live_asks_profile_data_and_never_the_summaries() {
    let mut never = MockFleetSummarySor::new();
    never.expect_coverage().times(0);
    never.expect_fleet().times(0);
    let svc = service(profiles(2), never);
    let body = hotspots_body(&svc, SourceChoice::Live).await;
    assert_eq!(body["source"], "live");
    assert!(body.get("slices").is_none() && body.get("maxErrorPercent").is_none());
    assert_eq!(
        body["hotspots"][0]["services"][0],
        json!({"app": "a", "selfPercent": 10.0})
    );
}

#[tokio::test]
async fn an_app_whose_slices_the_watcher_could_not_read_is_named_with_them() {
    let coverage = Ok(vec![worked("a", 12, &[]), worked("b", 10, &[3000, 3300])]);
    let svc = service(profiles(0), summaries_with(Ok(windows()), 1, coverage));
    let body = hotspots_body(&svc, SourceChoice::Summaries).await;
    assert_eq!(body["source"], "summaries");
    assert_eq!(body["appsQueried"], 2);
    assert_eq!(
        body["failedApps"],
        json!([{"app": "b", "missingSlices": [3000, 3300],
                "error": "the profile watcher could not read 2 of the window's 12 slice(s)"}])
    );
    // b's summaries are not answered: only a's functions are.
    assert_eq!(
        body["hotspots"][0]["services"],
        json!([{"app": "a", "selfPercent": 40.0, "maxErrorPercent": 2.0}])
    );
}

/// What the watcher reports of a window.
type Coverage = Result<Vec<AppCoverage>, SorError>;

#[tokio::test]
async fn a_window_the_summaries_do_not_cover_or_a_failing_watcher_is_answered_live() {
    let cases: Vec<(&'static [&'static str], Coverage)> = vec![
        // `c` is listed in the window but not watched.
        (
            &["a", "b", "c"],
            Ok(vec![worked("a", 12, &[]), worked("b", 12, &[])]),
        ),
        // `b`'s history starts three slices before the window's end.
        (
            &["a", "b"],
            Ok(vec![worked("a", 12, &[]), worked("b", 3, &[])]),
        ),
        // One slice failed, another not worked yet.
        (
            &["a", "b"],
            Ok(vec![worked("a", 12, &[]), worked("b", 10, &[3300])]),
        ),
        (
            &["a", "b"],
            Err(SorError::Unavailable("watcher down".into())),
        ),
    ];
    for (listed, coverage) in cases {
        let n = listed.len();
        let svc = service(
            listing(listed, n),
            summaries_with(Ok(windows()), 0, coverage),
        );
        let report = svc
            .hotspots(&hotspots(scope(SourceChoice::Summaries)))
            .await
            .unwrap();
        assert_eq!(serde_json::to_value(&report).unwrap()["source"], "live");
        assert_eq!(report.apps_queried, n);
        assert!(report.failed_apps.is_empty());
    }
}

#[tokio::test]
async fn label_matchers_are_answered_live_and_a_named_app_without_profiles_is_queried() {
    let mut labelled = scope(SourceChoice::Summaries);
    labelled.labels = LabelSelector::parse(Some(r#"region="eu""#), "labels").unwrap();
    let mut never = MockFleetSummarySor::new();
    never.expect_coverage().times(0);
    never.expect_fleet().times(0);
    let svc = service(profiles(2), never);
    let report = svc.hotspots(&hotspots(labelled)).await.unwrap();
    assert_eq!(serde_json::to_value(&report).unwrap()["source"], "live");

    // `c` is watched but had no profile in any slice: it is asked, and has no function.
    let mut named = scope(SourceChoice::Summaries);
    named.apps = Some(vec![
        "a".parse().unwrap(),
        "b".parse().unwrap(),
        "c".parse().unwrap(),
    ]);
    let coverage = Ok(vec![
        worked("a", 12, &[]),
        worked("b", 12, &[]),
        worked("c", 12, &[]),
    ]);
    let svc = service(profiles(0), summaries_with(Ok(windows()), 1, coverage));
    let report = svc.hotspots(&hotspots(named)).await.unwrap();
    assert_eq!(
        serde_json::to_value(&report).unwrap()["source"],
        "summaries"
    );
    assert_eq!(report.apps_queried, 3);
}

#[tokio::test]
async fn the_slices_still_open_or_within_their_lag_are_not_asked_of_the_summaries() {
    let now = chrono::Utc::now().timestamp();
    let mut mock = MockFleetSummarySor::new();
    mock.expect_coverage().times(1).returning(move |q| {
        // The last slice asked ended at least the lag ago; the one after it had not.
        assert!(q.slices.to <= now - 60, "{:?} at {now}", q.slices);
        assert!(q.slices.to + 300 > now - 60 - 1, "{:?} at {now}", q.slices);
        assert_eq!(q.slices.from % 300, 0);
        Ok(vec![worked("a", 0, &[]), worked("b", 0, &[])])
    });
    mock.expect_fleet().times(0);
    let svc = service(profiles(2), mock);
    let mut current = scope(SourceChoice::Summaries);
    current.window = TimeWindow::new(now - 3600, now).unwrap();
    let report = svc.hotspots(&hotspots(current)).await.unwrap();
    assert_eq!(serde_json::to_value(&report).unwrap()["source"], "live");
}

#[tokio::test]
async fn answers_of_windows_holding_the_same_slices_share_one_read() {
    // Windows on the 300-s grid: [1, 3599) holds the slice starts 300 … 3 300, as [300, 3600).
    let mut mock = MockFleetSummarySor::new();
    mock.expect_coverage().times(1).returning(|q| {
        assert_eq!(q.slices, TimeWindow::new(300, 3600).unwrap());
        Ok(vec![worked("a", 11, &[]), worked("b", 11, &[])])
    });
    mock.expect_fleet().times(1).returning(|q| {
        assert_eq!(q.window, TimeWindow::new(300, 3600).unwrap());
        Ok(windows())
    });
    let metrics = pf_infra::telemetry::Metrics::new(None).unwrap();
    let svc = FleetSearchService::new(Arc::new(profiles(0)), None, 4, Duration::from_secs(5))
        .with_summaries(Some(Arc::new(mock) as Arc<dyn FleetSummarySor>), GRID)
        .keeping_windows(Duration::from_secs(60), metrics);
    let mut answers = Vec::new();
    for (from, to, limit) in [(1, 3599, 10), (300, 3600, 1), (299, 3550, 10)] {
        let mut scope = scope(SourceChoice::Summaries);
        scope.window = TimeWindow::new(from, to).unwrap();
        let report = svc
            .hotspots(&HotspotRequest { limit, scope })
            .await
            .unwrap();
        answers.push(serde_json::to_value(&report).unwrap());
    }
    let mut searched = scope(SourceChoice::Summaries);
    searched.window = TimeWindow::new(250, 3500).unwrap();
    let search = svc
        .search(&SearchRequest {
            function: "resize".into(),
            scope: searched,
        })
        .await
        .unwrap();
    assert_eq!(search.match_count, 2);
    // The same groups, cut at each answer's limit; the answer keeps its own window.
    assert_eq!(answers[0]["source"], "summaries");
    assert_eq!(answers[0]["hotspots"], answers[2]["hotspots"]);
    assert_eq!(answers[1]["hotspots"].as_array().unwrap().len(), 1);
    assert_eq!(answers[1]["hotspots"][0], answers[0]["hotspots"][0]);
    assert_eq!(
        (answers[0]["from"].clone(), answers[0]["to"].clone()),
        (json!(1), json!(3599))
    );
}

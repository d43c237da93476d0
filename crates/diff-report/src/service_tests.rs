//! Diff Report with mocked SORs: each dependency present, absent and failing.

use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::compute::Judgement;

const JUDGE: Judgement = Judgement {
    warn_regression_points: 5.0,
    fdr: 0.05,
};
use crate::model::{DiffParams, Verdict};
use crate::testing::diff_request;
use pf_baselines::testing::{baseline, failing_baselines};
use pf_baselines::MockBaselineSor;
use pf_history::testing::{
    dropped_writes, next_record, recorder, recording_history, refusing_history,
};
use pf_history::MockHistorySor;
use pf_infra::telemetry::Metrics;
use pf_model::{ProfileType, ReportFormat, TimeWindow};
use pf_profiles::{MockProfileDataSor, ProfileDiff, ProfileWindow};
use pf_testing::stat;

fn request() -> DiffRequest {
    DiffRequest {
        requested_by: Some("ci-bot".into()),
        ..diff_request(20)
    }
}

/// Pricing grows from 2% to 8.7%; HashMap.resize shrinks from 4% to 1.5%.
fn profiles() -> MockProfileDataSor {
    let mut mock = MockProfileDataSor::new();
    mock.expect_diff().times(1).returning(|q| {
        assert_eq!(q.limit, DIFF_FETCH_LIMIT);
        assert_eq!(q.baseline, TimeWindow::new(0, 3600).unwrap());
        assert_eq!(q.current, TimeWindow::new(3600, 7200).unwrap());
        let window = |from, functions| ProfileWindow {
            parts: None,
            parts_unavailable: None,
            labels: Default::default(),
            from,
            to: from + 3600,
            total_samples: 1000,
            truncated_percent: 0.0,
            functions,
        };
        Ok(ProfileDiff {
            app_name: "checkout".into(),
            profile_type: ProfileType::Cpu,
            profile_type_id: "process_cpu:cpu".into(),
            baseline: window(
                0,
                vec![
                    stat("com/acme/Pricing.apply", 20, 1000),
                    stat("java/util/HashMap.resize", 40, 1000),
                ],
            ),
            current: window(
                3600,
                vec![
                    stat("com/acme/Pricing.apply", 87, 1000),
                    stat("java/util/HashMap.resize", 15, 1000),
                ],
            ),
        })
    });
    mock
}

fn service(
    baselines: Option<MockBaselineSor>,
    history: Option<(MockHistorySor, Arc<Metrics>)>,
) -> DiffReportService {
    DiffReportService::new(
        Arc::new(profiles()),
        baselines.map(|b| Arc::new(b) as Arc<dyn BaselineSor>),
        history.map(|(h, m)| recorder(h, m)),
        JUDGE,
    )
}

fn pricing_baseline() -> MockBaselineSor {
    let mut store = MockBaselineSor::new();
    store
        .expect_list()
        .withf(|app, t| app.as_str() == "checkout" && *t == Some(ProfileType::Cpu))
        .returning(|_, _| {
            Ok(vec![baseline(
                "checkout",
                ProfileType::Cpu,
                "com/acme/Pricing.apply",
                5.0,
            )])
        });
    store
}

#[tokio::test]
async fn v1_lists_changes_with_a_verdict_and_no_thresholds() {
    let report = service(None, None).report(&request()).await.unwrap();
    let body = serde_json::to_value(&report).unwrap();
    assert_eq!(
        body["regressions"],
        json!([{"function": "com/acme/Pricing.apply", "baselinePercent": 2.0, "currentPercent": 8.7, "deltaPercent": 6.7}])
    );
    assert_eq!(body["improvements"][0]["deltaPercent"], -2.5);
    assert_eq!(
        body["summary"],
        json!({"regressionsCount": 1, "improvementsCount": 1,
               "topRegression": "com/acme/Pricing.apply (+6.7%)", "verdict": "warn"})
    );
    assert_eq!(body["baseline"], json!({"from": 0, "to": 3600}));
    assert_eq!(body["profileType"], "cpu");
}

#[tokio::test]
async fn v2_marks_functions_above_their_threshold_and_fails() {
    let report = service(Some(pricing_baseline()), None)
        .report(&request())
        .await
        .unwrap();
    assert_eq!(report.regressions[0].approved_threshold, Some(5.0));
    assert_eq!(report.regressions[0].exceeds_threshold, Some(true));
    assert_eq!(report.improvements[0].approved_threshold, None);
    assert_eq!(report.summary.threshold_breaches, Some(1));
    assert_eq!(report.summary.verdict, Verdict::Fail);
}

#[tokio::test]
async fn a_failing_baseline_store_answers_without_thresholds() {
    let store = failing_baselines();
    let report = service(Some(store), None).report(&request()).await.unwrap();
    assert_eq!(report.regressions[0].approved_threshold, None);
    assert_eq!(report.summary.threshold_breaches, None);
    assert_eq!(report.summary.verdict, Verdict::Warn);
}

#[tokio::test]
async fn a_profile_data_failure_is_the_answer() {
    let mut mock = MockProfileDataSor::new();
    mock.expect_diff()
        .returning(|_| Err(SorError::Timeout("Pyroscope took 30s".into())));
    let service = DiffReportService::new(Arc::new(mock), None, None, JUDGE);
    let err = service.report(&request()).await.unwrap_err();
    assert_eq!(err, SorError::Timeout("Pyroscope took 30s".into()));
}

#[tokio::test]
async fn v2_records_the_report_with_the_exact_query() {
    let (history, mut rx) = recording_history();
    let metrics = Metrics::new(None).unwrap();
    service(Some(pricing_baseline()), Some((history, metrics)))
        .report(&request())
        .await
        .unwrap();
    let record = next_record(&mut rx).await;
    assert_eq!(record.diagnosis, "regressions_detected");
    assert_eq!(record.severity, AssessmentSeverity::High);
    assert_eq!(record.profile_types, "cpu");
    assert_eq!(record.requested_by.as_deref(), Some("ci-bot"));
    let top =
        serde_json::from_str::<serde_json::Value>(record.top_functions.unwrap().get()).unwrap();
    assert_eq!(
        top["query"],
        json!({"from": 3600, "to": 7200, "baselineFrom": 0, "baselineTo": 3600, "type": "cpu",
               "profileTypeId": "process_cpu:cpu", "limit": 20, "format": "json"})
    );
    assert_eq!(top["regressions"][0]["function"], "com/acme/Pricing.apply");
    assert_eq!(top["regressions"][0]["exceedsThreshold"], true);
    assert_eq!(
        top["improvements"][0]["function"],
        "java/util/HashMap.resize"
    );
    assert_eq!(top["verdict"], "fail");
}

#[tokio::test]
async fn a_history_store_refusing_the_record_leaves_the_answer_unchanged_and_counts_the_drop() {
    let (history, metrics) = refusing_history();
    let with_history = service(None, Some((history, metrics.clone())))
        .report(&request())
        .await
        .unwrap();
    let without = service(None, None).report(&request()).await.unwrap();
    assert_eq!(with_history, without);
    dropped_writes(&metrics, 1).await;
}

#[test]
fn the_baseline_window_defaults_to_the_equal_window_before_the_current_one() {
    let params = DiffParams {
        from: Some(7200),
        to: Some(9000),
        ..Default::default()
    };
    let req = DiffRequest::parse("checkout".parse().unwrap(), params, at(9000), None).unwrap();
    assert_eq!(req.baseline, TimeWindow::new(5400, 7200).unwrap());
    assert_eq!((req.limit, req.profile_type), (20, ProfileType::Cpu));
    let req = DiffRequest::parse(
        "checkout".parse().unwrap(),
        DiffParams::default(),
        at(36_000),
        None,
    )
    .unwrap();
    assert_eq!(req.current, TimeWindow::new(32_400, 36_000).unwrap());
    assert_eq!(req.baseline, TimeWindow::new(28_800, 32_400).unwrap());
    let params = DiffParams {
        baseline_to: Some(5000),
        format: Some("markdown".into()),
        ..Default::default()
    };
    let req = DiffRequest::parse("checkout".parse().unwrap(), params, at(36_000), None).unwrap();
    assert_eq!(req.baseline, TimeWindow::new(1400, 5000).unwrap());
    assert_eq!(req.format, ReportFormat::Markdown);
}

#[test]
fn bad_formats_and_baseline_windows_are_rejected() {
    let bad = |params: DiffParams| {
        DiffRequest::parse("checkout".parse().unwrap(), params, at(36_000), None)
            .unwrap_err()
            .code()
    };
    let pdf = DiffParams {
        format: Some("pdf".into()),
        ..Default::default()
    };
    assert_eq!(bad(pdf), "invalid_format");
    let reversed = DiffParams {
        baseline_from: Some(5000),
        baseline_to: Some(4000),
        ..Default::default()
    };
    assert_eq!(bad(reversed), "invalid_time_window");
    let limit = DiffParams {
        limit: Some(0),
        ..Default::default()
    };
    assert_eq!(bad(limit), "invalid_limit");
}

/// The window rule at `now`, with the default longest window.
fn at(now: i64) -> pf_model::WindowBounds {
    pf_model::WindowBounds::new(now, pf_model::DEFAULT_MAX_WINDOW_DAYS)
}

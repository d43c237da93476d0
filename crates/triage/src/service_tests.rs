//! Triage with mocked SORs: each dependency present, absent and failing.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Value};

use super::*;
use pf_baselines::testing::{baseline, failing_baselines};
use pf_baselines::MockBaselineSor;
use pf_history::testing::{
    dropped_writes, next_record, recorder, recording_history, refusing_history,
};
use pf_history::MockHistorySor;
use pf_infra::telemetry::Metrics;
use pf_model::{AppName, FunctionStat, ReportFormat, TimeWindow};
use pf_profiles::MockProfileDataSor;
use pf_testing::pct;

type Answers = HashMap<ProfileType, Result<Vec<FunctionStat>, SorError>>;

fn profile(t: ProfileType, functions: Vec<FunctionStat>) -> Profile {
    Profile {
        labels: Default::default(),
        app_name: "checkout".into(),
        profile_type: t,
        from: 1000,
        to: 4600,
        profile_type_id: format!("{t}:id"),
        total_samples: 10_000,
        truncated_percent: 0.0,
        functions,
        partial: None,
    }
}

/// Profile Data answering `answers` per type, checking the query it receives.
fn profiles(answers: Answers) -> MockProfileDataSor {
    let mut mock = MockProfileDataSor::new();
    mock.expect_profile().returning(move |q| {
        assert_eq!(q.app.as_str(), "checkout");
        assert_eq!(q.window, TimeWindow::new(1000, 4600).unwrap());
        assert_eq!(q.limit, 50, "asks enough to score the top 50");
        answers[&q.profile_type]
            .clone()
            .map(|f| profile(q.profile_type, f))
    });
    mock
}

fn cpu_and_alloc() -> Answers {
    HashMap::from([
        (
            ProfileType::Cpu,
            Ok(vec![
                pct("G1ParScanThreadState::trim_queue", 22.4),
                pct("com/acme/Checkout.price", 12.0),
                pct("G1 Young Generation", 11.8),
            ]),
        ),
        (
            ProfileType::Alloc,
            Ok(vec![pct("java/util/HashMap.resize", 40.0)]),
        ),
    ])
}

fn request(limit: u32) -> TriageRequest {
    TriageRequest {
        labels: Default::default(),
        app: "checkout".parse().unwrap(),
        window: TimeWindow::new(1000, 4600).unwrap(),
        types: vec![ProfileType::Cpu, ProfileType::Alloc],
        limit,
        format: ReportFormat::Json,
        requested_by: Some("alice".into()),
    }
}

fn service(
    profiles: MockProfileDataSor,
    baselines: Option<MockBaselineSor>,
    history: Option<(MockHistorySor, Arc<Metrics>)>,
) -> TriageService {
    TriageService::new(
        Arc::new(profiles),
        baselines.map(|b| Arc::new(b) as Arc<dyn BaselineSor>),
        history.map(|(h, m)| recorder(h, m)),
        Arc::new(RuleSet::shipped().unwrap()),
        5.0,
    )
}

fn to_json(report: &TriageReport) -> Value {
    serde_json::from_str(&serde_json::to_string(report).unwrap()).unwrap()
}

#[tokio::test]
async fn v1_diagnoses_each_type_without_baselines_or_history() {
    let report = service(profiles(cpu_and_alloc()), None, None)
        .assess(request(2))
        .await
        .unwrap();
    let body = to_json(&report);
    let cpu = &body["profiles"]["cpu"];
    assert_eq!(cpu["diagnosis"], "gc_pressure");
    assert_eq!(cpu["totalSamples"], 10_000);
    assert_eq!(cpu["topFunctions"].as_array().unwrap().len(), 2);
    assert_eq!(
        cpu["topFunctions"][0]["name"],
        "G1ParScanThreadState::trim_queue"
    );
    assert_eq!(cpu["evidence"]["matchedPercent"], 34.2);
    assert_eq!(
        cpu["evidence"]["matchedFunctions"],
        json!(["G1ParScanThreadState::trim_queue", "G1 Young Generation"])
    );
    assert!(cpu.get("baselineViolations").is_none());
    assert_eq!(
        body["profiles"]["alloc"]["diagnosis"],
        "collection_resizing"
    );
    // alloc's top function (40%) beats cpu's (22.4%).
    assert_eq!(body["summary"]["primaryIssue"], "collection_resizing");
    assert_eq!(body["summary"]["severity"], "high");
    assert!(body["summary"].get("baselineViolations").is_none());
    // Types keep the request order in the JSON text.
    let text = serde_json::to_string(&report).unwrap();
    assert!(text.find("\"cpu\"").unwrap() < text.find("\"alloc\"").unwrap());
}

#[tokio::test]
async fn v2_reports_top_functions_above_their_baseline() {
    let mut baselines = MockBaselineSor::new();
    baselines
        .expect_list()
        .withf(|app, t| app.as_str() == "checkout" && t.is_none())
        .returning(|_, _| {
            Ok(vec![
                baseline(
                    "checkout",
                    ProfileType::Cpu,
                    "G1ParScanThreadState::trim_queue",
                    15.0,
                ),
                // Within its threshold.
                baseline(
                    "checkout",
                    ProfileType::Cpu,
                    "com/acme/Checkout.price",
                    12.0,
                ),
                // Another type's baseline does not apply to cpu.
                baseline("checkout", ProfileType::Alloc, "G1 Young Generation", 1.0),
            ])
        });
    let report = service(profiles(cpu_and_alloc()), Some(baselines), None)
        .assess(request(10))
        .await
        .unwrap();
    let body = to_json(&report);
    assert_eq!(
        body["profiles"]["cpu"]["baselineViolations"],
        json!([{
            "function": "G1ParScanThreadState::trim_queue", "currentPercent": 22.4,
            "threshold": 15.0, "exceededBy": 7.4, "severity": "warning"
        }])
    );
    assert_eq!(body["profiles"]["alloc"]["baselineViolations"], json!([]));
    assert_eq!(body["summary"]["baselineViolations"], 1);
}

#[tokio::test]
async fn a_failing_baseline_store_still_answers_without_violations() {
    let baselines = failing_baselines();
    let report = service(profiles(cpu_and_alloc()), Some(baselines), None)
        .assess(request(10))
        .await
        .unwrap();
    let body = to_json(&report);
    assert_eq!(body["profiles"]["cpu"]["diagnosis"], "gc_pressure");
    assert!(body["profiles"]["cpu"].get("baselineViolations").is_none());
    assert!(body["summary"].get("baselineViolations").is_none());
}

#[tokio::test]
async fn a_failing_type_is_unavailable_and_the_others_are_answered() {
    let mut answers = cpu_and_alloc();
    answers.insert(
        ProfileType::Alloc,
        Err(SorError::Upstream("Pyroscope answered 503".into())),
    );
    let body = to_json(
        &service(profiles(answers), None, None)
            .assess(request(10))
            .await
            .unwrap(),
    );
    assert_eq!(
        body["profiles"]["alloc"],
        json!({"diagnosis": "unavailable", "error": "Pyroscope answered 503"})
    );
    assert_eq!(body["summary"]["primaryIssue"], "gc_pressure");
    assert_eq!(body["summary"]["severity"], "medium");
}

#[tokio::test]
async fn every_type_failing_is_an_error() {
    let answers = HashMap::from([
        (ProfileType::Cpu, Err(SorError::Timeout("slow".into()))),
        (ProfileType::Alloc, Err(SorError::Upstream("down".into()))),
    ]);
    let err = service(profiles(answers), None, None)
        .assess(request(10))
        .await
        .unwrap_err();
    assert_eq!(err, SorError::Timeout("slow".into()));
}

#[tokio::test]
async fn no_samples_anywhere_is_healthy() {
    let answers = HashMap::from([
        (ProfileType::Cpu, Ok(vec![])),
        (ProfileType::Alloc, Ok(vec![])),
    ]);
    let body = to_json(
        &service(profiles(answers), None, None)
            .assess(request(10))
            .await
            .unwrap(),
    );
    assert_eq!(body["profiles"]["cpu"]["diagnosis"], "no_data");
    assert_eq!(body["summary"]["primaryIssue"], "healthy");
    assert_eq!(body["summary"]["severity"], "low");
}

#[test]
fn severity_bands_are_exclusive_at_10_and_30() {
    assert_eq!(severity_for(10.0), AssessmentSeverity::Low);
    assert_eq!(severity_for(10.004), AssessmentSeverity::Low);
    assert_eq!(severity_for(10.01), AssessmentSeverity::Medium);
    assert_eq!(severity_for(30.0), AssessmentSeverity::Medium);
    assert_eq!(severity_for(30.01), AssessmentSeverity::High);
    assert_eq!(severity_for(0.0), AssessmentSeverity::Low);
}

#[tokio::test]
async fn v2_records_the_assessment_with_the_exact_query() {
    let (history, mut rx) = recording_history();
    let metrics = Metrics::new(None).unwrap();
    let report = service(profiles(cpu_and_alloc()), None, Some((history, metrics)))
        .assess(request(1))
        .await
        .unwrap();
    let record = next_record(&mut rx).await;
    assert_eq!(record.app_name, "checkout".parse::<AppName>().unwrap());
    assert_eq!(record.profile_types, "cpu,alloc");
    assert_eq!(record.diagnosis, report.summary.primary_issue);
    assert_eq!(record.severity, AssessmentSeverity::High);
    assert_eq!(
        record.recommendation.as_deref(),
        Some(report.summary.recommendation.as_str())
    );
    assert_eq!(record.requested_by.as_deref(), Some("alice"));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(record.top_functions.unwrap().get()).unwrap(),
        json!({
            "query": {
                "from": 1000, "to": 4600, "types": ["cpu", "alloc"],
                "profileTypeIds": {"cpu": "cpu:id", "alloc": "alloc:id"}, "limit": 1
            },
            "cpu": [{"name": "G1ParScanThreadState::trim_queue", "selfPercent": 22.4, "selfSamples": 2240, "totalSamples": 2240}],
            "alloc": [{"name": "java/util/HashMap.resize", "selfPercent": 40.0, "selfSamples": 4000, "totalSamples": 4000}]
        })
    );
}

#[tokio::test]
async fn a_history_store_refusing_the_record_leaves_the_answer_unchanged_and_counts_the_drop() {
    let (history, metrics) = refusing_history();
    let with_history = service(
        profiles(cpu_and_alloc()),
        None,
        Some((history, metrics.clone())),
    )
    .assess(request(10))
    .await
    .unwrap();
    let without = service(profiles(cpu_and_alloc()), None, None)
        .assess(request(10))
        .await
        .unwrap();
    assert_eq!(with_history, without);
    dropped_writes(&metrics, 1).await;
    assert_eq!(metrics.history_write_retries.get(), 0);
}

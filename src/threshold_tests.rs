//! The one threshold rule (`model::breaches`) at its boundary, seen through triage, the diff
//! report and the alert evaluator: the same four functions against the same threshold of 15 %,
//! and each of them names only the one whose share shows above 15.00.

use std::sync::{Arc, Mutex};

use chrono::{TimeZone, Utc};
use serde_json::Value;

use pf_alerts::testing::alert_rule;
use pf_alerts::Evaluator;
use pf_alerts::MockAlertRuleSor;
use pf_alerts::RuleNotices;
use pf_alerts::{AlertTransition, MockAlertStateSor};
use pf_baselines::testing::baseline;
use pf_baselines::{BaselineIndex, MockBaselineSor};
use pf_diff_report::testing::diff_request;
use pf_diff_report::{report, Judgement};
use pf_model::{FunctionStat, ProfileType, ReportFormat, TimeWindow};
use pf_profiles::{MockProfileDataSor, Profile, ProfileDiff, ProfileWindow};
use pf_testing::stat;
use pf_triage::{RuleSet, TriageRequest, TriageService};

const TOTAL: u64 = 100_000;
/// 14.995 % (shown 15.00), 15 %, 15.004 % (15.00), 15.005 % (15.01): only the last breaches.
const COUNTS: [(&str, u64); 4] = [("a", 14_995), ("b", 15_000), ("c", 15_004), ("d", 15_005)];

fn functions() -> Vec<FunctionStat> {
    COUNTS
        .iter()
        .map(|(name, n)| stat(name, *n, TOTAL))
        .collect()
}

fn profiles() -> MockProfileDataSor {
    let mut mock = MockProfileDataSor::new();
    mock.expect_profile().returning(|q| {
        Ok(Profile {
            labels: Default::default(),
            app_name: "checkout".into(),
            profile_type: q.profile_type,
            from: q.window.from,
            to: q.window.to,
            profile_type_id: "cpu".into(),
            total_samples: TOTAL,
            truncated_percent: 0.0,
            functions: functions(),
            partial: None,
        })
    });
    mock
}

fn baselines() -> Vec<pf_baselines::Baseline> {
    COUNTS
        .iter()
        .map(|(name, _)| baseline("checkout", ProfileType::Cpu, name, 15.0))
        .collect()
}

#[tokio::test]
async fn triage_the_diff_and_the_alerts_agree_on_the_threshold_boundary() {
    let window = TimeWindow::new(0, 3600).unwrap();
    // Triage: the baseline violations.
    let mut store = MockBaselineSor::new();
    store.expect_list().returning(|_, _| Ok(baselines()));
    let triage = TriageService::new(
        Arc::new(profiles()),
        Some(Arc::new(store)),
        None,
        Arc::new(RuleSet::shipped().unwrap()),
        5.0,
    );
    let request = TriageRequest {
        labels: Default::default(),
        app: "checkout".parse().unwrap(),
        window,
        types: vec![ProfileType::Cpu],
        limit: 10,
        format: ReportFormat::Json,
        requested_by: None,
    };
    let body = serde_json::to_value(triage.assess(request).await.unwrap()).unwrap();
    let violations: Vec<&Value> = body["profiles"]["cpu"]["baselineViolations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["function"])
        .collect();
    assert_eq!(violations, ["d"], "triage");

    // The diff report: every function is new in the current window.
    let side = |functions| ProfileWindow {
        parts: None,
        parts_unavailable: None,
        labels: Default::default(),
        from: 0,
        to: 3600,
        total_samples: TOTAL,
        truncated_percent: 0.0,
        functions,
    };
    let diff = ProfileDiff {
        app_name: "checkout".into(),
        profile_type: ProfileType::Cpu,
        profile_type_id: "cpu".into(),
        baseline: side(Vec::new()),
        current: side(functions()),
    };
    let request = diff_request(10);
    let index = BaselineIndex::new(baselines());
    let body = serde_json::to_value(report(
        &request,
        &diff,
        Some(&index),
        Judgement {
            warn_regression_points: 5.0,
            fdr: 0.05,
        },
    ))
    .unwrap();
    let breached: Vec<&Value> = body["regressions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["exceedsThreshold"] == true)
        .map(|r| &r["function"])
        .collect();
    assert_eq!(breached, ["d"], "diff");

    // The alert evaluator: one rule per function, each at 15.
    let rules: Vec<_> = COUNTS
        .iter()
        .zip(1..)
        .map(|((name, _), id)| alert_rule(id, Some(name), 15.0, true))
        .collect();
    let mut store = MockAlertRuleSor::new();
    store.expect_list().returning(move |_| Ok(rules.clone()));
    let saved: Arc<Mutex<Vec<AlertTransition>>> = Arc::default();
    let mut state = MockAlertStateSor::new();
    state.expect_alerts().returning(|| Ok(Vec::new()));
    let kept = saved.clone();
    state.expect_save().returning(move |_, _, transitions| {
        kept.lock().unwrap().extend_from_slice(transitions);
        Ok(())
    });
    let evaluator = Evaluator {
        rules: Arc::new(store),
        profiles: Arc::new(profiles()),
        state: Arc::new(state),
        triage_rules: Arc::new(RuleSet::shipped().unwrap()),
        window_secs: 300,
        notices: Arc::new(RuleNotices {
            public_url: url::Url::parse("http://localhost:8080/").unwrap(),
            interval: std::time::Duration::from_secs(60),
            registry: None,
        }),
    };
    let now = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
    let evaluation = evaluator.evaluate(now).await.unwrap();
    let firing: Vec<i32> = evaluation.firing.iter().map(|f| f.rule.id).collect();
    assert_eq!(firing, [4], "alerts");
    assert_eq!(saved.lock().unwrap().len(), 1);
}

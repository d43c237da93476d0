//! The dry run over mocked SORs: the rule's value from the profile, and errors passed on.

use super::*;
use crate::firing::MockAlertStateSor;
use crate::rules::MockAlertRuleSor;
use crate::testing::alert_rule;
use pf_profiles::testing::per_mille_answer;
use pf_profiles::MockProfileDataSor;
use pf_testing::per_mille;

const NOW: i64 = 1_700_000_000;

fn service(rule: AlertRule) -> AlertEvaluationService {
    let mut rules = MockAlertRuleSor::new();
    rules.expect_get().returning(move |_| Ok(rule.clone()));
    let mut profiles = MockProfileDataSor::new();
    profiles.expect_profile().returning(|q| {
        assert_eq!((q.window.from, q.window.to), (NOW - 300, NOW));
        assert_eq!(q.limit, FUNCTIONS_READ);
        let functions = vec![
            per_mille("java/util/HashMap.resize", 400),
            per_mille("G1 Young Generation", 150),
        ];
        Ok(per_mille_answer(q, "process_cpu", functions))
    });
    AlertEvaluationService::new(
        Arc::new(rules),
        Arc::new(profiles),
        Arc::new(MockAlertStateSor::new()),
        Arc::new(RuleSet::shipped().unwrap()),
        300,
    )
}

#[tokio::test]
async fn a_dry_run_reports_the_value_against_the_threshold() {
    let run = service(alert_rule(7, Some("hashmap"), 30.0, true))
        .dry_run(7, NOW)
        .await
        .unwrap();
    assert_eq!((run.value, run.threshold, run.firing), (40.0, 30.0, true));
    assert_eq!(run.matched_functions[0].name, "java/util/HashMap.resize");
    assert_eq!((run.from, run.to), (NOW - 300, NOW));
    let run = service(alert_rule(7, None, 50.0, true))
        .dry_run(7, NOW)
        .await
        .unwrap();
    assert_eq!((run.value, run.firing), (40.0, false));
}

#[tokio::test]
async fn a_missing_rule_and_an_unknown_category_are_errors() {
    let mut rules = MockAlertRuleSor::new();
    rules
        .expect_get()
        .returning(|id| Err(SorError::NotFound(format!("alert rule {id} not found"))));
    let svc = AlertEvaluationService::new(
        Arc::new(rules),
        Arc::new(MockProfileDataSor::new()),
        Arc::new(MockAlertStateSor::new()),
        Arc::new(RuleSet::shipped().unwrap()),
        300,
    );
    assert!(matches!(
        svc.dry_run(99, NOW).await,
        Err(EvaluationError::Sor(SorError::NotFound(_)))
    ));
    let run = service(alert_rule(7, Some("diagnosis:no_such_thing"), 10.0, true))
        .dry_run(7, NOW)
        .await;
    assert!(matches!(run, Err(EvaluationError::Value(_))));
}

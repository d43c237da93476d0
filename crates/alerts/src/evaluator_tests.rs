//! The evaluator over mocked SORs: shared reads, exactly one transition per change, state kept
//! when data is missing, and disabled rules resolved.

use std::sync::Mutex;

use chrono::{Duration, TimeZone};

use super::*;
use crate::firing::MockAlertStateSor;
use crate::rules::MockAlertRuleSor;
use crate::testing::alert_rule;
use pf_profiles::testing::per_mille_answer;
use pf_profiles::MockProfileDataSor;
use pf_testing::per_mille;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0).single().unwrap()
}

fn profiles(reads: usize, fail: bool) -> MockProfileDataSor {
    let mut mock = MockProfileDataSor::new();
    mock.expect_profile().times(reads).returning(move |q| {
        if fail {
            return Err(SorError::Upstream("Pyroscope answered 503".into()));
        }
        let functions = vec![
            per_mille("java/util/HashMap.resize", 500),
            per_mille("G1 Young Generation", 342),
        ];
        Ok(per_mille_answer(q, "cpu", functions))
    });
    mock
}

type Saved = Arc<Mutex<Vec<(Vec<StoredAlert>, Vec<i32>, Vec<AlertTransition>)>>>;

fn state(previous: Vec<StoredAlert>, saved: &Saved) -> MockAlertStateSor {
    let mut mock = MockAlertStateSor::new();
    mock.expect_alerts().returning(move || Ok(previous.clone()));
    let saved = saved.clone();
    mock.expect_save()
        .returning(move |alerts, cleared, transitions| {
            saved
                .lock()
                .unwrap()
                .push((alerts.to_vec(), cleared.to_vec(), transitions.to_vec()));
            Ok(())
        });
    mock
}

fn evaluator(
    rules: Vec<AlertRule>,
    profiles: MockProfileDataSor,
    state: MockAlertStateSor,
) -> Evaluator {
    let mut store = MockAlertRuleSor::new();
    store.expect_list().returning(move |_| Ok(rules.clone()));
    Evaluator {
        rules: Arc::new(store),
        profiles: Arc::new(profiles),
        state: Arc::new(state),
        triage_rules: Arc::new(RuleSet::shipped().unwrap()),
        window_secs: 300,
        notices: Arc::new(super::super::notice::RuleNotices {
            public_url: url::Url::parse("http://localhost:8080/").unwrap(),
            interval: std::time::Duration::from_secs(60),
            registry: None,
        }),
    }
}

fn firing(rule_id: i32, since: DateTime<Utc>) -> StoredAlert {
    StoredAlert {
        rule_id,
        app_name: "checkout".into(),
        profile_type: ProfileType::Cpu,
        state: AlertPhase::Firing,
        since,
        value: 50.0,
        threshold: 40.0,
        evaluated_at: since,
    }
}

#[tokio::test]
async fn rules_of_one_app_and_type_share_one_profile_read_and_fire_once() {
    let saved = Saved::default();
    let rules = vec![
        alert_rule(1, None, 40.0, true),
        alert_rule(2, Some("diagnosis:gc_pressure"), 30.0, true),
        alert_rule(3, Some("hashmap"), 60.0, true),
    ];
    let run = evaluator(rules, profiles(1, false), state(vec![], &saved));
    let out = run.evaluate(at(600)).await.unwrap();
    assert_eq!((out.evaluated, out.errors, out.profile_reads), (3, 0, 1));
    let fired: Vec<i32> = out.transitions.iter().map(|(t, _)| t.rule_id).collect();
    assert_eq!(
        fired,
        [1, 2],
        "50 > 40 and 34.2 > 30 fire; 50 < 60 does not"
    );
    assert!(out
        .transitions
        .iter()
        .all(|(t, _)| t.transition == TransitionKind::Firing));
    let (alerts, cleared, transitions) = saved.lock().unwrap().remove(0);
    assert_eq!(alerts.len(), 2);
    assert_eq!(cleared, [3]);
    assert_eq!(transitions.len(), 2);
}

#[tokio::test]
async fn a_firing_alert_is_not_announced_again_and_keeps_its_start() {
    let saved = Saved::default();
    let since = at(0);
    let run = evaluator(
        vec![alert_rule(1, None, 40.0, true)],
        profiles(1, false),
        state(vec![firing(1, since)], &saved),
    );
    let out = run.evaluate(at(600)).await.unwrap();
    assert!(out.transitions.is_empty());
    assert_eq!(out.firing[0].alert.since, since);
    assert_eq!(out.firing[0].top[0].name, "java/util/HashMap.resize");
}

#[tokio::test]
async fn a_profile_that_cannot_be_read_keeps_the_alert_as_it_was() {
    let saved = Saved::default();
    let run = evaluator(
        vec![alert_rule(1, None, 40.0, true)],
        profiles(1, true),
        state(vec![firing(1, at(0))], &saved),
    );
    let out = run.evaluate(at(600)).await.unwrap();
    assert_eq!((out.evaluated, out.errors), (0, 1));
    assert!(out.transitions.is_empty(), "missing data never resolves");
    let (alerts, cleared, _) = saved.lock().unwrap().remove(0);
    assert_eq!(alerts, vec![firing(1, at(0))]);
    assert!(cleared.is_empty());
}

#[tokio::test]
async fn disabling_or_deleting_a_rule_resolves_its_alert() {
    let saved = Saved::default();
    let run = evaluator(
        vec![alert_rule(1, None, 40.0, false)],
        profiles(0, false),
        state(vec![firing(1, at(0)), firing(2, at(0))], &saved),
    );
    let now = at(0) + Duration::seconds(600);
    let out = run.evaluate(now).await.unwrap();
    let mut resolved: Vec<(i32, bool)> = out
        .transitions
        .iter()
        .map(|(t, rule)| (t.rule_id, rule.is_some()))
        .collect();
    resolved.sort_unstable();
    assert_eq!(resolved, [(1, true), (2, false)]);
    assert!(out
        .transitions
        .iter()
        .all(|(t, _)| t.transition == TransitionKind::Resolved && t.at == now));
    let (_, mut cleared, _) = saved.lock().unwrap().remove(0);
    cleared.sort_unstable();
    assert_eq!(cleared, [1, 2]);
}

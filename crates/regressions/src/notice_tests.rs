//! What a regression's alert says of its cost (docs/regressions.md), on events written by hand.

use super::{cost, summary, RegressionNotices};
use crate::store::{EventSignificance, Regression};
use pf_detection::cost::{cost_ratio, process_cost_percent};
use pf_detection::model::{EventKind, EventState};
use pf_model::{ProfileType, SliceSecs, Slices};

/// A confirmed event of `function` from `before` % to `after` %, its cost as the store keeps it.
fn event(before: f64, after: f64) -> Regression {
    Regression {
        id: 1,
        app_name: "ledger".into(),
        profile_type: ProfileType::Cpu,
        function: "java/util/regex/Pattern.compile".into(),
        state: EventState::Confirmed,
        kind: EventKind::Regression,
        changed_at: 1_795_541_100,
        before_percent: before,
        after_percent: after,
        delta_percent: after - before,
        cost_ratio: cost_ratio(before / 100.0, after / 100.0),
        process_cost_percent: process_cost_percent(before / 100.0, after / 100.0),
        significance: EventSignificance {
            low: after - before - 0.5,
            high: after - before + 0.5,
            p_value: 1e-9,
        },
        version: None,
        shifted_from: None,
        suspected_at: 1_795_542_600,
        confirmed_at: Some(1_795_543_500),
        went_away_at: None,
        resolved_at: None,
        settled_at: None,
        announced: true,
        suspects: Vec::new(),
        range: None,
        suspects_reason: None,
        leak: None,
        first_recent: 1_795_541_100,
    }
}

#[test]
fn the_summary_says_the_growth_in_the_function_and_for_the_process() {
    // The example of docs/regressions.md: 55.7 % doing 1.3× the work,
    // a = 0.7241 / 1.1671 = 62.04 %: r = 1.3 → "+30 %", 100·0.557·0.3 = 16.71 → "+16.7 %".
    let big = event(55.7, 100.0 * 0.7241 / 1.1671);
    let words = "+30 % in this function, about +16.7 % for the process";
    assert_eq!(cost(&big), words);
    assert_eq!(
        summary(&big),
        format!("ledger cpu: Pattern.compile 55.7% → 62.0% (+6.3 pt, 95% CI +5.8…+6.8), {words}, since 17:25 UTC")
    );
}

#[test]
fn a_new_function_is_new_and_costs_the_process_its_share_of_the_rest() {
    // b = 0: r unbounded; the process spends 100·0.05/0.95 = 5.26 % more.
    assert_eq!(
        cost(&event(0.0, 5.0)),
        "new in this function, about +5.3 % for the process"
    );
    // a = 1: both unbounded, nothing said of the process.
    assert_eq!(cost(&event(50.0, 100.0)), "new in this function");
}

#[test]
fn a_settled_regression_resolves_its_alert_once_with_the_annotation_settled() {
    let notices = RegressionNotices {
        public_url: "http://pf.example/".parse().expect("a URL"),
        slices: Slices {
            slice_secs: SliceSecs::FIVE_MINUTES,
            lag_secs: 0,
        },
        warn_points: 5.0,
    };
    let now = chrono::Utc::now();
    let firing = notices.alert(&event(1.0, 3.0), None, now);
    assert_eq!(firing.annotations.settled, None);
    let mut settled = event(1.0, 3.0);
    settled.state = EventState::Settled;
    settled.settled_at = Some(1_795_629_900);
    let alert = notices.alert(&settled, None, now);
    // Ended one slice after the slice it settled at: 2026-11-25 18:05 + 5 min.
    assert_eq!(alert.ends_at.timestamp(), 1_795_630_200);
    let note = alert.annotations.settled.expect("the settled annotation");
    assert!(note.contains("settled at 2026-11-25 18:05 UTC"), "{note}");
    assert!(
        note.contains("watched again against its new level"),
        "{note}"
    );
}

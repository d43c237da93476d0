//! Diff arithmetic: integer shares, the 0.1 boundary, ties, verdicts.

use super::*;

const JUDGE: Judgement = Judgement {
    warn_regression_points: 5.0,
    fdr: 0.05,
};
use crate::testing::diff_request;
use pf_baselines::testing::baseline;
use pf_model::{FunctionStat, ProfileType};
use pf_testing::stat;

fn window(total: u64, functions: Vec<FunctionStat>) -> ProfileWindow {
    ProfileWindow {
        parts: None,
        parts_unavailable: None,
        labels: Default::default(),
        from: 0,
        to: 3600,
        total_samples: total,
        truncated_percent: 0.0,
        functions,
    }
}

/// A window of `total` samples, each function with its self count out of them.
fn counts(total: u64, functions: &[(&str, u64)]) -> ProfileWindow {
    let stats = functions.iter().map(|&(name, n)| stat(name, n, total));
    window(total, stats.collect())
}

fn diff(baseline: ProfileWindow, current: ProfileWindow) -> ProfileDiff {
    ProfileDiff {
        app_name: "checkout".into(),
        profile_type: ProfileType::Cpu,
        profile_type_id: "cpu:id".into(),
        baseline,
        current,
    }
}

fn request(limit: u32) -> DiffRequest {
    diff_request(limit)
}

fn names(changes: &[Change]) -> Vec<&str> {
    changes.iter().map(|c| c.function.as_str()).collect()
}

#[test]
fn shares_come_from_integer_counts_not_from_rounded_percents() {
    let mut misleading = stat("a", 1, 3);
    misleading.self_percent = 99.0;
    let c = changes(&window(3, vec![]), &window(3, vec![misleading]), 10);
    assert!((c[0].current_percent - 100.0 / 3.0).abs() < 1e-12);
    assert_eq!(c[0].delta_centipoints, 3333);
}

#[test]
fn exactly_a_tenth_of_a_point_is_not_a_change() {
    // 1.10% vs 1.00%: delta 0.10 → dropped.
    let c = changes(
        &counts(10_000, &[("a", 100)]),
        &counts(10_000, &[("a", 110)]),
        10,
    );
    assert!(c.is_empty());
    // 1.11% vs 1.00%: delta 0.11 → kept.
    let c = changes(
        &counts(10_000, &[("a", 100)]),
        &counts(10_000, &[("a", 111)]),
        10,
    );
    assert_eq!(c[0].delta_centipoints, 11);
    // 1.105% vs 1.000%: exactly half a hundredth above 0.10, rounds away from zero to 0.11.
    // (1.105 − 1.0 in floating point is 0.10499…, which would round to 0.10.)
    let c = changes(
        &counts(1_000_000, &[("a", 10_000)]),
        &counts(1_000_000, &[("a", 11_050)]),
        10,
    );
    assert_eq!(c[0].delta_centipoints, 11);
    // The same boundary going down.
    assert_eq!(delta_centipoints(10_000, 1_000_000, 11_050, 1_000_000), -11);
    assert_eq!(delta_centipoints(100, 10_000, 110, 10_000), -10);
}

#[test]
fn empty_windows_count_as_zero_percent() {
    assert_eq!(delta_centipoints(5, 10, 0, 0), 5000);
    assert_eq!(delta_centipoints(0, 0, 5, 10), -5000);
    assert_eq!(pf_model::percent_of(1, 0), 0.0);
}

#[test]
fn changes_are_ranked_by_size_then_name_and_limited_before_splitting() {
    let base = counts(1000, &[("gone", 50), ("b", 100), ("same", 10)]);
    let cur = counts(1000, &[("new", 50), ("b", 150), ("a", 20), ("same", 10)]);
    let all = changes(&base, &cur, 10);
    // |5.0| ties are ordered by name: b, gone, new; then a (2.0); `same` did not change.
    assert_eq!(names(&all), ["b", "gone", "new", "a"]);
    assert_eq!(names(&changes(&base, &cur, 2)), ["b", "gone"]);
    let report = report(&request(3), &diff(base, cur), None, JUDGE);
    let regressions: Vec<_> = report.regressions.iter().map(|r| &r.function).collect();
    let improvements: Vec<_> = report.improvements.iter().map(|r| &r.function).collect();
    assert_eq!(regressions, ["b", "new"]);
    assert_eq!(improvements, ["gone"]);
    assert_eq!(report.improvements[0].delta_percent, -5.0);
    assert_eq!(report.improvements[0].current_percent, 0.0);
}

#[test]
fn a_lambda_renamed_by_a_restart_is_one_function() {
    let base = counts(100, &[("Foo$$Lambda$12/0x01.apply", 10)]);
    let cur = counts(100, &[("Foo$$Lambda$57/0x9f.apply", 30)]);
    let c = changes(&base, &cur, 10);
    assert_eq!(names(&c), ["Foo$$Lambda$57/0x9f.apply"]);
    assert_eq!(c[0].delta_centipoints, 2000);
}

#[test]
fn the_verdict_warns_at_the_regression_threshold_and_fails_on_a_breach() {
    let base = counts(1000, &[("a", 100), ("b", 100)]);
    let at_warn = counts(1000, &[("a", 150), ("b", 100)]);
    let below = counts(1000, &[("a", 149), ("b", 100)]);
    let r = report(
        &request(20),
        &diff(base.clone(), at_warn.clone()),
        None,
        JUDGE,
    );
    assert_eq!(r.summary.verdict, Verdict::Warn);
    assert_eq!(r.summary.top_regression.as_deref(), Some("a (+5%)"));
    assert_eq!(r.summary.threshold_breaches, None);
    let r = report(&request(20), &diff(base.clone(), below), None, JUDGE);
    assert_eq!(r.summary.verdict, Verdict::Pass);
    assert_eq!(r.summary.top_regression.as_deref(), Some("a (+4.9%)"));

    let index = BaselineIndex::new(vec![
        baseline("checkout", ProfileType::Cpu, "a", 15.0),
        baseline("checkout", ProfileType::Alloc, "a", 1.0),
    ]);
    let r = report(
        &request(20),
        &diff(base.clone(), at_warn),
        Some(&index),
        JUDGE,
    );
    assert_eq!(r.regressions[0].approved_threshold, Some(15.0));
    assert_eq!(r.regressions[0].exceeds_threshold, Some(false));
    assert_eq!(r.summary.threshold_breaches, Some(0));
    let breach = counts(1000, &[("a", 151), ("b", 100)]);
    let index = BaselineIndex::new(vec![baseline("checkout", ProfileType::Cpu, "a", 15.0)]);
    let r = report(&request(20), &diff(base, breach), Some(&index), JUDGE);
    assert_eq!(r.regressions[0].exceeds_threshold, Some(true));
    assert_eq!(r.summary.threshold_breaches, Some(1));
    assert_eq!(r.summary.verdict, Verdict::Fail);
}

#[test]
fn no_changes_pass_without_a_top_regression() {
    let same = counts(1000, &[("a", 100)]);
    let r = report(&request(20), &diff(same.clone(), same), None, JUDGE);
    assert!(r.regressions.is_empty() && r.improvements.is_empty());
    assert_eq!(r.summary.top_regression, None);
    assert_eq!(r.summary.verdict, Verdict::Pass);
}

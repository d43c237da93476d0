//! The report of docs/api.md#how-sure-is-a-diff on hand-built parts: the interval where the
//! formulas put it, the verdict that fails only on a breach beyond noise, and the verdict of the
//! shares alone when parts are missing.

use super::*;
use crate::compute::{report, Judgement};
use crate::model::{DiffRequest, Verdict};
use crate::testing::diff_request;
use pf_baselines::testing::baseline;
use pf_baselines::BaselineIndex;
use pf_model::{FunctionStat, ProfileType, TimeWindow};
use pf_profiles::WindowPart;

const JUDGE: Judgement = Judgement {
    warn_regression_points: 5.0,
    fdr: 0.05,
};

fn window(selfs: [u64; 4]) -> ProfileWindow {
    let total: u64 = selfs.iter().sum();
    ProfileWindow {
        labels: Default::default(),
        from: 0,
        to: 40,
        total_samples: 4000,
        truncated_percent: 0.0,
        functions: vec![FunctionStat {
            name: "a".into(),
            self_percent: total as f64 / 40.0,
            self_samples: total,
            total_samples: total,
            part_self_samples: selfs.to_vec(),
        }],
        parts: Some(
            (0..4)
                .map(|k| WindowPart {
                    from: k * 10,
                    to: k * 10 + 10,
                    total_samples: 1000,
                })
                .collect(),
        ),
        parts_unavailable: None,
    }
}

fn diff() -> ProfileDiff {
    ProfileDiff {
        app_name: "checkout".into(),
        profile_type: ProfileType::Cpu,
        profile_type_id: "cpu".into(),
        baseline: window([100, 110, 90, 100]),
        current: window([150, 160, 140, 150]),
    }
}

fn request(slices: u32) -> DiffRequest {
    DiffRequest {
        current: TimeWindow::new(40, 80).unwrap(),
        baseline: TimeWindow::new(0, 40).unwrap(),
        slices,
        ..diff_request(20)
    }
}

fn index(threshold: f64) -> BaselineIndex {
    BaselineIndex::new(vec![baseline("checkout", ProfileType::Cpu, "a", threshold)])
}

#[test]
fn the_interval_is_where_the_formulas_put_it() {
    // Both windows: residuals 0, +10, −10, 0 around 10 % and 15 % of 1 000 per part, so
    // v = 4/3 · 200 / 4000² each; se = 100·√(2v) points; Welch df = 6 (equal variances, n = 4);
    // t(0.975, 6) = 2.446911851 (any t table); t(0.975, 3) = 3.182446305 for the share.
    let v: f64 = 4.0 / 3.0 * 200.0 / 4000.0 / 4000.0;
    let se = 100.0 * (2.0 * v).sqrt();
    let tested = assess(&diff(), 0.05).tested("a").unwrap();
    assert!((tested.delta.low - (5.0 - 2.446911851 * se)).abs() < 1e-6);
    assert!((tested.delta.high - (5.0 + 2.446911851 * se)).abs() < 1e-6);
    assert!(tested.delta.significant);
    let half = 3.182446305 * 100.0 * v.sqrt();
    assert!((tested.current.0 - (15.0 - half)).abs() < 1e-6);
    assert!((tested.current.1 - (15.0 + half)).abs() < 1e-6);
}

#[test]
fn a_breach_fails_only_when_even_the_low_end_is_above_the_threshold() {
    // The current share's interval is about 13.70 … 16.30.
    let sure = report(&request(4), &diff(), Some(&index(12.0)), JUDGE);
    let entry = &sure.regressions[0];
    assert_eq!(entry.breach_significant, Some(true));
    assert_eq!(sure.summary.verdict, Verdict::Fail);

    let noisy = report(&request(4), &diff(), Some(&index(14.5)), JUDGE);
    let entry = &noisy.regressions[0];
    assert_eq!(entry.exceeds_threshold, Some(true));
    assert_eq!(entry.breach_significant, Some(false));
    assert_eq!(
        noisy.summary.verdict,
        Verdict::Warn,
        "a breach that may be noise"
    );
    // The same numbers judged by shares alone (the plain rule) fail.
    let shares = report(&request(0), &diff(), Some(&index(14.5)), JUDGE);
    assert_eq!(shares.summary.verdict, Verdict::Fail);
    assert!(shares.summary.significance.is_none());
    assert!(shares.regressions[0].significance.is_none());
}

#[test]
fn without_parts_the_reason_is_given_and_the_shares_decide() {
    let mut d = diff();
    d.current.parts = None;
    d.current.parts_unavailable = Some("the window is too short".into());
    let r = report(&request(10), &d, Some(&index(14.5)), JUDGE);
    let summary = r.summary.significance.as_ref().unwrap();
    assert!(!summary.available);
    assert_eq!(summary.reason.as_deref(), Some("the window is too short"));
    assert_eq!(
        summary.slices,
        PartCounts {
            baseline: 4,
            current: 0
        }
    );
    assert_eq!(
        r.summary.verdict,
        Verdict::Fail,
        "the plain rule: the breach alone fails"
    );
    assert!(r.regressions[0].significance.is_none());
}

#[test]
fn the_p_value_alone_is_the_p_value_of_the_whole_test() {
    use pf_model::significance::{delta, delta_p_value, share};
    let b = share(&[1000, 1200, 900, 1100, 1000], &[50, 70, 40, 60, 55]).unwrap();
    let c = share(&[1000, 1000, 1100, 900, 1000], &[90, 80, 100, 70, 85]).unwrap();
    assert_eq!(delta_p_value(b, c), delta(b, c).map(|d| d.p_value));
    let flat = share(&[10, 10], &[1, 1]).unwrap();
    assert_eq!(delta_p_value(flat, flat), Some(1.0));
}

#[test]
fn each_function_gets_the_formulas_own_numbers_to_the_bit() {
    use pf_model::significance::{delta, share, share_interval};
    let function = |name: &str, selfs: [u64; 4]| FunctionStat {
        name: name.into(),
        self_percent: 0.0,
        self_samples: selfs.iter().sum(),
        total_samples: selfs.iter().sum(),
        part_self_samples: selfs.to_vec(),
    };
    let mut d = diff();
    // Two lambda names that normalise alike, one only in the baseline, one only in the current.
    d.baseline.functions.extend([
        function("Foo$$Lambda$12/0x01.run", [5, 7, 6, 9]),
        function("Foo$$Lambda$13/0x02.run", [1, 0, 2, 1]),
        function("gone", [30, 20, 25, 35]),
    ]);
    d.current.functions.extend([
        function("Foo$$Lambda$99/0x03.run", [9, 8, 11, 7]),
        function("new", [3, 4, 2, 6]),
    ]);
    let tests = assess(&d, 0.05);
    assert_eq!(tests.len(), 4);
    let totals = [1000; 4];
    for (name, b, c) in [
        ("a", [100, 110, 90, 100], [150, 160, 140, 150]),
        ("Foo$$Lambda.run", [6, 7, 8, 10], [9, 8, 11, 7]),
        ("gone", [30, 20, 25, 35], [0; 4]),
        ("new", [0; 4], [3, 4, 2, 6]),
    ] {
        let (b, c) = (share(&totals, &b).unwrap(), share(&totals, &c).unwrap());
        let want = delta(b, c).unwrap();
        let got = tests.tested(name).unwrap();
        assert_eq!(
            (got.delta.low, got.delta.high),
            (want.low, want.high),
            "{name}"
        );
        assert_eq!(got.delta.p_value, want.p_value, "{name}");
        assert_eq!(Some(got.current), share_interval(c), "{name}");
    }
    assert!(
        tests.tested("Foo$$Lambda$12/0x01.run").is_none(),
        "only normalised names"
    );
}

//! The cost ratio and the process's extra cost against values computed by hand.

use super::{cost_ratio, process_cost_percent, ratio_at_least, share_at_ratio};

fn close(got: Option<f64>, want: f64, tolerance: f64) -> bool {
    got.is_some_and(|g| (g - want).abs() <= tolerance)
}

#[test]
fn a_large_function_doing_thirty_percent_more_work_has_ratio_1_3_and_costs_the_process_16_7_percent(
) {
    // The process of docs/regressions.md: b = 0.557. Its function does 1.3× the work and the rest
    // the same, so a = 1.3·b / (1 + 0.3·b) = 0.7241 / 1.1671 = 0.620427 (62.0 % there), and
    // r = (a/(1−a)) / (b/(1−b)) = 1.3 by construction; 100·b·(r−1) = 100·0.557·0.3 = 16.71.
    let (b, a): (f64, f64) = (0.557, 0.7241 / 1.1671);
    assert!((a - 0.620_427).abs() < 1e-6, "{a}");
    assert!(
        close(cost_ratio(b, a), 1.3, 1e-12),
        "{:?}",
        cost_ratio(b, a)
    );
    assert!(close(process_cost_percent(b, a), 16.71, 1e-9));
    // Its delta is +6.34 points, under the old 0.2 × 55.7 = 11.14; the ratio passes 1.2.
    assert!(ratio_at_least(b, a, 1.2));
}

#[test]
fn the_ratio_is_exact_at_every_share_of_a_thirty_percent_growth() {
    // a = 1.3·b / (1 + 0.3·b) for b = 5 %, 20 %, 80 %: 0.065/1.015 = 0.064039,
    // 0.26/1.06 = 0.245283, 1.04/1.24 = 0.838710; r = 1.3 and 100·b·0.3 = 1.5, 6, 24.
    for (b, a, process) in [
        (0.05, 0.065 / 1.015, 1.5),
        (0.2, 0.26 / 1.06, 6.0),
        (0.8, 1.04 / 1.24, 24.0),
    ] {
        assert!(close(cost_ratio(b, a), 1.3, 1e-12), "b {b}");
        assert!(close(process_cost_percent(b, a), process, 1e-9), "b {b}");
        assert!((share_at_ratio(b, 1.3) - a).abs() < 1e-12, "b {b}");
    }
}

#[test]
fn for_small_shares_the_ratio_is_the_ratio_of_shares() {
    // b = 1 %, a = 1.3 %: 0.013·0.99 / (0.01·0.987) = 0.01287 / 0.00987 = 1.303951, ≈ a/b.
    assert!(close(cost_ratio(0.01, 0.013), 1.303_951, 1e-6));
    // 100·((1−b)·a/(1−a) − b) = 100·(0.99·0.013/0.987 − 0.01) = 0.303951.
    assert!(close(process_cost_percent(0.01, 0.013), 0.303_951, 1e-6));
}

#[test]
fn the_smallest_suspected_rise_from_ten_percent_is_1_76_points() {
    // r = 1.2 at a = 1.2·0.1 / (1 + 0.2·0.1) = 0.12 / 1.02 = 0.117647.
    assert!((share_at_ratio(0.1, 1.2) - 0.117_647).abs() < 1e-6);
    // 11.7 %: 0.117·0.9 / (0.1·0.883) = 1.192525 < 1.2; 11.8 %: 0.1062/0.0882 = 1.204082.
    assert!(close(cost_ratio(0.1, 0.117), 1.192_525, 1e-6));
    assert!(close(cost_ratio(0.1, 0.118), 1.204_082, 1e-6));
    assert!(!ratio_at_least(0.1, 0.117, 1.2) && ratio_at_least(0.1, 0.118, 1.2));
}

#[test]
fn the_edges_are_named_not_divided_by_zero() {
    // A new function (b = 0): unbounded ratio, counted as met; the process spends
    // a/(1−a) more: 0.05/0.95 = 5.263158 %.
    assert_eq!(cost_ratio(0.0, 0.05), None);
    assert!(ratio_at_least(0.0, 0.05, 1.2));
    assert!(close(process_cost_percent(0.0, 0.05), 5.263_158, 1e-6));
    // The whole profile after (a = 1): unbounded, and no finite cost for the process.
    assert_eq!(cost_ratio(0.5, 1.0), None);
    assert_eq!(process_cost_percent(0.5, 1.0), None);
    // No change, at either end: a factor of 1, nothing more spent.
    for share in [0.0, 0.3, 1.0] {
        assert_eq!(cost_ratio(share, share), Some(1.0));
        assert_eq!(process_cost_percent(share, share), Some(0.0));
    }
    // Gone to nothing, or from the whole profile: 0; the latter's process lost all but
    // (1−b)·a/(1−a) = 0 of itself: −100 %.
    assert_eq!(cost_ratio(0.2, 0.0), Some(0.0));
    assert_eq!(cost_ratio(1.0, 0.9), Some(0.0));
    assert!(close(process_cost_percent(1.0, 0.9), -100.0, 1e-9));
    // NaN is no share: no ratio, never at least anything.
    assert_eq!(cost_ratio(f64::NAN, 0.1), None);
    assert!(!ratio_at_least(0.1, f64::NAN, 1.2));
    assert_eq!(process_cost_percent(f64::NAN, 0.1), None);
}

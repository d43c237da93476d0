use super::*;

// Reference values printed by scripts/monotonic_reference.py with scipy 1.17.1 and
// pymannkendall 1.4.3 (Mann–Kendall: pymannkendall.original_test, p = 2·norm.sf(|z|);
// Theil–Sen: scipy.stats.theilslopes(y, x, 0.95, method="joint")), 12 significant digits.

/// Asserts each value within 1e-9 relative (absolute near 0) of its reference.
fn assert_close(actual: &[f64], expected: &[f64], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}");
    for (a, e) in actual.iter().zip(expected) {
        let close = (a - e).abs() <= 1e-9 * e.abs().max(1e-12);
        assert!(close, "{what}: got {actual:?}, expected {expected:?}");
    }
}

const RISING_WITH_TIES: [f64; 10] = [1.0, 2.0, 2.0, 3.0, 5.0, 4.0, 5.0, 5.0, 7.0, 6.0];
const DECREASING: [f64; 12] = [10.0, 9.5, 9.7, 8.0, 8.1, 7.0, 7.2, 6.0, 5.5, 5.9, 4.0, 3.5];
const NO_TREND: [f64; 11] = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0];

/// The script's `series72`: a slow rise, a wobble and noise from the same LCG.
fn series72() -> Vec<f64> {
    let mut state: i64 = 12345;
    (0..72)
        .map(|i| {
            state = (1_103_515_245 * state + 12345) % (1 << 31);
            let noise = state as f64 / (1u64 << 31) as f64 - 0.5;
            let i = f64::from(i);
            1000.0 + 2.5 * i + 40.0 * (i / 5.0).sin() + 60.0 * noise
        })
        .collect()
}

/// x = 0, 300, 600, …: slice starts in seconds.
fn times(n: usize) -> Vec<f64> {
    (0..n).map(|i| i as f64 * 300.0).collect()
}

fn check(y: &[f64], s: i64, mk: [f64; 3], sen: [f64; 4], what: &str) {
    let m = mann_kendall(y).expect("mann-kendall");
    assert_eq!(m.s, s, "{what}: S");
    assert_close(&[m.variance, m.z, m.p_value], &mk, what);
    let t = theil_sen(&times(y.len()), y, 0.95).expect("theil-sen");
    assert_close(&[t.slope, t.low, t.high, t.intercept], &sen, what);
}

#[test]
fn a_rising_series_with_ties_matches_the_references() {
    check(
        &RISING_WITH_TIES,
        37,
        [1.203333333333e+02, 3.281780477499e+00, 1.031538779879e-03],
        [
            1.904761904762e-03,
            1.666666666667e-03,
            2.666666666667e-03,
            1.214285714286e+00,
        ],
        "rising with ties",
    );
}

#[test]
fn a_decreasing_series_matches_the_references() {
    check(
        &DECREASING,
        -58,
        [2.126666666667e+02, -3.908635243545e+00, 9.281898133685e-05],
        [
            -1.944444444444e-03,
            -2.222222222222e-03,
            -1.666666666667e-03,
            1.008333333333e+01,
        ],
        "decreasing",
    );
}

#[test]
fn a_series_without_trend_matches_the_references() {
    check(
        &NO_TREND,
        16,
        [1.593333333333e+02, 1.188332399295e+00, 2.347024779552e-01],
        [
            8.333333333333e-04,
            -1.111111111111e-03,
            2.500000000000e-03,
            3.000000000000e+00,
        ],
        "no trend",
    );
}

#[test]
fn seventy_two_slices_match_the_references() {
    check(
        &series72(),
        1506,
        [4.231600000000e+04, 7.316176863519e+00, 2.551353518320e-13],
        [
            7.458051114167e-03,
            6.139227320343e-03,
            8.559308857373e-03,
            1.017831129328e+03,
        ],
        "n=72",
    );
}

#[test]
fn ties_in_x_and_y_are_both_corrected_as_scipy_does() {
    let x = [0.0, 1.0, 1.0, 2.0, 3.0, 3.0, 4.0, 5.0];
    let y = [1.0, 1.5, 2.5, 2.5, 3.0, 4.5, 4.5, 6.0];
    let t = theil_sen(&x, &y, 0.95).expect("theil-sen");
    assert_close(
        &[t.slope, t.low, t.high, t.intercept],
        &[1.0, 0.5, 1.5, 0.75],
        "ties",
    );
}

#[test]
fn mann_kendall_refuses_short_constant_or_non_finite_series() {
    assert_eq!(mann_kendall(&[1.0, 2.0]), None);
    assert_eq!(mann_kendall(&[4.0; 10]), None);
    assert_eq!(mann_kendall(&[1.0, f64::NAN, 3.0]), None);
    assert_eq!(mann_kendall(&[1.0, f64::INFINITY, 3.0]), None);
    let flat_then_up = mann_kendall(&[1.0, 1.0, 1.0, 2.0]).expect("some variance");
    assert_eq!(flat_then_up.s, 3);
}

#[test]
fn theil_sen_refuses_what_has_no_slope() {
    assert_eq!(theil_sen(&[1.0], &[1.0], 0.95), None);
    assert_eq!(theil_sen(&[1.0, 2.0], &[1.0], 0.95), None);
    assert_eq!(theil_sen(&[3.0, 3.0, 3.0], &[1.0, 2.0, 3.0], 0.95), None);
    assert_eq!(theil_sen(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], 1.0), None);
    assert_eq!(
        theil_sen(&[1.0, 2.0, 3.0], &[1.0, f64::NAN, 3.0], 0.95),
        None
    );
}

#[test]
fn the_scratch_forms_give_the_same_numbers_whatever_the_buffer_held() {
    let y = series72();
    let x = times(y.len());
    let mut scratch = vec![7.0; 5000];
    assert_eq!(mann_kendall_with(&y, &mut scratch), mann_kendall(&y));
    assert_eq!(
        theil_sen_with(&x, &y, 0.95, &mut scratch),
        theil_sen(&x, &y, 0.95)
    );
    let mut scratch = Vec::new();
    let tied = mann_kendall_with(&RISING_WITH_TIES, &mut scratch);
    assert_eq!(tied, mann_kendall(&RISING_WITH_TIES));
}

#[test]
fn the_slope_is_exact_on_a_line_and_its_interval_holds_it() {
    let x = times(20);
    let y: Vec<f64> = x.iter().map(|x| 5.0 + 0.25 * x).collect();
    let t = theil_sen(&x, &y, 0.95).expect("line");
    assert_eq!((t.slope, t.low, t.high), (0.25, 0.25, 0.25));
    assert!((t.intercept - 5.0).abs() < 1e-9);
}

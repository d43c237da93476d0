use super::*;

/// Asserts equal lengths and each value within 1e-9 relative (references carry 12 digits).
fn assert_close(actual: &[f64], expected: &[f64], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}");
    for (a, e) in actual.iter().zip(expected) {
        let close = (a - e).abs() <= 1e-9 * e.abs().max(1e-300);
        assert!(close, "{what}: got {actual:?}, expected {expected:?}");
    }
}

/// A hand-made estimate, for the functions that take one.
fn estimate(share: f64, variance: f64, parts: usize) -> ShareEstimate {
    ShareEstimate {
        share,
        variance,
        parts,
    }
}

/// One case printed by scripts/significance_reference.py: [totals, selfs] of both windows,
/// [share, variance] and the share's [low, high] in percent for each, the delta's
/// [delta, low, high] in percentage points and its [p_value, std_error, df].
struct Reference {
    base_parts: [&'static [u64]; 2],
    cur_parts: [&'static [u64]; 2],
    base: [f64; 2],
    cur: [f64; 2],
    base_interval: [f64; 2],
    cur_interval: [f64; 2],
    delta: [f64; 3],
    test: [f64; 3],
}

fn check(case: &Reference) {
    let b = share(case.base_parts[0], case.base_parts[1]).expect("baseline");
    let c = share(case.cur_parts[0], case.cur_parts[1]).expect("current");
    let [bi, ci] = [b, c].map(|e| <[f64; 2]>::from(share_interval(e).expect("interval")));
    let actual = [[b.share, b.variance], [c.share, c.variance], bi, ci].concat();
    let expected = [case.base, case.cur, case.base_interval, case.cur_interval].concat();
    assert_close(&actual, &expected, "shares, variances, intervals");
    let d = delta(b, c).expect("delta");
    assert_close(&[d.delta, d.low, d.high], &case.delta, "delta");
    assert_close(&[d.p_value, d.std_error, d.df], &case.test, "test");
}

#[test]
fn reference_case_a_equal_parts() {
    // Numbers from scripts/significance_reference.py, case "A equal parts".
    check(&Reference {
        base_parts: [&[1000, 1200, 900, 1100, 1000], &[50, 70, 40, 60, 55]],
        cur_parts: [&[1000, 1000, 1100, 900, 1000], &[90, 80, 100, 70, 85]],
        base: [0.0528846153846, 5.38954042444e-06],
        cur: [0.085, 6.725e-06],
        base_interval: [4.64389915281, 5.93302392411],
        cur_interval: [7.77999545894, 9.22000454106],
        delta: [3.21153846154, 2.40721094877, 4.01586597431],
        test: [1.66994007688e-05, 0.348059483773, 7.90395121904],
    });
}

#[test]
fn reference_case_b_unequal_parts() {
    // Numbers from scripts/significance_reference.py, case "B unequal n" (4 vs 7 parts).
    check(&Reference {
        base_parts: [&[5000, 4800, 5200, 5100], &[260, 230, 275, 250]],
        cur_parts: [
            &[3000, 3100, 2900, 3050, 2950, 3000, 3020],
            &[150, 170, 140, 160, 150, 155, 149],
        ],
        base: [0.0504975124378, 1.38872074836e-06],
        cur: [0.0510941960038, 6.89866231773e-07],
        base_interval: [4.67471905289, 5.42478343467],
        cur_interval: [4.9061835399, 5.31265566087],
        delta: [0.0596683565995, -0.293357603557, 0.412694316756],
        test: [0.693399147341, 0.144173055046, 5.98271562403],
    });
}

#[test]
fn reference_case_c_zero_variance_baseline() {
    // Numbers from scripts/significance_reference.py, case "C zero-variance baseline":
    // selfs proportional to totals, so Welch's df reduces to n_current − 1 = 3.
    check(&Reference {
        base_parts: [&[1000, 2000, 1500], &[100, 200, 150]],
        cur_parts: [&[1000, 1000, 1000, 1000], &[120, 110, 130, 125]],
        base: [0.1, 0.0],
        cur: [0.12125, 1.82291666667e-05],
        base_interval: [10.0, 10.0],
        cur_interval: [10.7662345581, 13.4837654419],
        delta: [2.125, 0.766234558102, 3.4837654419],
        test: [0.0155873581215, 0.426956281915, 3.0],
    });
}

#[test]
fn reference_case_d_absent_baseline() {
    // Numbers from scripts/significance_reference.py, case "D absent baseline": the
    // function has no samples in the baseline (all s_i = 0), so df = n_current − 1 = 2.
    check(&Reference {
        base_parts: [&[800, 900, 1000], &[0, 0, 0]],
        cur_parts: [&[1000, 1200, 1100], &[10, 15, 9]],
        base: [0.0, 0.0],
        cur: [0.010303030303, 1.71992906779e-06],
        base_interval: [0.0, 0.0],
        cur_interval: [0.466027050602, 1.59457901],
        delta: [1.0303030303, 0.466027050602, 1.59457901],
        test: [0.0158190077584, 0.131146066193, 2.0],
    });
}

#[test]
fn both_variances_zero_and_shares_differ_is_certain() {
    let baseline = share(&[1000, 2000], &[100, 200]).expect("baseline");
    let current = share(&[500, 500, 1000], &[100, 100, 200]).expect("current");
    let d = delta(baseline, current).expect("delta");
    assert_eq!([d.delta, d.low, d.high], [10.0, 10.0, 10.0]);
    assert_eq!([d.p_value, d.std_error, d.df], [0.0, 0.0, 0.0]);
    assert_eq!(welch_df(baseline, current), None);
}

#[test]
fn no_change_has_p_value_one() {
    // Without variance (an absent, a partial, a whole-profile function) by the zero rule,
    // with variance through Student's t, where equal v and n give df = n_b + n_c − 2.
    for selfs in [[0, 0], [100, 200], [1000, 2000], [50, 250]] {
        let estimate = share(&[1000, 2000], &selfs).expect("estimate");
        let d = delta(estimate, estimate).expect("delta");
        assert_eq!([d.delta, d.low + d.high], [0.0, 0.0]);
        assert_close(&[d.p_value], &[1.0], "p_value");
        assert!(d.df == 0.0 || d.df == 2.0, "{d:?}");
    }
}

#[test]
fn too_few_parts_or_mismatched_lengths_are_unavailable() {
    assert_eq!(share(&[1000], &[50]), None);
    assert_eq!(share(&[], &[]), None);
    assert_eq!(share(&[1000, 1000, 1000], &[50, 60]), None);
    assert_eq!(share(&[1000, 1000], &[50, 60, 70]), None);
    assert_eq!(ratio_variance(&[1000], &[50], 0.05), None);
    assert_eq!(ratio_variance(&[1000, 1000], &[50], 0.05), None);
    let single = estimate(0.05, 0.0, 1);
    let fine = share(&[1000, 1000], &[50, 60]).expect("estimate");
    assert_eq!(share_interval(single), None);
    assert_eq!((delta(single, fine), delta(fine, single)), (None, None));
    assert_eq!(welch_df(single, fine), None);
}

#[test]
fn zero_totals_give_share_and_variance_zero() {
    let expected = estimate(0.0, 0.0, 3);
    assert_eq!(share(&[0, 0, 0], &[0, 0, 0]), Some(expected));
    // Inconsistent input (selfs without totals) must not divide by zero either.
    assert_eq!(share(&[0, 0, 0], &[1, 2, 3]), Some(expected));
    assert_eq!(share_interval(expected), Some((0.0, 0.0)));
}

#[test]
fn function_absent_on_one_side_uses_the_other_sides_df() {
    let absent = share(&[1000, 1000, 1000, 1000], &[0, 0, 0, 0]).expect("absent");
    assert_eq!(absent, estimate(0.0, 0.0, 4));
    let present = share(&[1000, 1100, 900], &[40, 60, 45]).expect("present");
    // One side without variance: df = n_present − 1, exactly.
    let dfs = [welch_df(absent, present), welch_df(present, absent)];
    assert_eq!(dfs, [Some(2.0), Some(2.0)]);
    let gone = delta(present, absent).expect("delta");
    assert!(gone.delta < 0.0 && gone.p_value > 0.0 && gone.p_value < 1.0);
}

#[test]
fn huge_counts_and_tiny_variances_stay_finite() {
    let huge = share(&[u64::MAX; 4], &[u64::MAX / 2, u64::MAX / 3, 1, 0]).expect("huge");
    assert!(huge.share.is_finite() && huge.variance.is_finite());
    let d = delta(huge, huge).expect("delta");
    assert!(d.low.is_finite() && d.high.is_finite() && d.p_value.is_finite());
    // Squaring 1e-200 underflows to 0; the scaled formula must still give df = 2·(n−1).
    let tiny = estimate(0.1, 1e-200, 5);
    assert_close(&[welch_df(tiny, tiny).expect("df")], &[8.0], "df");
    let d = delta(tiny, estimate(0.2, 1e-200, 5)).map(|d| d.p_value);
    assert_eq!(d, Some(0.0), "t is huge, so the p-value underflows to 0");
}

#[test]
fn invalid_hand_made_estimates_are_refused() {
    let fine = estimate(0.1, 1e-6, 5);
    let (nan, inf) = (f64::NAN, f64::INFINITY);
    for (share, variance, parts) in [(nan, 0.0, 5), (inf, 0.0, 5), (0.1, -1e-6, 5)]
        .into_iter()
        .chain([(0.1, nan, 5), (0.1, inf, 5), (0.1, 1e-6, 0)])
    {
        let bad = estimate(share, variance, parts);
        assert_eq!(delta(bad, fine), None, "{bad:?}");
        assert_eq!(welch_df(fine, bad), None, "{bad:?}");
        assert_eq!(share_interval(bad), None, "{bad:?}");
    }
    // Each variance is finite, their sum is not.
    let overflow = estimate(0.1, f64::MAX, 5);
    assert_eq!(delta(overflow, overflow), None);
    assert_eq!(ratio_variance(&[1, 2], &[1, 1], f64::NAN), None);
}

/// Benjamini & Hochberg (1995), J. R. Stat. Soc. B 57(1), 289–300, section 4: the 15
/// p-values of their worked example (Neuhaus et al. 1992, thrombolysis after myocardial
/// infarction); at q = 0.05 the step-up procedure rejects the first four.
const BH_1995: [f64; 15] = [
    0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719,
    0.6528, 0.7590, 1.000,
];

#[test]
fn benjamini_hochberg_textbook_example_in_any_order() {
    // Benjamini & Hochberg (1995), section 4: 4 of 15 rejected at q = 0.05.
    let expected: Vec<bool> = (0..15).map(|i| i < 4).collect();
    assert_eq!(benjamini_hochberg(&BH_1995, 0.05), expected);
    // Shuffled, the output stays aligned with the input: the four smallest are rejected.
    let order = [9, 3, 14, 0, 7, 12, 2, 5, 10, 1, 13, 4, 8, 11, 6];
    let shuffled: Vec<f64> = order.iter().map(|&i| BH_1995[i]).collect();
    let expected: Vec<bool> = order.iter().map(|&i| i < 4).collect();
    assert_eq!(benjamini_hochberg(&shuffled, 0.05), expected);
}

#[test]
fn benjamini_hochberg_step_up_and_edge_inputs() {
    // Step-up: 0.04 ≤ 2/2·0.05 rejects both even though 0.03 > 1/2·0.05.
    assert_eq!(benjamini_hochberg(&[0.04, 0.03], 0.05), [true, true]);
    assert!(benjamini_hochberg(&[], 0.05).is_empty());
    assert_eq!(benjamini_hochberg(&[f64::NAN; 3], 0.05), [false; 3]);
    // NaN is never significant and not counted in m: 0.02 ≤ 1/2·0.05.
    let with_nan = benjamini_hochberg(&[f64::NAN, 0.02, 0.5], 0.05);
    assert_eq!(with_nan, [false, true, false]);
    assert_eq!(benjamini_hochberg(&[0.0, 0.01], f64::NAN), [false, false]);
    assert_eq!(benjamini_hochberg(&[0.0, 0.01], 0.0), [true, false]);
}

use crate::random::SplitMix;

/// The simulations' windows, drawn from the one generator of the seeded simulations.
impl SplitMix {
    /// A window of parts: totals around 10 000, each part's true share jittered around `p`
    /// by `jitter` (overdispersion), selfs binomial by the normal approximation.
    fn window(&mut self, parts: usize, p: f64, jitter: f64) -> ShareEstimate {
        let (mut totals, mut selfs) = (Vec::new(), Vec::new());
        for _ in 0..parts {
            let total = (8_000.0 + 4_000.0 * self.uniform()).floor();
            let p = (p + jitter * self.normal()).clamp(0.0, 1.0);
            let sd = (total * p * (1.0 - p)).sqrt();
            totals.push(total as u64);
            selfs.push((total * p + sd * self.normal()).round().clamp(0.0, total) as u64);
        }
        share(&totals, &selfs).expect("window")
    }
}

/// Fraction of 2 000 trials (fixed seed) whose delta passes `test`; `sides` are (share, jitter).
fn simulate(parts: usize, sides: [(f64, f64); 2], test: fn(&DeltaSignificance) -> bool) -> f64 {
    let mut rng = SplitMix(0x5EED);
    let hits = (0..2_000)
        .filter(|_| {
            let [baseline, current] = sides.map(|(p, jitter)| rng.window(parts, p, jitter));
            test(&delta(baseline, current).expect("delta"))
        })
        .count();
    hits as f64 / 2_000.0
}

#[test]
fn simulated_a_a_interval_covers_zero_about_95_percent() {
    // Same share on both sides, with unequal overdispersion: the case Welch is made for.
    let rate = simulate(12, [(0.05, 0.005), (0.05, 0.01)], |d| {
        // The interval and the p-value must tell the same story.
        assert_eq!(d.p_value < 0.05, d.low > 0.0 || d.high < 0.0, "{d:?}");
        d.low <= 0.0 && 0.0 <= d.high
    });
    assert!((0.92..=0.98).contains(&rate), "coverage {rate}");
}

#[test]
fn simulated_shift_of_three_points_is_detected() {
    // 5 % → 8 % over 6 parts a side, each part's share jittered by 1 point.
    let shifted = [(0.05, 0.01), (0.08, 0.01)];
    let rate = simulate(6, shifted, |d| d.p_value < 0.05 && d.low > 0.0);
    assert!(rate >= 0.95, "power {rate}");
}

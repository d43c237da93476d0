//! Is a function's change of share significant? Ratio variance, Welch t test, Benjamini–Hochberg;
//! and does a series only grow? Mann–Kendall and Theil–Sen (`monotonic`).

mod monotonic;

pub use monotonic::{
    mann_kendall, mann_kendall_with, theil_sen, theil_sen_with, MannKendall, SenSlope,
};

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Probability level of the t quantile for two-sided 95 % intervals: 1 − 0.05/2.
const T_QUANTILE: f64 = 0.975;

/// Share `p = Σs/ΣT` of a window cut into n parts, with `v = n/(n−1)·Σ(s − p·T)²/(ΣT)²`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ShareEstimate {
    /// p = Σs_i / ΣT_i, a fraction (0 when ΣT = 0).
    pub share: f64,
    /// v = n/(n−1)·Σ(s_i − p·T_i)²/(ΣT_i)², in fraction² (not percent).
    pub variance: f64,
    /// n, the number of parts the window was cut into (at least 2).
    pub parts: usize,
}

/// Change of share between a baseline and a current window, in percentage points.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct DeltaSignificance {
    /// delta = 100·(p_current − p_baseline).
    pub delta: f64,
    /// low = delta − t_{0.975,df}·se (not rounded).
    pub low: f64,
    /// high = delta + t_{0.975,df}·se (not rounded).
    pub high: f64,
    /// p = 2·(1 − F_t(|delta|/se; df)); 0 or 1 when both variances are 0.
    pub p_value: f64,
    /// se = 100·√(v_b + v_c).
    pub std_error: f64,
    /// Welch–Satterthwaite degrees of freedom; 0 when both variances are 0 (no t distribution).
    pub df: f64,
}

/// Share estimate `p = Σs_i/ΣT_i` with `ratio_variance`; None when lengths differ or n < 2.
///
/// ΣT = 0 gives share 0 and variance 0. Selfs are not checked against totals: a self count
/// above its total yields a share above 1, computed as the formula says.
pub fn share(totals: &[u64], selfs: &[u64]) -> Option<ShareEstimate> {
    share_given(totals, sum(totals), selfs)
}

/// A window's per-part totals `T_i` with `ΣT_i` summed once, for the shares of its many
/// functions.
#[derive(Debug, Clone, PartialEq)]
pub struct PartTotals {
    parts: Vec<u64>,
    total: f64,
}

impl PartTotals {
    pub fn new(parts: Vec<u64>) -> Self {
        let total = sum(&parts);
        PartTotals { parts, total }
    }

    /// [`share`] of `selfs` in these parts, the same number to the last bit.
    pub fn share(&self, selfs: &[u64]) -> Option<ShareEstimate> {
        share_given(&self.parts, self.total, selfs)
    }

    /// n, the number of parts.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }
}

/// [`share`] with ΣT already summed.
fn share_given(totals: &[u64], total: f64, selfs: &[u64]) -> Option<ShareEstimate> {
    let share = if total > 0.0 { sum(selfs) / total } else { 0.0 };
    let variance = variance_given(totals, total, selfs, share)?;
    Some(ShareEstimate {
        share,
        variance,
        parts: totals.len(),
    })
}

/// Ratio-estimator variance of a share, `v = n/(n−1)·Σ(s_i − p·T_i)²/(ΣT_i)²`.
///
/// None when lengths differ, n < 2 or p is not finite; 0 when ΣT = 0.
pub fn ratio_variance(totals: &[u64], selfs: &[u64], share: f64) -> Option<f64> {
    variance_given(totals, sum(totals), selfs, share)
}

/// [`ratio_variance`] with ΣT already summed.
fn variance_given(totals: &[u64], total: f64, selfs: &[u64], share: f64) -> Option<f64> {
    let n = totals.len();
    if n != selfs.len() || n < 2 || !share.is_finite() {
        return None;
    }
    if total == 0.0 {
        // No samples at all: nothing varies, and dividing would give 0/0.
        return Some(0.0);
    }
    let squares: f64 = totals
        .iter()
        .zip(selfs)
        .map(|(&t, &s)| {
            let residual = s as f64 - share * t as f64;
            residual * residual
        })
        .sum();
    let n = n as f64;
    // Divide by ΣT twice rather than by (ΣT)², which could overflow for huge totals.
    Some(n / (n - 1.0) * (squares / total / total))
}

/// Welch–Satterthwaite `df = (v_b + v_c)² / (v_b²/(n_b−1) + v_c²/(n_c−1))`.
///
/// None when both variances are 0 (df would be 0/0) or an estimate is invalid.
pub fn welch_df(baseline: ShareEstimate, current: ShareEstimate) -> Option<f64> {
    if !is_valid(baseline) || !is_valid(current) {
        return None;
    }
    let variance = baseline.variance + current.variance;
    if variance <= 0.0 || !variance.is_finite() {
        return None;
    }
    // Divide both variances by their sum first: squaring tiny variances could underflow
    // to 0/0, while the ratios lie in [0, 1] and the denominator stays positive.
    let b = baseline.variance / variance;
    let c = current.variance / variance;
    let df = 1.0 / (b * b / (baseline.parts - 1) as f64 + c * c / (current.parts - 1) as f64);
    df.is_finite().then_some(df)
}

/// Welch test of `Δ = 100·(p_c − p_b)`: interval `Δ ± t_{0.975,df}·se`, `p = 2·(1 − F_t(|Δ|/se))`.
///
/// `se = 100·√(v_b + v_c)` and df is `welch_df`. When both variances are 0 there is no noise
/// to test against: the interval is [delta, delta], the p-value 0 for a non-zero delta and
/// 1 otherwise, se and df 0. None when an estimate is invalid (n < 2, v < 0, not finite).
pub fn delta(baseline: ShareEstimate, current: ShareEstimate) -> Option<DeltaSignificance> {
    match welch(baseline, current)? {
        Welch::Exact { delta } => Some(DeltaSignificance {
            delta,
            low: delta,
            high: delta,
            p_value: if delta == 0.0 { 1.0 } else { 0.0 },
            std_error: 0.0,
            df: 0.0,
        }),
        Welch::Noisy {
            delta,
            std_error,
            df,
            t,
        } => {
            let half_width = t.inverse_cdf(T_QUANTILE) * std_error;
            Some(DeltaSignificance {
                delta,
                low: delta - half_width,
                high: delta + half_width,
                p_value: two_sided(&t, delta, std_error),
                std_error,
                df,
            })
        }
    }
}

/// The two-sided p-value of [`delta`] alone, `2·(1 − F_t(|delta|/se; df))`, without the
/// interval's t quantile (the costly part): what Benjamini–Hochberg needs of every function.
pub fn delta_p_value(baseline: ShareEstimate, current: ShareEstimate) -> Option<f64> {
    Some(match welch(baseline, current)? {
        Welch::Exact { delta } => {
            if delta == 0.0 {
                1.0
            } else {
                0.0
            }
        }
        Welch::Noisy {
            delta,
            std_error,
            t,
            ..
        } => two_sided(&t, delta, std_error),
    })
}

/// A delta and what its test needs, before any quantile is looked up.
enum Welch {
    /// Both variances are 0: the delta is exact.
    Exact { delta: f64 },
    Noisy {
        delta: f64,
        std_error: f64,
        df: f64,
        t: StudentsT,
    },
}

fn welch(baseline: ShareEstimate, current: ShareEstimate) -> Option<Welch> {
    if !is_valid(baseline) || !is_valid(current) {
        return None;
    }
    let delta = 100.0 * (current.share - baseline.share);
    let variance = baseline.variance + current.variance;
    if !delta.is_finite() || !variance.is_finite() {
        return None;
    }
    if variance == 0.0 {
        return Some(Welch::Exact { delta });
    }
    let df = welch_df(baseline, current)?;
    Some(Welch::Noisy {
        delta,
        std_error: 100.0 * variance.sqrt(),
        df,
        t: StudentsT::new(0.0, 1.0, df).ok()?,
    })
}

/// `2·(1 − F_t(|delta|/se))`; sf(x) is 1 − cdf(x) without the cancellation that would round
/// tiny p-values to 0.
fn two_sided(t: &StudentsT, delta: f64, std_error: f64) -> f64 {
    (2.0 * t.sf(delta.abs() / std_error)).clamp(0.0, 1.0)
}

/// 95 % interval of a share in percent, `100·p ± t_{0.975,n−1}·100·√v`, as (low, high).
///
/// `[100p, 100p]` when v = 0; the ends are not clamped to [0, 100]. None when the estimate
/// is invalid (n < 2, v < 0, not finite).
pub fn share_interval(estimate: ShareEstimate) -> Option<(f64, f64)> {
    if !is_valid(estimate) {
        return None;
    }
    let centre = 100.0 * estimate.share;
    if estimate.variance == 0.0 {
        return Some((centre, centre));
    }
    let t = StudentsT::new(0.0, 1.0, (estimate.parts - 1) as f64).ok()?;
    let half_width = t.inverse_cdf(T_QUANTILE) * 100.0 * estimate.variance.sqrt();
    Some((centre - half_width, centre + half_width))
}

/// Benjamini–Hochberg at level q: reject the k smallest p, `k = max{i : p_(i) ≤ i/m·q}`.
///
/// The output is aligned with the input. NaN p-values are never significant and do not count
/// in m (they are tests not made). A NaN q rejects nothing.
pub fn benjamini_hochberg(p_values: &[f64], q: f64) -> Vec<bool> {
    let mut order: Vec<usize> = (0..p_values.len())
        .filter(|&i| !p_values[i].is_nan())
        .collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let m = order.len() as f64;
    // The step-up rule: the largest passing rank wins even if smaller ranks fail.
    let rejected = order
        .iter()
        .enumerate()
        .rev()
        .find(|&(rank, &i)| p_values[i] <= (rank + 1) as f64 / m * q)
        .map_or(0, |(rank, _)| rank + 1);
    let mut significant = vec![false; p_values.len()];
    for &i in &order[..rejected] {
        significant[i] = true;
    }
    significant
}

/// True when an estimate can enter the formulas: n ≥ 2, finite share, finite v ≥ 0.
fn is_valid(estimate: ShareEstimate) -> bool {
    estimate.parts >= 2
        && estimate.share.is_finite()
        && estimate.variance.is_finite()
        && estimate.variance >= 0.0
}

/// Σx as f64, summed in u128 so that large counts cannot overflow.
fn sum(values: &[u64]) -> f64 {
    values.iter().map(|&v| u128::from(v)).sum::<u128>() as f64
}

#[cfg(test)]
mod tests;

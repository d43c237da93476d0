//! Does a series only grow? Mann–Kendall's trend test and the Theil–Sen slope with Sen's interval.
//!
//! Both take plain slices of finite values. The `_with` forms take a caller's scratch buffer,
//! so that a detector testing a million short series a round allocates once, not per series.

use statrs::distribution::{ContinuousCDF, Normal};

/// Mann–Kendall's test of a monotonic trend in a series taken at equally ordered times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannKendall {
    /// S = Σ_{i<j} sign(x_j − x_i): positive for a rising series.
    pub s: i64,
    /// Var(S) = (n(n−1)(2n+5) − Σ t(t−1)(2t+5))/18, the sum over groups of t tied values.
    pub variance: f64,
    /// z = (S − 1)/σ for S > 0, (S + 1)/σ for S < 0, 0 for S = 0 (continuity corrected).
    pub z: f64,
    /// Two-sided p = 2·(1 − Φ(|z|)).
    pub p_value: f64,
}

/// The Theil–Sen line `y = intercept + slope·x` with Sen's confidence interval of the slope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SenSlope {
    /// Median of the slopes (y_j − y_i)/(x_j − x_i) over the pairs with distinct x.
    pub slope: f64,
    /// Lower end of the slope's interval (Sen 1968, eq. 2.6).
    pub low: f64,
    /// Upper end of the slope's interval.
    pub high: f64,
    /// median(y − slope·x): the line's value at x = 0 (scipy's `method="joint"`).
    pub intercept: f64,
}

/// [`mann_kendall_with`] with a buffer of its own (allocated only when values tie).
pub fn mann_kendall(values: &[f64]) -> Option<MannKendall> {
    mann_kendall_with(values, &mut Vec::new())
}

/// Mann–Kendall's S, its tie-corrected variance, z and two-sided p-value of `values` in time
/// order; `scratch` is used (and overwritten) only when some values tie.
///
/// None when n < 3, a value is not finite, or the variance is 0 (every value equal).
pub fn mann_kendall_with(values: &[f64], scratch: &mut Vec<f64>) -> Option<MannKendall> {
    let n = values.len();
    if n < 3 || !values.iter().all(|v| v.is_finite()) {
        return None;
    }
    let (mut above, mut below) = (0i64, 0i64);
    for (i, &earlier) in values.iter().enumerate() {
        // Counted without branches, so that the compiler vectorises the inner loop.
        let (mut up, mut down) = (0u32, 0u32);
        for &later in &values[i + 1..] {
            up += u32::from(later > earlier);
            down += u32::from(later < earlier);
        }
        above += i64::from(up);
        below += i64::from(down);
    }
    let pairs = (n * (n - 1) / 2) as i64;
    let ties = if above + below < pairs {
        tie_term(values, scratch)
    } else {
        0.0
    };
    let variance = (kendall_term(n) - ties) / 18.0;
    if variance <= 0.0 || !variance.is_finite() {
        return None;
    }
    let s = above - below;
    let sigma = variance.sqrt();
    let z = match s.signum() {
        1 => (s - 1) as f64 / sigma,
        -1 => (s + 1) as f64 / sigma,
        _ => 0.0,
    };
    Some(MannKendall {
        s,
        variance,
        z,
        p_value: two_sided_normal(z),
    })
}

/// [`theil_sen_with`] with buffers of its own.
pub fn theil_sen(x: &[f64], y: &[f64], confidence: f64) -> Option<SenSlope> {
    theil_sen_with(x, y, confidence, &mut Vec::new())
}

/// Theil–Sen slope of `y` over `x`, its interval at `confidence` (e.g. 0.95) and the intercept
/// `median(y − slope·x)`, as `scipy.stats.theilslopes(y, x, confidence, method="joint")`.
///
/// The interval is Sen's (1968, eq. 2.6): with N slopes sorted, σ² the Kendall variance of n
/// points less the tie terms of x and of y, and z = Φ⁻¹((1 + confidence)/2), `low` is the
/// slope of rank `round((N − zσ)/2) − 1` and `high` of rank `round((N + zσ)/2)` (0-based, ties
/// to even as numpy rounds, clamped to the slopes). None when lengths differ, n < 2, a value
/// is not finite, every x is equal, confidence is not in (0, 1), or σ² < 0 (ties in both x and
/// y; scipy answers NaN ends there). `scratch` is overwritten.
pub fn theil_sen_with(
    x: &[f64],
    y: &[f64],
    confidence: f64,
    scratch: &mut Vec<f64>,
) -> Option<SenSlope> {
    let n = x.len();
    let finite = |v: &[f64]| v.iter().all(|a| a.is_finite());
    if n != y.len() || n < 2 || !finite(x) || !finite(y) || !(confidence > 0.0 && confidence < 1.0)
    {
        return None;
    }
    let sigma_squared = (kendall_term(n) - tie_term(x, scratch) - tie_term(y, scratch)) / 18.0;
    if sigma_squared < 0.0 || !sigma_squared.is_finite() {
        return None;
    }
    scratch.clear();
    for (i, (&xi, &yi)) in x.iter().zip(y).enumerate() {
        for (&xj, &yj) in x[i + 1..].iter().zip(&y[i + 1..]) {
            if xj != xi {
                scratch.push((yj - yi) / (xj - xi));
            }
        }
    }
    let count = scratch.len();
    if count == 0 {
        return None;
    }
    let z = Normal::new(0.0, 1.0)
        .ok()?
        .inverse_cdf(0.5 + confidence / 2.0);
    let spread = z * sigma_squared.sqrt();
    let last = count as f64 - 1.0;
    let high_rank = ((count as f64 + spread) / 2.0).round_ties_even().min(last);
    let low_rank = (((count as f64 - spread) / 2.0).round_ties_even() - 1.0).max(0.0);
    let (low_rank, high_rank) = (low_rank as usize, high_rank as usize);
    let [low, below_middle, above_middle, high] =
        order_statistics(scratch, [low_rank, (count - 1) / 2, count / 2, high_rank]);
    let slope = (below_middle + above_middle) / 2.0;
    scratch.clear();
    scratch.extend(x.iter().zip(y).map(|(&xi, &yi)| yi - slope * xi));
    let [a, b] = order_statistics(scratch, [(n - 1) / 2, n / 2]);
    Some(SenSlope {
        slope,
        low,
        high,
        intercept: (a + b) / 2.0,
    })
}

/// n(n−1)(2n+5), Kendall's variance of S times 18 without ties.
fn kendall_term(n: usize) -> f64 {
    let n = n as f64;
    n * (n - 1.0) * (2.0 * n + 5.0)
}

/// Σ t(t−1)(2t+5) over the groups of t equal values, found by sorting a copy in `scratch`.
fn tie_term(values: &[f64], scratch: &mut Vec<f64>) -> f64 {
    scratch.clear();
    scratch.extend_from_slice(values);
    scratch.sort_unstable_by(f64::total_cmp);
    let mut term = 0.0;
    let mut start = 0;
    for i in 1..=scratch.len() {
        // −0 and +0 sort next to each other and are equal, as the comparisons of S see them.
        if i == scratch.len() || scratch[i] != scratch[start] {
            let t = (i - start) as f64;
            term += t * (t - 1.0) * (2.0 * t + 5.0);
            start = i;
        }
    }
    term
}

/// The values of the given 0-based ranks (each < len) in `values`, which is reordered: one
/// partial selection per rank, each on what lies above the previous one.
fn order_statistics<const K: usize>(values: &mut [f64], ranks: [usize; K]) -> [f64; K] {
    let mut order: [usize; K] = std::array::from_fn(|i| i);
    order.sort_unstable_by_key(|&i| ranks[i]);
    let mut out = [f64::NAN; K];
    let mut from = 0;
    let mut previous: Option<(usize, f64)> = None;
    for i in order {
        let rank = ranks[i];
        let value = match previous {
            Some((done, value)) if done == rank => value,
            _ => match values.get_mut(from..) {
                Some(rest) if rank >= from && rank - from < rest.len() => {
                    let (_, nth, _) = rest.select_nth_unstable_by(rank - from, f64::total_cmp);
                    from = rank + 1;
                    *nth
                }
                _ => f64::NAN,
            },
        };
        previous = Some((rank, value));
        out[i] = value;
    }
    out
}

/// 2·(1 − Φ(|z|)), from the upper tail so that tiny p-values are not rounded to 0.
fn two_sided_normal(z: f64) -> f64 {
    Normal::new(0.0, 1.0).map_or(f64::NAN, |normal| {
        (2.0 * normal.sf(z.abs())).clamp(0.0, 1.0)
    })
}

#[cfg(test)]
#[path = "monotonic_tests.rs"]
mod tests;

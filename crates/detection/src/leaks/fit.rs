//! The test of every function of a window: Mann–Kendall, Benjamini–Hochberg over the functions,
//! Theil–Sen with its interval, and the growth gates; with an exact prefilter that skips the
//! statistics of functions whose values cannot grow enough.

use pf_model::significance::{
    benjamini_hochberg, mann_kendall_with, theil_sen_with, MannKendall, SenSlope,
};

use super::segment::Columns;
use super::LeakSettings;

/// Confidence of the slope's interval.
const CONFIDENCE: f64 = 0.95;

/// Slack of the prefilter's comparisons, so that rounding in the statistics cannot make a
/// function pass that the bound in exact arithmetic says cannot.
const SLACK: f64 = 1e-9;

/// One function's test.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(super) struct Fit {
    /// Mann–Kendall; None when skipped by the prefilter or without variance.
    pub(super) trend: Option<MannKendall>,
    /// Theil–Sen, x in seconds from the window's first slice time; None when not needed.
    pub(super) line: Option<SenSlope>,
    /// Every rule holds: Benjamini–Hochberg, interval above zero, both growth gates.
    pub(super) holds: bool,
}

impl Fit {
    /// Mann–Kendall's p-value; 1 without a test.
    pub(super) fn p_value(&self) -> f64 {
        self.trend.map_or(1.0, |t| t.p_value)
    }
}

/// Tests every column of `columns` over the slices at `x`; `full[c]` asks for column c's
/// statistics even if it cannot hold (an open event's numbers). `prefilter` false computes
/// every statistic, which must give the same outcome (the tests check it).
pub(super) fn fit_all(
    columns: &Columns,
    x: &[f64],
    full: &[bool],
    settings: &LeakSettings,
    prefilter: bool,
) -> Vec<Fit> {
    let count = columns.names.len();
    let span = x.last().copied().unwrap_or(0.0);
    let reach = growth_bound_factor(x, span);
    let mut scratch = Vec::with_capacity(x.len() * x.len() / 2);
    let wanted = |c: usize| full.get(c).copied().unwrap_or(false);
    let candidate: Vec<bool> = (0..count)
        .map(|c| !prefilter || wanted(c) || can_grow(columns.column(c), reach, settings))
        .collect();
    let mut fits = vec![Fit::default(); count];
    for (c, fit) in fits.iter_mut().enumerate() {
        if candidate[c] {
            fit.trend = mann_kendall_with(columns.column(c), &mut scratch);
        }
    }
    // A skipped function's p is unknown: BH with it at 1 rejects a subset of the exact answer,
    // with it at 0 a superset (BH is monotone in every p). Where both agree it is exact.
    let with = |skipped: f64, fits: &[Fit]| -> Vec<bool> {
        let p: Vec<f64> = (0..count)
            .map(|c| {
                if candidate[c] {
                    fits[c].p_value()
                } else {
                    skipped
                }
            })
            .collect();
        benjamini_hochberg(&p, settings.fdr)
    };
    let surely = with(1.0, &fits);
    let maybe = with(0.0, &fits);
    let mut gates = vec![false; count];
    for c in 0..count {
        if candidate[c] && (maybe[c] || wanted(c)) {
            fits[c].line = theil_sen_with(x, columns.column(c), CONFIDENCE, &mut scratch);
            gates[c] = fits[c]
                .line
                .is_some_and(|l| grows_enough(l, span, settings));
        }
    }
    let unsure = (0..count).any(|c| candidate[c] && surely[c] != maybe[c] && gates[c]);
    let significant = if unsure {
        // Rare: a function's significance hangs on the skipped p-values; compute them.
        for c in (0..count).filter(|&c| !candidate[c]) {
            fits[c].trend = mann_kendall_with(columns.column(c), &mut scratch);
        }
        let p: Vec<f64> = fits.iter().map(Fit::p_value).collect();
        benjamini_hochberg(&p, settings.fdr)
    } else {
        surely
    };
    for (c, fit) in fits.iter_mut().enumerate() {
        fit.holds = candidate[c] && significant[c] && gates[c];
    }
    fits
}

/// The growth gates on a fitted line: interval above zero, growth over the window at least
/// `min_growth_bytes` and `min_relative` of the fitted start level (a level ≤ 0 passes).
pub(super) fn grows_enough(line: SenSlope, span: f64, settings: &LeakSettings) -> bool {
    let growth = line.low * span;
    line.low > 0.0
        && growth >= settings.min_growth_bytes as f64
        && (line.intercept <= 0.0 || growth >= settings.min_relative * line.intercept)
}

/// f with Theil–Sen's growth over `span` ≤ f·(max − min) of any values at `x`: at least ⌈N/2⌉
/// of the N pairwise slopes are ≥ their median, so when the median is positive one of them
/// spans at least the ⌈N/2⌉-th smallest distance d, and its slope is ≤ (max − min)/d; f =
/// span/d. None without two distinct x.
pub(super) fn growth_bound_factor(x: &[f64], span: f64) -> Option<f64> {
    if let Some(step) = grid_step(x) {
        // Evenly spaced (no missed slice): n − g pairs lie g steps apart, so the ⌈N/2⌉-th
        // smallest distance is the first g where the pairs up to g reach ⌈N/2⌉.
        let n = x.len();
        let half = (n * (n - 1) / 2).div_ceil(2);
        let mut pairs = 0;
        let gap = (1..n).find(|g| {
            pairs += n - g;
            pairs >= half
        })?;
        return Some(span / (gap as f64 * step));
    }
    let mut distances: Vec<f64> = Vec::with_capacity(x.len() * x.len() / 2);
    for (i, &a) in x.iter().enumerate() {
        distances.extend(
            x[i + 1..]
                .iter()
                .map(|&b| (b - a).abs())
                .filter(|&d| d > 0.0),
        );
    }
    let half = distances.len().div_ceil(2).checked_sub(1)?;
    let (_, shortest, _) = distances.select_nth_unstable_by(half, f64::total_cmp);
    Some(span / *shortest)
}

/// The step of `x` when every x is x₀ + i·step exactly, step > 0.
fn grid_step(x: &[f64]) -> Option<f64> {
    let (first, second) = (*x.first()?, *x.get(1)?);
    let step = second - first;
    let even = x
        .iter()
        .enumerate()
        .all(|(i, &v)| v == first + i as f64 * step);
    (step > 0.0 && even).then_some(step)
}

/// False only when `values` cannot pass the growth gates, whatever their order: the growth is
/// at most `reach·(max − min)`, and the fitted start level is at least `min − growth`, so the
/// relative gate needs growth ≥ min_relative/(1 + min_relative)·min.
fn can_grow(values: &[f64], reach: Option<f64>, settings: &LeakSettings) -> bool {
    let Some(reach) = reach else {
        return true;
    };
    let (low, high) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if !(low.is_finite() && high.is_finite()) {
        return true;
    }
    let most = (high - low) * reach * (1.0 + SLACK);
    let absolute = settings.min_growth_bytes as f64;
    let rel = settings.min_relative;
    let relative = if rel > 0.0 && low > 0.0 {
        rel / (1.0 + rel) * (low * (1.0 - SLACK) - SLACK * high)
    } else {
        0.0
    };
    !(absolute > 0.0 && most < absolute || relative > 0.0 && most < relative)
}

//! The diff arithmetic: shares from integer counts, exact deltas, ranking, verdict. Pure.

use std::collections::BTreeMap;

use super::model::{DiffEntry, DiffReport, DiffRequest, DiffSummary, Verdict};
use super::significance;
use pf_baselines::BaselineIndex;
use pf_model::{breaches, normalize_function_name, normalized_function_name, percent_of};
use pf_profiles::{ProfileDiff, ProfileWindow};

/// A change is listed when its delta, rounded to hundredths of a point, is above 0.10 points:
/// exactly 0.10 is noise, 0.11 is not.
pub const MIN_DELTA_CENTIPOINTS: i64 = 10;

/// One function (by normalised name) in both windows.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub function: String,
    pub baseline_percent: f64,
    pub current_percent: f64,
    /// current − baseline in hundredths of a percentage point, rounded half away from zero.
    pub delta_centipoints: i64,
}

/// `(cur_s/cur_t − base_s/base_t) × 10 000`, rounded half away from zero, in exact integer
/// arithmetic so the 0.1-point boundary does not depend on floating-point noise. Falls back to
/// floating point only if the products would overflow 128 bits (totals beyond ~2^56).
pub fn delta_centipoints(cur_s: u64, cur_t: u64, base_s: u64, base_t: u64) -> i64 {
    // A share as a fraction (numerator, denominator); an empty window is 0/1.
    let share = |s: u64, t: u64| {
        if t == 0 {
            (0, 1)
        } else {
            (i128::from(s), i128::from(t))
        }
    };
    let (cn, cd) = share(cur_s, cur_t);
    let (bn, bd) = share(base_s, base_t);
    let exact = (|| {
        let num = cn.checked_mul(bd)?.checked_sub(bn.checked_mul(cd)?)?;
        let den = cd.checked_mul(bd)?;
        let scaled = num.checked_mul(10_000)?.checked_mul(2)?;
        // round(x / d) = (2x + d) / 2d toward zero for x ≥ 0, mirrored for x < 0.
        let magnitude = (scaled.abs() + den) / (2 * den);
        i64::try_from(if num < 0 { -magnitude } else { magnitude }).ok()
    })();
    exact.unwrap_or_else(|| {
        let delta = percent_of(cur_s, cur_t) - percent_of(base_s, base_t);
        (delta * 100.0).round() as i64
    })
}

/// Per normalised name: the display name and samples in each window.
#[derive(Default)]
struct Tally {
    /// (self samples, name) of the variant shown: the largest in the current window, else
    /// in the baseline window.
    current_name: Option<(u64, String)>,
    baseline_name: Option<(u64, String)>,
    current: u64,
    baseline: u64,
}

fn keep_largest(slot: &mut Option<(u64, String)>, samples: u64, name: &str) {
    let better = match slot {
        None => true,
        Some((s, n)) => samples > *s || (samples == *s && name < n.as_str()),
    };
    if better {
        *slot = Some((samples, name.to_owned()));
    }
}

/// Every function of either window whose share changed by more than 0.1 points, largest
/// change first (then by name), at most `limit`.
///
/// Names are grouped by their normalised form, so a JVM lambda renamed by a restart between the
/// windows is one function, not an improvement plus a regression.
pub fn changes(baseline: &ProfileWindow, current: &ProfileWindow, limit: usize) -> Vec<Change> {
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for f in &current.functions {
        let tally = tallies.entry(normalize_function_name(&f.name)).or_default();
        tally.current += f.self_samples;
        keep_largest(&mut tally.current_name, f.self_samples, &f.name);
    }
    for f in &baseline.functions {
        let tally = tallies.entry(normalize_function_name(&f.name)).or_default();
        tally.baseline += f.self_samples;
        keep_largest(&mut tally.baseline_name, f.self_samples, &f.name);
    }
    let mut changes: Vec<Change> = tallies
        .into_values()
        .filter_map(|t| {
            let delta = delta_centipoints(
                t.current,
                current.total_samples,
                t.baseline,
                baseline.total_samples,
            );
            let (_, function) = t.current_name.or(t.baseline_name)?;
            (delta.abs() > MIN_DELTA_CENTIPOINTS).then(|| Change {
                function,
                baseline_percent: percent_of(t.baseline, baseline.total_samples),
                current_percent: percent_of(t.current, current.total_samples),
                delta_centipoints: delta,
            })
        })
        .collect();
    changes.sort_by(|a, b| {
        b.delta_centipoints
            .abs()
            .cmp(&a.delta_centipoints.abs())
            .then_with(|| a.function.cmp(&b.function))
    });
    changes.truncate(limit);
    changes
}

/// How a report judges: the warn level of a regression, in points, and the false discovery
/// rate of the tests of docs/api.md#how-sure-is-a-diff.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judgement {
    pub warn_regression_points: f64,
    pub fdr: f64,
}

/// The whole report: changes split into regressions and improvements, thresholds (v2),
/// intervals (with `slices`) and the verdict. `baselines` is `None` in v1 or when the store
/// could not be read.
pub fn report(
    req: &DiffRequest,
    diff: &ProfileDiff,
    baselines: Option<&BaselineIndex>,
    judgement: Judgement,
) -> DiffReport {
    let significance = (req.slices > 0).then(|| significance::assess(diff, judgement.fdr));
    let mut regressions = Vec::new();
    let mut improvements = Vec::new();
    let mut breached = 0;
    for change in changes(&diff.baseline, &diff.current, req.limit as usize) {
        let threshold = baselines
            .and_then(|index| index.get(req.profile_type, &change.function))
            .map(|b| b.max_self_percent);
        let exceeds = threshold.map(|t| breaches(change.current_percent, t));
        breached += usize::from(exceeds == Some(true));
        let tested = significance
            .as_ref()
            .and_then(|s| s.tested(&normalized_function_name(&change.function)));
        // The current share's interval where a threshold applies; the breach is significant
        // when even its low end is above the threshold (compared as shown).
        let current = tested.filter(|_| threshold.is_some()).map(|t| t.current);
        let entry = DiffEntry {
            function: change.function,
            baseline_percent: change.baseline_percent,
            current_percent: change.current_percent,
            delta_percent: change.delta_centipoints as f64 / 100.0,
            approved_threshold: threshold,
            exceeds_threshold: exceeds,
            significance: tested.map(|t| t.delta),
            current_low: current.map(|c| c.0),
            current_high: current.map(|c| c.1),
            breach_significant: threshold.zip(current).map(|(t, (low, _))| breaches(low, t)),
        };
        if change.delta_centipoints > 0 {
            regressions.push(entry);
        } else {
            improvements.push(entry);
        }
    }
    let available = significance.as_ref().is_some_and(|s| s.summary.available);
    let verdict = if available {
        verdict_of_intervals(&regressions, &improvements, judgement)
    } else {
        verdict_of_shares(breached, &regressions, judgement)
    };
    let summary = DiffSummary {
        regressions_count: regressions.len(),
        improvements_count: improvements.len(),
        top_regression: regressions
            .first()
            .map(|r| format!("{} (+{}%)", r.function, r.delta_percent)),
        threshold_breaches: baselines.map(|_| breached),
        verdict,
        significance: significance.map(|s| s.summary),
    };
    DiffReport {
        app_name: req.app.to_string(),
        profile_type: req.profile_type,
        baseline: req.baseline,
        current: req.current,
        labels: req.labels.clone(),
        baseline_labels: req.baseline_labels.clone(),
        current_labels: req.current_labels.clone(),
        regressions,
        improvements,
        summary,
        suspects: None,
    }
}

fn warn_centipoints(judgement: Judgement) -> i64 {
    (judgement.warn_regression_points * 100.0).round() as i64
}

fn centipoints(entry: &DiffEntry) -> i64 {
    (entry.delta_percent * 100.0).round() as i64
}

/// The plain rule of the shares (docs/api.md#how-sure-is-a-diff): `fail` on a breach, `warn` on
/// a regression at the warn level, else `pass`.
fn verdict_of_shares(breached: usize, regressions: &[DiffEntry], judgement: Judgement) -> Verdict {
    if breached > 0 {
        Verdict::Fail
    } else if regressions
        .iter()
        .any(|r| centipoints(r) >= warn_centipoints(judgement))
    {
        Verdict::Warn
    } else {
        Verdict::Pass
    }
}

/// The interval verdict (docs/api.md#how-sure-is-a-diff): `fail` on a breach beyond doubt, `warn`
/// on a breach that may be noise or on a significant regression at the warn level, else `pass`.
fn verdict_of_intervals(
    regressions: &[DiffEntry],
    improvements: &[DiffEntry],
    judgement: Judgement,
) -> Verdict {
    let listed = || regressions.iter().chain(improvements);
    if listed().any(|e| e.breach_significant == Some(true)) {
        Verdict::Fail
    } else if listed().any(|e| e.exceeds_threshold == Some(true))
        || regressions.iter().any(|r| {
            r.significance.is_some_and(|s| s.significant)
                && centipoints(r) >= warn_centipoints(judgement)
        })
    {
        Verdict::Warn
    } else {
        Verdict::Pass
    }
}

#[cfg(test)]
#[path = "compute_tests.rs"]
mod tests;

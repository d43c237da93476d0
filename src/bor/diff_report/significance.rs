//! How sure a diff is (SPEC §14), pure: every function the profile diff lists for either window
//! is tested from the windows' parts, Benjamini–Hochberg over all of them, and the current
//! share of each gets its own interval. The numbers of Part 1 are not touched.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::profile::significance::{
    benjamini_hochberg, delta, delta_p_value, share, share_interval, ShareEstimate,
};
use crate::profile::{normalize_function_name, round2, round_percent};
use crate::sor::profile_data::{ProfileDiff, ProfileWindow};

/// The test's name in `summary.significance.method`.
pub const METHOD: &str = "ratio-t";

/// The 95 % interval of a delta and whether it is significant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeltaInterval {
    /// Low end of `deltaPercent`'s 95 % interval, in points, rounded to 2 decimals.
    #[serde(serialize_with = "round2")]
    pub low: f64,
    /// High end, in points, rounded to 2 decimals.
    #[serde(serialize_with = "round2")]
    pub high: f64,
    /// Two-sided p-value of the delta (Welch's t on the parts), not rounded.
    pub p_value: f64,
    /// Significant by Benjamini–Hochberg at `diff.fdr` over every function of the diff.
    pub significant: bool,
}

/// Parts each window was cut into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct PartCounts {
    pub baseline: usize,
    pub current: usize,
}

/// `summary.significance`: whether the intervals could be computed, and how.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"available": true, "slices": {"baseline": 10, "current": 10},
    "method": "ratio-t", "fdr": 0.05}))]
pub struct SignificanceSummary {
    pub available: bool,
    /// Why not, when not available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub slices: PartCounts,
    /// Always `ratio-t`: the ratio estimator's variance over parts, Welch's t.
    pub method: &'static str,
    /// The false discovery rate of Benjamini–Hochberg.
    pub fdr: f64,
}

/// One function's test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tested {
    pub delta: DeltaInterval,
    /// The 95 % interval of the current share, in percent (unrounded).
    pub current: (f64, f64),
}

/// A function's two windows as estimated, its p-value and whether it is significant.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Estimated {
    baseline: ShareEstimate,
    current: ShareEstimate,
    p_value: f64,
    significant: bool,
}

/// Every function's test, by normalised name, and the summary; nothing is tested when the
/// summary says unavailable.
#[derive(Debug, Clone, PartialEq)]
pub struct Significance {
    estimated: HashMap<String, Estimated>,
    pub summary: SignificanceSummary,
}

impl Significance {
    /// The test of the function whose normalised name is `name`. Its intervals are computed
    /// here, for the functions a report lists: the t quantiles are the costly part.
    pub fn tested(&self, name: &str) -> Option<Tested> {
        let e = self.estimated.get(name)?;
        let d = delta(e.baseline, e.current)?;
        Some(Tested {
            delta: DeltaInterval {
                low: d.low,
                high: d.high,
                p_value: e.p_value,
                significant: e.significant,
            },
            current: share_interval(e.current)?,
        })
    }

    /// How many functions were tested.
    pub fn len(&self) -> usize {
        self.estimated.len()
    }

    pub fn is_empty(&self) -> bool {
        self.estimated.is_empty()
    }
}

/// A delta as reports print it, with its interval when there is one:
/// `+4.20 (95 % CI +3.10 … +5.30)`, then ` (not significant)` when it is not.
pub fn delta_text(delta: f64, interval: Option<&DeltaInterval>) -> String {
    let delta = format!("{:+.2}", round_percent(delta));
    match interval {
        None => delta,
        Some(i) => format!(
            "{delta} (95 % CI {:+.2} … {:+.2}){}",
            round_percent(i.low),
            round_percent(i.high),
            if i.significant {
                ""
            } else {
                " (not significant)"
            }
        ),
    }
}

/// One line on how sure the report is, for its summary.
pub fn summary_text(summary: &SignificanceSummary) -> String {
    match &summary.reason {
        Some(reason) => format!("unavailable ({reason}); the verdict follows the shares alone"),
        None => format!(
            "95 % intervals from {} baseline and {} current parts ({}, false discovery rate {})",
            summary.slices.baseline, summary.slices.current, summary.method, summary.fdr
        ),
    }
}

/// Per-part totals of a window, and its functions' per-part self samples by normalised name.
struct Cut<'a> {
    totals: Vec<u64>,
    /// Borrowed from the window, summed only where several names normalise alike.
    selfs: HashMap<String, Cow<'a, [u64]>>,
}

fn cut<'a>(window: &'a ProfileWindow, side: &str) -> Result<Cut<'a>, String> {
    let Some(parts) = &window.parts else {
        return Err(window
            .parts_unavailable
            .clone()
            .unwrap_or_else(|| format!("the {side} window was not cut into parts")));
    };
    let totals: Vec<u64> = parts.iter().map(|p| p.total_samples).collect();
    let mut selfs: HashMap<String, Cow<'a, [u64]>> = HashMap::with_capacity(window.functions.len());
    for f in &window.functions {
        if f.part_self_samples.len() != totals.len() {
            return Err(format!("the {side} window's parts do not cover {}", f.name));
        }
        match selfs.entry(normalize_function_name(&f.name)) {
            Entry::Vacant(slot) => {
                slot.insert(Cow::Borrowed(&f.part_self_samples));
            }
            Entry::Occupied(mut slot) => {
                for (sum, s) in slot.get_mut().to_mut().iter_mut().zip(&f.part_self_samples) {
                    *sum += s;
                }
            }
        }
    }
    Ok(Cut { totals, selfs })
}

/// Tests every function of `diff` from its windows' parts, at false discovery rate `fdr`.
pub fn assess(diff: &ProfileDiff, fdr: f64) -> Significance {
    let counts = |w: &ProfileWindow| w.parts.as_ref().map_or(0, Vec::len);
    let unavailable = |reason: String| Significance {
        estimated: HashMap::new(),
        summary: SignificanceSummary {
            available: false,
            reason: Some(reason),
            slices: PartCounts {
                baseline: counts(&diff.baseline),
                current: counts(&diff.current),
            },
            method: METHOD,
            fdr,
        },
    };
    let (baseline, current) = match (
        cut(&diff.baseline, "baseline"),
        cut(&diff.current, "current"),
    ) {
        (Ok(b), Ok(c)) => (b, c),
        (Err(reason), _) | (_, Err(reason)) => return unavailable(reason),
    };
    // Every function of either window once; one absent from a window has no samples there.
    let (no_baseline, no_current) = (
        vec![0; baseline.totals.len()],
        vec![0; current.totals.len()],
    );
    let mut tests = Vec::with_capacity(baseline.selfs.len() + current.selfs.len());
    let mut current_selfs = current.selfs;
    let both = baseline.selfs.into_iter().map(|(name, b)| {
        let c = current_selfs.remove(&name);
        (name, Some(b), c)
    });
    let pairs: Vec<_> = both.collect();
    let only_current = current_selfs
        .into_iter()
        .map(|(name, c)| (name, None, Some(c)));
    for (name, b, c) in pairs.into_iter().chain(only_current) {
        let b = b.as_deref().unwrap_or(&no_baseline);
        let c = c.as_deref().unwrap_or(&no_current);
        let estimates = share(&baseline.totals, b).zip(share(&current.totals, c));
        let Some((b, c)) = estimates else {
            return unavailable("a window has fewer than 2 parts".to_owned());
        };
        if let Some(p_value) = delta_p_value(b, c) {
            tests.push((name, b, c, p_value));
        }
    }
    let p_values: Vec<f64> = tests.iter().map(|t| t.3).collect();
    let significant = benjamini_hochberg(&p_values, fdr);
    let estimated = tests
        .into_iter()
        .zip(significant)
        .map(|((name, baseline, current, p_value), significant)| {
            let e = Estimated {
                baseline,
                current,
                p_value,
                significant,
            };
            (name, e)
        })
        .collect();
    Significance {
        estimated,
        summary: SignificanceSummary {
            available: true,
            reason: None,
            slices: PartCounts {
                baseline: baseline.totals.len(),
                current: current.totals.len(),
            },
            method: METHOD,
            fdr,
        },
    }
}

#[cfg(test)]
#[path = "significance_tests.rs"]
mod tests;

//! How sure a diff is (docs/api.md#how-sure-is-a-diff), pure: every function the profile diff lists
//! for either window is tested from the windows' parts, Benjamini–Hochberg over all of them, and
//! the current share of each gets its own interval. The numbers of Part 1 are not touched.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use pf_model::significance::{
    benjamini_hochberg, delta, delta_p_value, share_interval, PartTotals, ShareEstimate,
};
use pf_model::{normalized_function_name, round2, round_percent};
use pf_profiles::{ProfileDiff, ProfileWindow};

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

/// Normalised names, borrowed from the diff where normalising changes nothing, to their index.
/// foldhash rather than SipHash: the 10 000 names of a large diff are hashed much faster, and
/// its seed still differs from one process to the next.
type Names<'a> = HashMap<Cow<'a, str>, usize, foldhash::fast::RandomState>;

/// Every function's test, by normalised name, and the summary; nothing is tested when the
/// summary says unavailable.
#[derive(Debug, Clone)]
pub struct Significance<'a> {
    /// Every function of either window, to its place in `estimated`.
    names: Names<'a>,
    /// None where the function could not be tested.
    estimated: Vec<Option<Estimated>>,
    pub summary: SignificanceSummary,
}

impl Significance<'_> {
    /// The test of the function whose normalised name is `name`. Its intervals are computed
    /// here, for the functions a report lists: the t quantiles are the costly part.
    pub fn tested(&self, name: &str) -> Option<Tested> {
        let e = self.estimated.get(*self.names.get(name)?)?.as_ref()?;
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
        self.estimated.iter().flatten().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

/// A window's per-part totals, once every one of its functions is known to cover the parts.
fn part_totals(window: &ProfileWindow, side: &str) -> Result<PartTotals, String> {
    let Some(parts) = &window.parts else {
        return Err(window
            .parts_unavailable
            .clone()
            .unwrap_or_else(|| format!("the {side} window was not cut into parts")));
    };
    match window
        .functions
        .iter()
        .find(|f| f.part_self_samples.len() != parts.len())
    {
        Some(f) => Err(format!("the {side} window's parts do not cover {}", f.name)),
        None => Ok(PartTotals::new(
            parts.iter().map(|p| p.total_samples).collect(),
        )),
    }
}

/// A function's per-part self samples in the baseline and the current window: borrowed from
/// the window, summed only where several names normalise alike; None where it is absent.
type Selfs<'a> = [Option<Cow<'a, [u64]>>; 2];

/// Both windows' functions grouped by normalised name: the names and, at each name's index,
/// its self samples in each window.
fn group<'a>(windows: [&'a ProfileWindow; 2]) -> (Names<'a>, Vec<Selfs<'a>>) {
    let capacity = windows[0].functions.len().max(windows[1].functions.len());
    let mut names = Names::with_capacity_and_hasher(capacity, Default::default());
    let mut groups: Vec<Selfs<'a>> = Vec::with_capacity(capacity);
    for (side, window) in windows.into_iter().enumerate() {
        for f in &window.functions {
            let index = match names.entry(normalized_function_name(&f.name)) {
                Entry::Occupied(slot) => *slot.get(),
                Entry::Vacant(slot) => {
                    groups.push([None, None]);
                    *slot.insert(groups.len() - 1)
                }
            };
            match &mut groups[index][side] {
                Some(sum) => {
                    for (sum, s) in sum.to_mut().iter_mut().zip(&f.part_self_samples) {
                        *sum += s;
                    }
                }
                absent => *absent = Some(Cow::Borrowed(&f.part_self_samples)),
            }
        }
    }
    (names, groups)
}

/// Tests every function of `diff` from its windows' parts, at false discovery rate `fdr`.
pub fn assess(diff: &ProfileDiff, fdr: f64) -> Significance<'_> {
    let counts = |w: &ProfileWindow| w.parts.as_ref().map_or(0, Vec::len);
    let unavailable = |reason: String| Significance {
        names: Names::default(),
        estimated: Vec::new(),
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
    let totals = match (
        part_totals(&diff.baseline, "baseline"),
        part_totals(&diff.current, "current"),
    ) {
        (Ok(b), Ok(c)) => [b, c],
        (Err(reason), _) | (_, Err(reason)) => return unavailable(reason),
    };
    let (names, groups) = group([&diff.baseline, &diff.current]);
    // A function absent from a window has no samples there.
    let absent = totals.each_ref().map(|t| vec![0; t.len()]);
    let mut estimated = Vec::with_capacity(groups.len());
    // Aligned with `estimated`; NaN where untested, which Benjamini–Hochberg does not count.
    let mut p_values = Vec::with_capacity(groups.len());
    for selfs in &groups {
        let [b, c] =
            [0, 1].map(|side| totals[side].share(selfs[side].as_deref().unwrap_or(&absent[side])));
        let Some((baseline, current)) = b.zip(c) else {
            return unavailable("a window has fewer than 2 parts".to_owned());
        };
        let p_value = delta_p_value(baseline, current);
        p_values.push(p_value.unwrap_or(f64::NAN));
        estimated.push(p_value.map(|p_value| Estimated {
            baseline,
            current,
            p_value,
            significant: false,
        }));
    }
    for (e, significant) in estimated.iter_mut().zip(benjamini_hochberg(&p_values, fdr)) {
        if let Some(e) = e {
            e.significant = significant;
        }
    }
    let [baseline, current] = totals.each_ref().map(PartTotals::len);
    Significance {
        names,
        estimated,
        summary: SignificanceSummary {
            available: true,
            reason: None,
            slices: PartCounts { baseline, current },
            method: METHOD,
            fdr,
        },
    }
}

#[cfg(test)]
#[path = "significance_tests.rs"]
mod tests;

//! Profiles over time (docs/profiles-over-time.md), pure: what one slice's summary keeps, which
//! functions a trend shows, and the thresholds suggested from a week of summaries.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{percent_of, FunctionStat};

/// One function as a summary keeps it: exact sample counts of its slice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptFunction {
    pub name: String,
    pub self_samples: u64,
    pub total_samples: u64,
    /// [`name_key`] of `name`, computed once where the summary is made or read: the detectors
    /// match a function from slice to slice by it without reading the names again, which are
    /// scattered through memory (the leak benchmark of docs/performance.md#leaks spent 70 %
    /// of its time on those reads).
    pub key: u64,
}

impl KeptFunction {
    /// `name` with its counts, and its key.
    pub fn new(name: String, self_samples: u64, total_samples: u64) -> Self {
        KeptFunction {
            key: name_key(&name),
            name,
            self_samples,
            total_samples,
        }
    }
}

/// A 64-bit hash of a function name, the same in every process and run (a fixed seed): two
/// names of one series share it with a chance of about 10⁻¹⁶.
pub fn name_key(name: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x5eed_1eaf_0000_0022).hash_one(name)
}

/// One app's profile of one type in one slice, summarized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SliceSummary {
    /// Slice start, epoch seconds.
    pub start: i64,
    pub total_samples: u64,
    /// Values of the version label seen in the slice, sorted.
    pub versions: Vec<String>,
    /// Values of `service_git_ref` seen in the slice, sorted
    /// (docs/regressions.md#the-change-that-caused-it).
    pub refs: Vec<String>,
    /// The kept functions, by self samples, then total samples, then name.
    pub functions: Vec<KeptFunction>,
}

impl SliceSummary {
    /// A slice's summary from its ranked functions: the `top` functions by self samples, then
    /// by total samples (so callers without self time fill the list while there is room).
    pub fn of(
        start: i64,
        total_samples: u64,
        mut versions: Vec<String>,
        functions: Vec<FunctionStat>,
        top: usize,
    ) -> Self {
        let mut functions: Vec<KeptFunction> = functions
            .into_iter()
            .filter(|f| f.self_samples > 0 || f.total_samples > 0)
            .map(|f| KeptFunction::new(f.name, f.self_samples, f.total_samples))
            .collect();
        functions.sort_unstable_by(|a, b| {
            (b.self_samples, b.total_samples)
                .cmp(&(a.self_samples, a.total_samples))
                .then_with(|| a.name.cmp(&b.name))
        });
        functions.truncate(top);
        versions.sort_unstable();
        versions.dedup();
        SliceSummary {
            start,
            total_samples,
            versions,
            refs: Vec::new(),
            functions,
        }
    }

    /// The summary with the slice's `service_git_ref` values.
    pub fn with_refs(mut self, mut refs: Vec<String>) -> Self {
        refs.sort_unstable();
        refs.dedup();
        self.refs = refs;
        self
    }

    /// What a function this slice did not keep had at most: 0 when it kept fewer than `top`
    /// functions (it kept every function it saw), else its smallest kept self count. Both
    /// detectors count an absent function so.
    pub fn upper_bound(&self, top: usize) -> u64 {
        if self.functions.len() < top {
            return 0;
        }
        self.functions
            .iter()
            .map(|f| f.self_samples)
            .min()
            .unwrap_or(0)
    }

    /// `function`'s kept counts in this slice.
    pub fn function(&self, name: &str) -> Option<&KeptFunction> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// `function`'s self share (percent) in this slice, when kept.
    pub fn self_percent(&self, name: &str) -> Option<f64> {
        self.function(name)
            .map(|f| percent_of(f.self_samples, self.total_samples))
    }
}

/// The `limit` functions with the highest mean self share over `slices`, a slice where a
/// function was not kept counting 0; ties by name.
pub fn top_by_mean(slices: &[SliceSummary], limit: usize) -> Vec<(String, f64)> {
    let kept = slices.iter().map(|s| {
        let functions = s
            .functions
            .iter()
            .map(|f| (f.name.as_str(), f.self_samples));
        (s.total_samples, functions)
    });
    mean_shares(kept)
        .into_iter()
        .take(limit)
        .map(|(name, mean)| (name.to_owned(), mean))
        .collect()
}

/// Every function's mean self share (percent) over the slices, each given as its total and its
/// kept `(name, self samples)`, a slice where a function was not kept counting 0: highest
/// first, ties by name.
pub fn mean_shares<'a, F>(slices: impl IntoIterator<Item = (u64, F)>) -> Vec<(&'a str, f64)>
where
    F: IntoIterator<Item = (&'a str, u64)>,
{
    let mut sums: HashMap<&str, f64> = HashMap::new();
    let mut n = 0usize;
    for (total, functions) in slices {
        n += 1;
        for (name, self_samples) in functions {
            *sums.entry(name).or_default() += percent_of(self_samples, total);
        }
    }
    let n = n.max(1) as f64;
    let mut means: Vec<(&str, f64)> = sums
        .into_iter()
        .map(|(name, sum)| (name, sum / n))
        .collect();
    means.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    means
}

// The field docs are the OpenAPI document's descriptions (`GET /trends/{appName}/suggestions`).
/// A suggested threshold, for a person to approve with `POST /baselines`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThresholdSuggestion {
    pub function: String,
    /// Mean self share (percent) over every slice, 0 where not kept.
    pub mean: f64,
    /// 95th percentile (nearest rank) of the share where kept.
    pub p95: f64,
    // The highest share where kept.
    pub max: f64,
    /// Slices where the function was kept.
    pub slices: usize,
    /// p95 + max(1, 0.2 × p95), rounded up to 0.1.
    pub suggested_max_self_percent: f64,
    /// The approved threshold today, if any (and when the baseline store is reachable).
    pub current_threshold: Option<f64>,
}

/// Suggestions (without `current_threshold`) for the `limit` functions with the highest mean share among those kept in at
/// least half of `slices`.
pub fn suggestions(slices: &[SliceSummary], limit: usize) -> Vec<ThresholdSuggestion> {
    let every = top_by_mean(slices, usize::MAX);
    every
        .into_iter()
        .filter_map(|(function, mean)| {
            let mut kept: Vec<f64> = slices
                .iter()
                .filter_map(|s| s.self_percent(&function))
                .collect();
            if kept.len() * 2 < slices.len() || kept.is_empty() {
                return None;
            }
            kept.sort_unstable_by(f64::total_cmp);
            let p95 = nearest_rank(&kept, 0.95);
            let max = kept.last().copied().unwrap_or(0.0);
            Some(ThresholdSuggestion {
                function,
                mean,
                p95,
                max,
                slices: kept.len(),
                suggested_max_self_percent: round_up_tenth(p95 + (0.2 * p95).max(1.0)),
                // The caller knows the approved thresholds.
                current_threshold: None,
            })
        })
        .take(limit)
        .collect()
}

/// The value at rank ⌈q·n⌉ (1-based) of sorted `values`.
pub fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

/// `x` rounded up to one decimal; a value a float rounding error above a tenth stays on it.
pub fn round_up_tenth(x: f64) -> f64 {
    ((x * 10.0) - 1e-9).ceil() / 10.0
}

#[cfg(test)]
#[path = "trend_tests.rs"]
mod tests;

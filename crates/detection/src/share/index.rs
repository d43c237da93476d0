//! One series laid out for the windows: slice totals and a dense column of self samples per
//! function, where an absent function counts its slice's upper bound.

use std::collections::HashMap;
use std::ops::Range;

use pf_model::significance::{share, ShareEstimate};
use pf_model::trend::SliceSummary;

/// The history indexed once, so that no window looks a function up slice by slice.
pub(super) struct SeriesIndex<'a> {
    history: &'a [SliceSummary],
    totals: Vec<u64>,
    /// What an absent function counts in each slice.
    bounds: Vec<u64>,
    columns: HashMap<&'a str, usize>,
    names: Vec<&'a str>,
    /// The last row where each column's function was kept.
    last_kept: Vec<usize>,
    /// Whether the code a slice ran is read from its refs (some slice has refs), else from its
    /// versions.
    by_refs: bool,
    /// Column-major: column c is `counts[c·rows .. (c+1)·rows]`.
    counts: Vec<u64>,
}

impl<'a> SeriesIndex<'a> {
    /// Indexes `history`, whose slices kept at most `top` functions.
    pub(super) fn new(history: &'a [SliceSummary], top: usize) -> Self {
        let rows = history.len();
        let totals: Vec<u64> = history.iter().map(|s| s.total_samples).collect();
        let bounds: Vec<u64> = history.iter().map(|s| s.upper_bound(top)).collect();
        let width = history.last().map_or(0, |s| s.functions.len());
        let mut columns: HashMap<&str, usize> = HashMap::with_capacity(width * 2);
        let mut names = Vec::with_capacity(width * 2);
        let mut last_kept = Vec::with_capacity(width * 2);
        let mut counts = Vec::with_capacity(width * 2 * rows);
        for (row, slice) in history.iter().enumerate() {
            for f in &slice.functions {
                let column = *columns.entry(f.name.as_str()).or_insert_with(|| {
                    names.push(f.name.as_str());
                    last_kept.push(row);
                    counts.extend_from_slice(&bounds);
                    names.len() - 1
                });
                // A name kept twice in one slice (never in a real summary) counts its last entry.
                if let Some(count) = counts.get_mut(column * rows + row) {
                    *count = f.self_samples;
                }
                if let Some(last) = last_kept.get_mut(column) {
                    *last = row;
                }
            }
        }
        SeriesIndex {
            history,
            totals,
            bounds,
            columns,
            names,
            last_kept,
            by_refs: history.iter().any(|s| !s.refs.is_empty()),
            counts,
        }
    }

    /// The code slice `row` ran: its refs when the series names refs, else its versions.
    pub(super) fn code(&self, row: usize) -> Option<&'a [String]> {
        let slice = self.history.get(row)?;
        Some(if self.by_refs {
            &slice.refs
        } else {
            &slice.versions
        })
    }

    /// Whether slice `row` names code the slice before it did not: a deploy's first slice.
    pub(super) fn deploys(&self, row: usize) -> bool {
        let (Some(now), Some(before)) = (
            self.code(row),
            row.checked_sub(1).and_then(|r| self.code(r)),
        ) else {
            return false;
        };
        !before.is_empty() && now.iter().any(|v| !before.contains(v))
    }

    /// Whether slice `row` is a deploy's slice that ran the old code and the new together (the
    /// old process's last profile and the new one's first): it is neither before the deploy nor
    /// after it, so the test of two windows cut there leaves it out of both
    /// (docs/regressions.md, "Empty and doubled slices").
    pub(super) fn mixed(&self, row: usize) -> bool {
        let (Some(now), Some(before)) = (
            self.code(row),
            row.checked_sub(1).and_then(|r| self.code(r)),
        ) else {
            return false;
        };
        self.deploys(row) && now.iter().any(|v| before.contains(v))
    }

    /// The summaries indexed.
    pub(super) fn history(&self) -> &'a [SliceSummary] {
        self.history
    }

    /// Number of slices.
    pub(super) fn rows(&self) -> usize {
        self.totals.len()
    }

    /// The samples of slice `row`; None past the end.
    pub(super) fn total(&self, row: usize) -> Option<u64> {
        self.totals.get(row).copied()
    }

    /// Start of slice `row`; None past the end.
    pub(super) fn start(&self, row: usize) -> Option<i64> {
        self.history.get(row).map(|s| s.start)
    }

    /// The first row whose start is at or after `start` (`rows()` if none).
    pub(super) fn first_row_from(&self, start: i64) -> usize {
        self.history.partition_point(|s| s.start < start)
    }

    /// The column of a function kept in some slice.
    pub(super) fn column(&self, name: &str) -> Option<usize> {
        self.columns.get(name).copied()
    }

    /// The self samples of column `column` per slice (the upper bounds for an unknown column).
    pub(super) fn selfs(&self, column: Option<usize>) -> &[u64] {
        let rows = self.rows();
        column
            .and_then(|c| self.counts.get(c * rows..(c + 1) * rows))
            .unwrap_or(&self.bounds)
    }

    /// The columns kept in at least one slice from `row` on, with their names.
    pub(super) fn kept_since(&self, row: usize) -> impl Iterator<Item = (usize, &'a str)> + '_ {
        self.names
            .iter()
            .enumerate()
            .filter(move |&(c, _)| self.last_kept.get(c).is_some_and(|&last| last >= row))
            .map(|(c, &name)| (c, name))
    }

    /// Share estimate (docs/api.md#how-sure-is-a-diff) of `selfs` over the slices `rows`; None when
    /// it has under 2 slices.
    pub(super) fn estimate(&self, selfs: &[u64], rows: Range<usize>) -> Option<ShareEstimate> {
        share(self.totals.get(rows.clone())?, selfs.get(rows)?)
    }

    /// `100·Σs/ΣT` over the slices `rows`; 0 when they hold no samples or are out of range.
    pub(super) fn percent(&self, selfs: &[u64], rows: Range<usize>) -> f64 {
        let sum = |values: Option<&[u64]>| {
            values.map_or(0, |v| v.iter().map(|&x| u128::from(x)).sum::<u128>()) as f64
        };
        let total = sum(self.totals.get(rows.clone()));
        if total > 0.0 {
            100.0 * sum(selfs.get(rows)) / total
        } else {
            0.0
        }
    }
}

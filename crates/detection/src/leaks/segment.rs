//! One in-use series laid out for the test: the segment since the last restart, the window of
//! its newest `window_slices`, and each tested function's bytes in every slice of that window.

use std::collections::HashMap;

use pf_model::trend::{name_key, SliceSummary};

use super::LeakSettings;

/// The window tested, within the segment since the last restart.
pub(super) struct Window<'a> {
    /// The window's summaries, oldest first; the newest summary is the last.
    pub(super) slices: &'a [SliceSummary],
    /// Where the window begins on the grid: newest.start − (window_slices − 1)·secs.
    pub(super) first_time: i64,
    /// The segment reaches back to `first_time` and the window holds ≥ ¾ of its slices.
    pub(super) testable: bool,
    /// Each slice's start − `first_time`, seconds: the x of the fit, so that the fitted
    /// intercept is the level at the window's start.
    pub(super) x: Vec<f64>,
}

impl<'a> Window<'a> {
    /// The window of `history` (ascending by start, newest last); None when it is empty.
    pub(super) fn of(history: &'a [SliceSummary], settings: &LeakSettings) -> Option<Self> {
        let newest = history.last()?;
        let segment = segment_start(history);
        let back = i64::try_from(settings.window_slices.saturating_sub(1))
            .unwrap_or(i64::MAX)
            .saturating_mul(settings.slices.slice_secs.secs());
        let first_time = newest.start.saturating_sub(back);
        let from = history
            .partition_point(|s| s.start < first_time)
            .max(segment);
        let slices = history.get(from..).unwrap_or_default();
        let reaches = history.get(segment).is_some_and(|s| s.start <= first_time);
        let enough = slices.len().saturating_mul(4) >= settings.window_slices.saturating_mul(3);
        let x = slices
            .iter()
            .map(|s| s.start.saturating_sub(first_time) as f64)
            .collect();
        Some(Window {
            slices,
            first_time,
            testable: reaches && enough,
            x,
        })
    }

    /// The newest summary (the window always holds it).
    pub(super) fn newest(&self) -> Option<&'a SliceSummary> {
        self.slices.last()
    }
}

/// The first slice of the segment since the last restart: the last slice whose total is at
/// most half of the slice before it (0 when there was none).
pub(super) fn segment_start(history: &[SliceSummary]) -> usize {
    history
        .windows(2)
        .rposition(|pair| {
            2 * u128::from(pair[1].total_samples) <= u128::from(pair[0].total_samples)
        })
        .map_or(0, |i| i + 1)
}

/// The tested functions' bytes per slice of a window, column by column.
pub(super) struct Columns<'a> {
    /// The function of each column.
    pub(super) names: Vec<&'a str>,
    rows: usize,
    /// Column-major: column c is `values[c·rows .. (c+1)·rows]`.
    values: Vec<f64>,
}

impl<'a> Columns<'a> {
    /// The bytes of `names` (distinct) in each slice of `slices`; an absent function counts
    /// its slice's upper bound.
    pub(super) fn new(slices: &[SliceSummary], names: Vec<&'a str>, top: usize) -> Self {
        let rows = slices.len();
        let bounds: Vec<f64> = slices.iter().map(|s| s.upper_bound(top) as f64).collect();
        let mut values = Vec::with_capacity(rows * names.len());
        for _ in &names {
            values.extend_from_slice(&bounds);
        }
        // Functions are matched by their name keys, which the summaries carry inline: the
        // names themselves lie scattered through memory. Summaries rank their functions alike
        // from slice to slice, so the column found at a rank (or a neighbour) in the slice
        // before is tried first, the map only when none matches. Two tested names with one key
        // (about 10⁻¹⁶) are told apart by their names.
        let keys: Vec<u64> = names.iter().map(|n| name_key(n)).collect();
        let mut index: HashMap<u64, usize, foldhash::fast::RandomState> = HashMap::default();
        let mut distinct = true;
        for (column, &key) in keys.iter().enumerate() {
            distinct &= index.insert(key, column).is_none();
        }
        let mut at_rank: Vec<Option<usize>> = Vec::new();
        let mut before: Vec<Option<usize>> = Vec::new();
        for (row, slice) in slices.iter().enumerate() {
            std::mem::swap(&mut at_rank, &mut before);
            at_rank.clear();
            for (rank, f) in slice.functions.iter().enumerate() {
                let column = if distinct {
                    let is = |c: &usize| keys.get(*c) == Some(&f.key);
                    [rank, rank + 1, rank.wrapping_sub(1)]
                        .into_iter()
                        .filter_map(|r| before.get(r).copied().flatten())
                        .find(is)
                        .or_else(|| index.get(&f.key).copied())
                } else {
                    names.iter().position(|&n| n == f.name)
                };
                at_rank.push(column);
                if let Some(value) = column.and_then(|c| values.get_mut(c * rows + row)) {
                    *value = f.self_samples as f64;
                }
            }
        }
        Columns {
            names,
            rows,
            values,
        }
    }

    /// Column `column`'s bytes per slice (empty past the last column).
    pub(super) fn column(&self, column: usize) -> &[f64] {
        self.values
            .get(column * self.rows..(column + 1) * self.rows)
            .unwrap_or_default()
    }

    /// The column of `name`.
    pub(super) fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|&n| n == name)
    }
}

#[cfg(test)]
impl<'a> Columns<'a> {
    /// Columns given directly, `values` column-major with `rows` values each.
    pub(super) fn from_values(names: Vec<&'a str>, rows: usize, values: Vec<f64>) -> Self {
        Columns {
            names,
            rows,
            values,
        }
    }
}

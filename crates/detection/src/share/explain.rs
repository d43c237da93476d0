//! What explains a confirmed change: a version first seen at the change point, or another
//! function that lost the same cost there (a cost shift).

use std::collections::HashSet;
use std::ops::Range;

use pf_model::trend::SliceSummary;
use pf_model::SliceSecs;

use super::index::SeriesIndex;
use crate::model::VersionChange;

/// Least part of its before share another function must lose to explain a change.
const SHIFT_LOSS: f64 = 0.8;
/// Largest gap between that loss and the delta, as a fraction of the delta.
const SHIFT_MATCH: f64 = 0.25;

/// The version value first seen in a slice starting within `slice_secs` of `changed_at`
/// (earliest slice, then smallest value), with the other values of the last slice before the
/// one it first appeared in: what ran before the deploy, also when the change point was
/// estimated a slice after it.
pub(super) fn version_change(
    history: &[SliceSummary],
    changed_at: i64,
    slice_secs: SliceSecs,
) -> Option<VersionChange> {
    let near =
        changed_at.saturating_sub(slice_secs.secs())..=changed_at.saturating_add(slice_secs.secs());
    let mut seen: HashSet<&str> = HashSet::new();
    let mut new = None;
    for (row, slice) in history.iter().enumerate() {
        // The first slice has nothing before it: none of its values is known to be new.
        if row > 0 && near.contains(&slice.start) {
            new = slice
                .versions
                .iter()
                .filter(|v| !seen.contains(v.as_str()))
                .min()
                .map(|v| (row, v));
            if new.is_some() {
                break;
            }
        }
        seen.extend(slice.versions.iter().map(String::as_str));
    }
    let (row, after) = new?;
    let before: Vec<&str> = history[..row]
        .last()
        .map(|s| {
            s.versions
                .iter()
                .map(String::as_str)
                .filter(|v| *v != after.as_str())
                .collect()
        })
        .unwrap_or_default();
    Some(VersionChange {
        before: (!before.is_empty()).then(|| before.join(",")),
        after: after.clone(),
    })
}

/// The function that lost ≥ 80 % of its before share between the same windows, by a loss
/// within 25 % of `delta` (closest to it, then by name); None when there is none.
pub(super) fn cost_shift(
    index: &SeriesIndex<'_>,
    candidate: Option<usize>,
    (before, after): (Range<usize>, Range<usize>),
    delta: f64,
) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for (column, name) in index.kept_since(before.start.min(after.start)) {
        if Some(column) == candidate {
            continue;
        }
        let selfs = index.selfs(Some(column));
        let was = index.percent(selfs, before.clone());
        let loss = was - index.percent(selfs, after.clone());
        let gap = (loss - delta).abs();
        if loss >= SHIFT_LOSS * was && gap <= SHIFT_MATCH * delta {
            let closer = best.is_none_or(|(g, n)| gap < g || (gap == g && name < n));
            if closer {
                best = Some((gap, name));
            }
        }
    }
    best.map(|(_, name)| name.to_owned())
}

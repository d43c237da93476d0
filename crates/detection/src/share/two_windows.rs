//! The two windows a step is reported with (docs/regressions.md): the shares before and after
//! its change point, its delta with the interval and p-value of docs/api.md#how-sure-is-a-diff,
//! and whether it is big enough for an event.

use std::ops::Range;

use pf_model::significance::{delta, ShareEstimate};

use super::index::SeriesIndex;
use crate::model::Finding;

/// The windows cut at row `cut`: the `reference` rows before it and the rows from it to `end`.
/// A deploy's slice that ran old and new code together ([`SeriesIndex::mixed`]) at the cut
/// (at `cut`, or just before it) belongs to neither window: the before window ends before it
/// and the after window starts after it.
pub(super) fn windows(
    index: &SeriesIndex<'_>,
    cut: usize,
    reference: usize,
    end: usize,
) -> Option<(Range<usize>, Range<usize>)> {
    let (before_end, after_start) = if index.mixed(cut) {
        (cut, cut + 1)
    } else if cut > 0 && index.mixed(cut - 1) {
        (cut - 1, cut)
    } else {
        (cut, cut)
    };
    Some((
        before_end.checked_sub(reference)?..before_end,
        after_start..end.max(after_start),
    ))
}

/// One function's share estimates in a before and an after window.
#[derive(Debug, Clone, Copy)]
pub(super) struct Measured {
    pub(super) before: ShareEstimate,
    pub(super) after: ShareEstimate,
}

impl Measured {
    /// The estimates of `selfs` over two windows; None when one has under 2 slices.
    pub(super) fn of(
        index: &SeriesIndex<'_>,
        selfs: &[u64],
        (before, after): (Range<usize>, Range<usize>),
    ) -> Option<Self> {
        Some(Measured {
            before: index.estimate(selfs, before)?,
            after: index.estimate(selfs, after)?,
        })
    }

    /// before% = 100·p_before.
    pub(super) fn before_percent(&self) -> f64 {
        100.0 * self.before.share
    }

    /// The finding of `function` with its after window starting at `changed_at`.
    pub(super) fn finding(&self, function: &str, changed_at: i64) -> Option<Finding> {
        let d = delta(self.before, self.after)?;
        Some(Finding {
            function: function.to_owned(),
            changed_at,
            before_percent: self.before_percent(),
            after_percent: 100.0 * self.after.share,
            delta_percent: d.delta,
            low: d.low,
            high: d.high,
            p_value: d.p_value,
            leak: None,
        })
    }
}

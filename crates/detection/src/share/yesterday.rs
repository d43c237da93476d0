//! The same hours of yesterday (docs/regressions.md): each function's shape of the day, learned
//! from the summaries a day before those a call tests and subtracted from today's shares before
//! the test, so that a daily swing is not taken for a step.

use pf_model::trend::SliceSummary;

use super::cusum::DayCurve;
use super::index::SeriesIndex;
use super::sequential::{share, Layout};
use crate::model::{DetectorSettings, DAY_SECS};

/// How far past a day before the newest summary yesterday's curve is fitted: two hours (the
/// end of a cubic's fit is its least sure part, and a swing's cubic still fits 8 + 2 hours;
/// on the daily model it took a third of the false confirmations left).
const AFTER_NEWEST_SECS: i64 = 7_200;

/// Yesterday's summaries of the hours a call tests: a day before its reference's first row
/// through two hours after a day before its newest.
pub(super) struct Yesterday<'h> {
    index: SeriesIndex<'h>,
    /// Start of the newest summary tested, epoch seconds: times are in slices from it.
    newest: i64,
    /// The slice's length, seconds.
    slice: f64,
}

impl<'h> Yesterday<'h> {
    /// Yesterday's summaries among `earlier` (the history before the summaries tested, ascending
    /// by start) for the rows of `layout` in `today` (and `AFTER_NEWEST_SECS`); None unless they
    /// cover those hours to within `recent_slices` at each end (a series younger than a day and the hours tested, a
    /// gap): then the call is what it was without them.
    pub(super) fn of(
        earlier: &'h [SliceSummary],
        today: &SeriesIndex<'_>,
        layout: &Layout,
        settings: &DetectorSettings,
    ) -> Option<Self> {
        let newest = today.start(today.rows().checked_sub(1)?)?;
        let first = today.start(layout.reference.start)?;
        let slice = settings.slices.slice_secs.secs();
        // Past a day before the newest too, so that the watched rows are not at the curve's end,
        // where a fit is least sure.
        let (from, to) = (first - DAY_SECS, newest - DAY_SECS + AFTER_NEWEST_SECS);
        let rows = earlier.get(
            earlier.partition_point(|s| s.start < from)..earlier.partition_point(|s| s.start <= to),
        )?;
        let margin = slice.saturating_mul(i64::try_from(settings.recent_slices).ok()?);
        let covers = rows.first()?.start <= from + margin && rows.last()?.start >= to - margin;
        covers.then(|| Yesterday {
            index: SeriesIndex::new(rows, settings.top_functions),
            newest,
            slice: slice as f64,
        })
    }

    /// The time of a slice starting at `start`, in slices from the newest.
    fn time(&self, start: i64) -> f64 {
        (start - self.newest) as f64 / self.slice
    }

    /// The shape of function `name`'s day at the rows of `today` from its `reference` rows'
    /// first on ((row, share), its noise at least `floor`): yesterday's curve through the same
    /// hours ([`DayCurve::fit`]) less its mean over the reference rows, where today's reference
    /// follows it ([`DayCurve::agrees`]); None otherwise.
    pub(super) fn shape(
        &self,
        name: &str,
        today: &SeriesIndex<'_>,
        reference: &[(usize, f64)],
        floor: f64,
    ) -> Option<Shape> {
        let selfs = self.index.selfs(Some(self.index.column(name)?));
        let points: Vec<(f64, f64)> = (0..self.index.rows())
            .filter_map(|row| {
                let start = self.index.start(row)?;
                Some((self.time(start + DAY_SECS), share(&self.index, selfs, row)?))
            })
            .collect();
        let curve = DayCurve::fit(&points, floor)?;
        let timed: Vec<(f64, f64)> = reference
            .iter()
            .filter_map(|&(row, x)| Some((self.time(today.start(row)?), x)))
            .collect();
        if !curve.agrees(&timed) {
            return None;
        }
        let mean = timed.iter().map(|p| curve.at(p.0)).sum::<f64>() / timed.len().max(1) as f64;
        let from = reference.first()?.0;
        let offsets = (from..today.rows())
            .map(|row| {
                today
                    .start(row)
                    .map_or(0.0, |start| curve.at(self.time(start)) - mean)
            })
            .collect();
        Some(Shape { from, offsets })
    }
}

/// A function's shape of the day at today's rows from `from` on: what is subtracted from each
/// share, 0 on average over its reference rows, and 0 without one.
#[derive(Debug, Clone, Default)]
pub(super) struct Shape {
    from: usize,
    offsets: Vec<f64>,
}

impl Shape {
    /// The shape at row `row`.
    pub(super) fn at(&self, row: usize) -> f64 {
        row.checked_sub(self.from)
            .and_then(|i| self.offsets.get(i))
            .copied()
            .unwrap_or(0.0)
    }
}

//! The same hours of yesterday (docs/regressions.md): each function's shape of the day, learned
//! from the summaries a day before those a call tests and subtracted from today's shares before
//! the test, so that a daily swing is not taken for a step.

use pf_model::trend::SliceSummary;

use super::cusum::DayCurve;
use super::index::SeriesIndex;
use super::sequential::{share, Layout};
use crate::model::{DetectorSettings, DAY_AFTER_SECS, DAY_SECS};

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
    /// by start) for the rows of `layout` in `today` (and `DAY_AFTER_SECS`); None unless
    /// `earlier` begins a day before `today` does and they cover those hours to within
    /// `recent_slices` at each end (a series younger than a day and the slices tested, a gap):
    /// then the call is what it was without them.
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
        let (from, to) = (first - DAY_SECS, newest - DAY_SECS + DAY_AFTER_SECS);
        let rows = earlier.get(
            earlier.partition_point(|s| s.start < from)..earlier.partition_point(|s| s.start <= to),
        )?;
        let margin = slice.saturating_mul(i64::try_from(settings.recent_slices).ok()?);
        // And only with the whole day before the first slice tested: a series younger than
        // `history_slices()` is examined exactly as before (its first `recent_slices` tested
        // rows are not the reference's, so the hours alone would be there 10 slices earlier).
        let whole_day = earlier.first()?.start <= today.start(0)? - DAY_SECS;
        let covers =
            whole_day && rows.first()?.start <= from + margin && rows.last()?.start >= to - margin;
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
        let curve = DayCurve::fit(&points, DAY_SECS as f64 / self.slice, floor)?;
        let timed: Vec<(f64, f64)> = reference
            .iter()
            .filter_map(|&(row, x)| Some((self.time(today.start(row)?), x)))
            .collect();
        if !curve.agrees(&timed) {
            return None;
        }
        let count = timed.len().max(1) as f64;
        let mean = timed.iter().map(|p| curve.at(p.0)).sum::<f64>() / count;
        let mut centre = [0.0; 4];
        for p in &timed {
            for (c, r) in centre.iter_mut().zip(curve.regressors(p.0)) {
                *c += r / count;
            }
        }
        let from = reference.first()?.0;
        let (offsets, differences): (Vec<f64>, Vec<[f64; 4]>) = (from..today.rows())
            .map(|row| match today.start(row) {
                Some(start) => {
                    let t = self.time(start);
                    let mut d = curve.regressors(t);
                    for (d, c) in d.iter_mut().zip(centre) {
                        *d -= c;
                    }
                    (curve.at(t) - mean, d)
                }
                None => (0.0, [0.0; 4]),
            })
            .unzip();
        let errors = differences.iter().map(|d| curve.error(d)).collect();
        Some(Shape {
            from,
            offsets,
            errors,
            parts: vec![Part {
                weight: 1.0,
                from,
                differences,
                curve,
            }],
        })
    }
}

/// A function's shape of the day at today's rows from `from` on: what is subtracted from each
/// share, 0 on average over its reference rows, and 0 without one; with its standard error
/// (its curves', from their coefficients' covariance: [`DayCurve::error`]).
#[derive(Debug, Clone, Default)]
pub(super) struct Shape {
    from: usize,
    offsets: Vec<f64>,
    /// The standard error of each row's offset.
    errors: Vec<f64>,
    /// The curves it is made of: its own, or those of the functions that swing
    /// ([`Shape::given_up`]).
    parts: Vec<Part>,
}

/// One curve of a shape, times `weight`.
#[derive(Debug, Clone)]
struct Part {
    weight: f64,
    from: usize,
    /// The curve's regressors at each row from `from` on less their mean over the reference
    /// rows.
    differences: Vec<[f64; 4]>,
    curve: DayCurve,
}

impl Part {
    /// The standard error of the part's mean over `rows`.
    fn error_of_mean(&self, rows: &[usize]) -> f64 {
        let mut d = [0.0; 4];
        let n = rows.len().max(1) as f64;
        for &row in rows {
            let Some(r) = row
                .checked_sub(self.from)
                .and_then(|i| self.differences.get(i))
            else {
                continue;
            };
            for (d, r) in d.iter_mut().zip(r) {
                *d += r / n;
            }
        }
        self.weight.abs() * self.curve.error(&d)
    }
}

impl Shape {
    /// A shape of these `offsets` from row `from` on, without errors (for tests).
    #[cfg(test)]
    pub(super) fn of_offsets(from: usize, offsets: Vec<f64>) -> Shape {
        Shape {
            from,
            errors: vec![0.0; offsets.len()],
            offsets,
            parts: Vec::new(),
        }
    }

    /// The shape at row `row`.
    pub(super) fn at(&self, row: usize) -> f64 {
        row.checked_sub(self.from)
            .and_then(|i| self.offsets.get(i))
            .copied()
            .unwrap_or(0.0)
    }

    /// The standard error of the shape at row `row` (0 without one).
    pub(super) fn error_at(&self, row: usize) -> f64 {
        row.checked_sub(self.from)
            .and_then(|i| self.errors.get(i))
            .copied()
            .unwrap_or(0.0)
    }

    /// The standard error of the shape's mean over `rows` (0 without one): a curve's errors at
    /// neighbouring rows go together, so about their mean, not that over √n; those of
    /// different curves (different functions) do not.
    pub(super) fn error_of_mean(&self, rows: &[usize]) -> f64 {
        self.parts
            .iter()
            .map(|p| p.error_of_mean(rows).powi(2))
            .sum::<f64>()
            .sqrt()
    }

    /// This shape times `factor` (a function's level times [`Shape::given_up`] at level 1).
    pub(super) fn scaled(&self, factor: f64) -> Shape {
        Shape {
            from: self.from,
            offsets: self.offsets.iter().map(|o| o * factor).collect(),
            errors: self.errors.iter().map(|e| e * factor.abs()).collect(),
            parts: self
                .parts
                .iter()
                .map(|p| Part {
                    weight: p.weight * factor,
                    ..p.clone()
                })
                .collect(),
        }
    }

    /// The shape of a function without its own, at `level` (its reference's share), in a
    /// series whose functions of level `swinging` (their sum) have the shapes `shapes`: what
    /// they take of the whole it gives up in proportion to its share, −level·Σ shape/(1 −
    /// swinging) at each row through `rows`. None without any.
    pub(super) fn given_up(
        shapes: &[&Shape],
        level: f64,
        swinging: f64,
        rows: usize,
    ) -> Option<Self> {
        let from = shapes.iter().map(|s| s.from).min()?;
        let weight = -level / (1.0 - swinging).max(0.05);
        let parts: Vec<Part> = shapes
            .iter()
            .flat_map(|s| s.parts.iter())
            .map(|p| Part {
                weight: p.weight * weight,
                ..p.clone()
            })
            .collect();
        let offsets = (from..rows)
            .map(|row| weight * shapes.iter().map(|s| s.at(row)).sum::<f64>())
            .collect();
        let errors = (from..rows)
            .map(|row| {
                shapes
                    .iter()
                    .map(|s| (weight * s.error_at(row)).powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .collect();
        Some(Shape {
            from,
            offsets,
            errors,
            parts,
        })
    }
}

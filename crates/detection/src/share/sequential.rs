//! The sequential test of one series (docs/regressions.md, "A sequential test"): each function's
//! reference window and watched slices laid out on the series' rows, its CUSUM at the newest
//! slice, the step it reports, and the new suspicions of a call.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use pf_model::trend::SliceSummary;

use super::cusum::{
    cusum, median, pooled_rho, step_beside_curve, step_beyond_trend, step_start, Reference,
    RhoPart, Winsorized,
};
use super::index::SeriesIndex;
use super::two_windows::{windows, Measured};
use super::yesterday::{Shape, Yesterday};
use crate::model::{Change, DetectorSettings, Finding};

/// The rows of a call: the reference window, then the watched rows through the newest.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Layout {
    pub(super) reference: Range<usize>,
    pub(super) watched: Range<usize>,
}

impl Layout {
    /// The last `watched_slices` rows after the `reference_slices` before them; a history too
    /// short for both (a new series, a start-up backfill) keeps `before_slices()` rows of
    /// reference at least, watching fewer rows. None without
    /// that and one watched row.
    pub(super) fn of(rows: usize, settings: &DetectorSettings) -> Option<Self> {
        let least = settings.before_slices().max(4);
        let start = rows.saturating_sub(settings.watched_slices).max(least);
        let reference = start.saturating_sub(settings.reference_slices)..start;
        (start < rows).then_some(Layout {
            reference,
            watched: start..rows,
        })
    }
}

/// Where a reference's level moves, a step must stand out beside a smooth curve (a quadratic
/// through the reference and the watched rows) by this many standard errors: a daily swing's
/// trough bends more than a quadratic, and its ±30 % is as much as the steps sought.
const GUARD_Z: f64 = 4.0;

/// The shape of the day is taken this many of its standard errors (`Shape::error_at`) higher
/// where a step is sought: a curve fitted to yesterday is itself off by about that much, and a
/// function pays for its shape's error only where it has one (on the daily model it took 5 of
/// the 18 false confirmations per 1 000 series-days, all of functions with a shape; 2 took
/// no more, nor did a lower bar for the curve, 2.5 for `DAY_T`).
const CURVE_Z: f64 = 1.0;

/// One function's test at the newest row.
#[derive(Debug, Clone)]
pub(super) struct Watched {
    /// Sₙ: the CUSUM of its standardized innovations over the watched rows.
    pub(super) statistic: f64,
    /// The row its step most likely began at (None: no watched row above its level).
    pub(super) change: Option<usize>,
    /// The mean of the step's shares less the reference's level (a fraction); where the level
    /// moves, at most the step beside a curve, and 0 when that step is not `GUARD_Z` standard
    /// errors clear (`watch`).
    pub(super) excess: f64,
    /// The reference's level (a fraction) when it is still (not `Reference::moving`).
    pub(super) still: Option<f64>,
    /// The shape of the day (`Yesterday::shape`) over the step's rows, on average, and
    /// `CURVE_Z` of its standard error: where the level it is measured from is, raw, in those
    /// hours (0 without a shape).
    pub(super) shift: f64,
}

impl Watched {
    /// What a step's size is measured from, in percent: the reference's level where it is still
    /// (96 slices estimate it better than the step's before window of 24) with the day's shape
    /// over the step's rows, else the before window's share (the finding's before%).
    pub(super) fn baseline(&self, step: &Step) -> f64 {
        self.still.map_or(step.finding.before_percent, |level| {
            100.0 * (level + self.shift)
        })
    }

    /// Whether the step is also big enough against the reference's level
    /// (`DetectorSettings::threshold` of its before%) and, where that level moves, beside a
    /// curve through it: a level that climbs (a daily swing) leaves its before window behind,
    /// not a curve.
    pub(super) fn beyond_trend(&self, before_percent: f64, settings: &DetectorSettings) -> bool {
        100.0 * self.excess >= settings.threshold(before_percent)
    }
}

/// The share of row `row` of `selfs`; None for a row with no samples or a deploy's mixed row
/// (neither before nor after a deploy: docs/regressions.md, "Empty and doubled slices").
pub(super) fn share(index: &SeriesIndex<'_>, selfs: &[u64], row: usize) -> Option<f64> {
    let total = index.total(row)?;
    let count = *selfs.get(row)?;
    (total > 0 && !index.mixed(row)).then(|| count as f64 / total as f64)
}

/// One function's reference rows at a call: (row, share) in row order less the shape of its
/// day, the sampling noise of its pooled share alone (a binomial share of the mean slice's
/// total: the floor of its scale), the shares winsorized, and the shape.
pub(super) struct ReferenceRows {
    points: Vec<(f64, f64)>,
    floor: f64,
    winsorized: Winsorized,
    shape: Shape,
}

/// One function's reference rows at a call before its shape: (row, share) in row order, their
/// pooled share, and the sampling noise of that share alone (a binomial share of the mean
/// slice's total: the floor of its scale).
struct RawRows {
    rows: Vec<(usize, f64)>,
    pooled: f64,
    floor: f64,
}

impl RawRows {
    /// The reference rows of the function whose self samples per row are `selfs`.
    fn read(index: &SeriesIndex<'_>, selfs: &[u64], layout: &Layout) -> Self {
        let rows: Vec<(usize, f64)> = layout
            .reference
            .clone()
            .filter_map(|row| Some((row, share(index, selfs, row)?)))
            .collect();
        let totals: u64 = rows.iter().filter_map(|&(row, _)| index.total(row)).sum();
        let count = rows.len().max(1) as f64;
        let pooled = rows.iter().map(|p| p.1).sum::<f64>() / count;
        let mean_total = totals as f64 / count;
        let floor = (pooled * (1.0 - pooled) / mean_total.max(1.0))
            .sqrt()
            .max(1e-6);
        RawRows {
            rows,
            pooled,
            floor,
        }
    }
}

/// What the functions of a series that swing (their own shapes, `Yesterday::shape`) take of the
/// whole: the shape a function without its own gives up per unit of its level
/// ([`Shape::given_up`] at level 1), made once a call.
#[derive(Default)]
struct Swinging {
    per_level: Option<Shape>,
}

impl Swinging {
    /// What the functions of levels summing to `level` and shapes `shapes` take, in a series of
    /// `rows` rows.
    fn of(shapes: &[&Shape], level: f64, rows: usize) -> Self {
        Swinging {
            per_level: Shape::given_up(shapes, 1.0, level, rows),
        }
    }

    /// The shape of a function without its own, at `level`.
    fn given_up(&self, level: f64) -> Option<Shape> {
        self.per_level.as_ref().map(|shape| shape.scaled(level))
    }
}

impl ReferenceRows {
    /// The reference rows `raw` less `shape`, winsorized.
    fn of(raw: RawRows, shape: Shape) -> Self {
        let points: Vec<(f64, f64)> = raw
            .rows
            .iter()
            .map(|&(row, x)| (row as f64, x - shape.at(row)))
            .collect();
        let shares: Vec<f64> = points.iter().map(|p| p.1).collect();
        let winsorized = Winsorized::of(&shares, raw.floor);
        ReferenceRows {
            points,
            floor: raw.floor,
            winsorized,
            shape,
        }
    }

    /// The reference rows of function `name`, whose self samples per row are `selfs`, less the
    /// shape of its day: its own where `yesterday` shows one, else what the functions that
    /// swing take of it.
    fn read(
        index: &SeriesIndex<'_>,
        name: &str,
        selfs: &[u64],
        layout: &Layout,
        yesterday: Option<&Yesterday<'_>>,
        swinging: &Swinging,
    ) -> Self {
        let raw = RawRows::read(index, selfs, layout);
        let shape = yesterday
            .and_then(|y| y.shape(name, index, &raw.rows, raw.floor))
            .or_else(|| swinging.given_up(raw.pooled))
            .unwrap_or_default();
        ReferenceRows::of(raw, shape)
    }
}

/// What a call reads of a series before it tests a function: the reference rows of the
/// functions of the newest summary, each read and winsorized once, the correlation they
/// are all whitened by ([`pooled_rho`]), and yesterday's same hours.
#[derive(Default)]
pub(super) struct SeriesReference<'h> {
    rows: HashMap<&'h str, ReferenceRows>,
    rho: f64,
    yesterday: Option<Yesterday<'h>>,
    swinging: Swinging,
}

impl<'h> SeriesReference<'h> {
    /// The reference of the series whose newest summary is `newest`, with `yesterday`'s hours.
    pub(super) fn of(
        index: &SeriesIndex<'_>,
        newest: &'h SliceSummary,
        layout: &Layout,
        yesterday: Option<Yesterday<'h>>,
    ) -> Self {
        // Each function's own shape first: those without one give up what the others take.
        let mut read: Vec<(&'h str, RawRows, Option<Shape>)> =
            Vec::with_capacity(newest.functions.len());
        let mut seen = HashSet::with_capacity(newest.functions.len());
        for name in newest.functions.iter().map(|f| f.name.as_str()) {
            if seen.insert(name) {
                let raw = RawRows::read(index, index.selfs(index.column(name)), layout);
                let own = yesterday
                    .as_ref()
                    .and_then(|y| y.shape(name, index, &raw.rows, raw.floor));
                read.push((name, raw, own));
            }
        }
        let shapes: Vec<&Shape> = read.iter().filter_map(|r| r.2.as_ref()).collect();
        let level = read
            .iter()
            .filter(|r| r.2.is_some())
            .map(|r| r.1.pooled)
            .sum();
        let swinging = Swinging::of(&shapes, level, index.rows());
        // The parts in the summary's order, so that the pooled sum is the same at every call.
        let mut rows = HashMap::with_capacity(read.len());
        let mut parts: Vec<RhoPart> = Vec::with_capacity(read.len());
        for (name, raw, own) in read {
            let shape = own
                .or_else(|| swinging.given_up(raw.pooled))
                .unwrap_or_default();
            let rows_read = ReferenceRows::of(raw, shape);
            parts.extend(RhoPart::of(&rows_read.winsorized, rows_read.floor));
            rows.insert(name, rows_read);
        }
        let rho = pooled_rho(&parts);
        SeriesReference {
            rows,
            rho,
            yesterday,
            swinging,
        }
    }

    /// The test of function `name`, whose self samples per row are `selfs`: from the rows read
    /// once, or read now for a function the newest summary no longer names.
    pub(super) fn watch(
        &self,
        index: &SeriesIndex<'_>,
        name: &str,
        selfs: &[u64],
        layout: &Layout,
        settings: &DetectorSettings,
    ) -> Option<Watched> {
        match self.rows.get(name) {
            Some(rows) => watch(index, selfs, layout, rows, self.rho, settings),
            None => {
                let rows = ReferenceRows::read(
                    index,
                    name,
                    selfs,
                    layout,
                    self.yesterday.as_ref(),
                    &self.swinging,
                );
                watch(index, selfs, layout, &rows, self.rho, settings)
            }
        }
    }
}

/// The test of the function whose self samples per row are `selfs` and whose reference rows
/// are `rows`, whitened by the series' correlation `rho`.
fn watch(
    index: &SeriesIndex<'_>,
    selfs: &[u64],
    layout: &Layout,
    rows: &ReferenceRows,
    rho: f64,
    settings: &DetectorSettings,
) -> Option<Watched> {
    let ReferenceRows {
        points,
        floor,
        winsorized,
        shape,
    } = rows;
    let floor = *floor;
    let reference = Reference::estimate(points, winsorized, floor, rho)?;
    let spread = Spread::of(reference.level, shape, points);
    let mut previous = points.last().map_or(reference.level, |p| p.1);
    let mut rows = Vec::with_capacity(layout.watched.len());
    let mut scores = Vec::with_capacity(layout.watched.len());
    let mut residuals = Vec::with_capacity(layout.watched.len());
    for row in layout.watched.clone() {
        // Less the shape and `CURVE_Z` of its standard errors: the curve is an estimate, and
        // what it may be off by is not taken for a step.
        let Some(x) =
            share(index, selfs, row).map(|x| x - shape.at(row) - CURVE_Z * shape.error_at(row))
        else {
            continue;
        };
        scores.push(reference.score(x, previous, spread.at(row)));
        residuals.push(x - reference.level);
        rows.push(row);
        previous = x;
    }
    let (statistic, _) = cusum(&scores, settings.cusum_drift);
    let start = step_start(&residuals, 0);
    // How far the step's rows are above the reference's level, on average; where the level
    // moves, no further than the step stands out beside a curve through the reference and the
    // watched rows, and nothing unless it stands out by `GUARD_Z` standard errors.
    let above = start.map(|i| residuals[i..].iter().sum::<f64>() / (residuals.len() - i) as f64);
    let excess = match (above, start.and_then(|i| rows.get(i))) {
        (Some(above), Some(&first)) if reference.moving => {
            let mut all = points.clone();
            all.extend(
                rows.iter()
                    .zip(&residuals)
                    .map(|(&row, r)| (row as f64, r + reference.level)),
            );
            match step_beside_curve(&all, first as f64, floor) {
                Some((delta, error)) if delta >= GUARD_Z * error => above.min(delta),
                _ => 0.0,
            }
        }
        // A still level: the step's windows (`Step::big_enough`) measure it.
        _ => f64::INFINITY,
    };
    // A step right after a deploy's mixed row (left out above) began at that row: the windows
    // cut there leave it out of both (`two_windows::windows`).
    let change =
        start
            .and_then(|i| rows.get(i).copied())
            .map(|row| match row > 0 && index.mixed(row - 1) {
                true => row - 1,
                false => row,
            });
    let shift = start.map_or(0.0, |i| {
        let after = rows.get(i..).unwrap_or_default();
        after.iter().map(|&row| shape.at(row)).sum::<f64>() / after.len().max(1) as f64
            + CURVE_Z * shape.error_of_mean(after)
    });
    Some(Watched {
        statistic,
        change,
        excess,
        still: (!reference.moving).then_some(reference.level),
        shift,
    })
}

/// How a function's deviation follows its level through the day. A share's noise grows with
/// it: as v = p·(1 − p) for a mix that varies by a factor (the stub's), as √v for sampling
/// alone (where the larger v errs to a higher bar at the crest), so where the
/// shape of the day moves the level, the reference's deviation (estimated over the whole of
/// it, crest and trough) is too small at the crest: on the daily model that was where its
/// last false confirmations were, +4.6 points at a crest of 30 % (docs/performance.md).
/// A slice's deviation is the reference's times v(μ + shape)/v̄, v̄ the root mean square of v
/// over the reference rows; 1 without a shape.
pub(super) struct Spread<'s> {
    level: f64,
    shape: &'s Shape,
    /// v̄.
    typical: f64,
}

impl<'s> Spread<'s> {
    /// The spread of a function at reference `level` with `shape`, over its reference
    /// `points` (row, share).
    pub(super) fn of(level: f64, shape: &'s Shape, points: &[(f64, f64)]) -> Self {
        let count = points.len().max(1) as f64;
        let square: f64 = points
            .iter()
            .map(|p| v(level + shape.at(p.0 as usize)).powi(2))
            .sum();
        Spread {
            level,
            shape,
            typical: (square / count).sqrt(),
        }
    }

    /// The deviation at row `row` over the reference's, within [½, 2].
    pub(super) fn at(&self, row: usize) -> f64 {
        if self.typical <= 0.0 {
            return 1.0;
        }
        (v(self.level + self.shape.at(row)) / self.typical).clamp(0.5, 2.0)
    }
}

/// v = p·(1 − p) of a share `p`, taken within (0, 1).
fn v(p: f64) -> f64 {
    let p = p.clamp(1e-4, 1.0 - 1e-4);
    p * (1.0 - p)
}

/// What a call reports of a step found at `change`: the finding of the `before_slices()` rows
/// before it (fewer in a shorter history) against its rows through the newest
/// (docs/api.md#how-sure-is-a-diff), with the windows: what the function was just before it
/// changed.
pub(super) struct Step {
    pub(super) windows: (Range<usize>, Range<usize>),
    pub(super) measured: Measured,
    pub(super) finding: Finding,
}

impl Step {
    /// The step of `function` at row `change`; None when a window has under 2 rows.
    pub(super) fn at(
        index: &SeriesIndex<'_>,
        function: &str,
        selfs: &[u64],
        change: usize,
        settings: &DetectorSettings,
    ) -> Option<Self> {
        let rows = index.rows();
        let before = change.min(settings.before_slices());
        let windows = windows(index, change, before, rows)?;
        let measured = Measured::of(index, selfs, windows.clone())?;
        let finding = measured.finding(function, index.start(change)?)?;
        Some(Step {
            windows,
            measured,
            finding,
        })
    }

    /// Whether the step is big enough from `baseline` (percent: `Watched::baseline`), its
    /// after window's share and its share without its bursts (`without_bursts`;
    /// `DetectorSettings::big_enough`), and a step: over the before and after rows together,
    /// a jump at the change point beyond one slope through both keeps at least half the
    /// difference of their means (`step_beyond_trend`). A level that climbs (a daily swing, a
    /// slow drift, a wander) is a slope, and not a step.
    pub(super) fn big_enough(
        &self,
        index: &SeriesIndex<'_>,
        selfs: &[u64],
        settings: &DetectorSettings,
        baseline: f64,
    ) -> bool {
        if !settings.big_enough(baseline, 100.0 * self.measured.after.share) {
            return false;
        }
        let (before, after) = &self.windows;
        let afters: Vec<f64> = after
            .clone()
            .filter_map(|row| share(index, selfs, row))
            .collect();
        let calm = without_bursts(afters);
        let calm_percent = 100.0 * calm.iter().sum::<f64>() / calm.len().max(1) as f64;
        if calm.is_empty() || !settings.big_enough(baseline, calm_percent) {
            return false;
        }
        let points: Vec<(f64, f64, bool)> = before
            .clone()
            .chain(after.clone())
            .filter_map(|row| Some((row as f64, share(index, selfs, row)?, row >= after.start)))
            .collect();
        step_beyond_trend(&points)
    }

    /// Whether the median share of the last `confirm_slices` rows is still above `baseline` +
    /// threshold/2 (percent: `Watched::baseline`): the resolution's bar (docs/regressions.md),
    /// so that nothing that would resolve at once is suspected or confirmed (a median: one
    /// burst among them is not enough).
    pub(super) fn holds_now(
        &self,
        index: &SeriesIndex<'_>,
        selfs: &[u64],
        settings: &DetectorSettings,
        baseline: f64,
    ) -> bool {
        let rows = index.rows();
        let last: Vec<f64> = (rows.saturating_sub(settings.confirm_slices.max(1))..rows)
            .filter_map(|row| share(index, selfs, row))
            .collect();
        if last.is_empty() {
            return false;
        }
        100.0 * median(&last) > baseline + settings.threshold(baseline) / 2.0
    }
}

/// A slice at least this many times the median of its window is a burst of its own: a burst
/// triples a function's work (SPEC §36), which takes a share p to 3p/(1 + 2p), over 1.5 times
/// p below p = ½, while the stub's noise puts a slice that far up about once in 700 (log 1.5 =
/// 0.41 over a slice's σ of 0.3/√5 = 0.13: 3σ).
const BURST: f64 = 1.5;

/// `shares` without every burst of its own (`BURST` times their median or more): one or two
/// bursts in a step's after rows (slices where the function did three times its work) are not
/// a step.
pub(super) fn without_bursts(mut shares: Vec<f64>) -> Vec<f64> {
    let bar = BURST * median(&shares);
    shares.retain(|share| *share < bar);
    shares
}

/// The new suspicions of a call, by function name: each function of the newest summary without
/// an open event whose CUSUM reached half the threshold, with a step big enough that holds now.
pub(super) fn suspicions(
    index: &SeriesIndex<'_>,
    newest: &SliceSummary,
    blocked: &HashSet<&str>,
    series: &SeriesReference<'_>,
    settings: &DetectorSettings,
) -> Vec<Change> {
    let Some(layout) = Layout::of(index.rows(), settings) else {
        return Vec::new();
    };
    let mut seen = HashSet::with_capacity(newest.functions.len());
    let mut changes: Vec<(&str, Change)> = newest
        .functions
        .iter()
        .map(|f| f.name.as_str())
        .filter(|name| seen.insert(*name) && !blocked.contains(name))
        .filter_map(|name| {
            let selfs = index.selfs(index.column(name));
            let watched = series.watch(index, name, selfs, &layout, settings)?;
            if watched.statistic < settings.suspicion() {
                return None;
            }
            let step = Step::at(index, name, selfs, watched.change?, settings)?;
            if !step.big_enough(index, selfs, settings, watched.baseline(&step))
                || !watched.beyond_trend(step.finding.before_percent, settings)
                || !step.holds_now(index, selfs, settings, watched.baseline(&step))
            {
                return None;
            }
            let change = Change::Suspected {
                suspected_at: newest.start,
                first_recent: step.finding.changed_at,
                finding: step.finding,
            };
            Some((name, change))
        })
        .collect();
    changes.sort_by(|a, b| a.0.cmp(b.0));
    changes.into_iter().map(|(_, change)| change).collect()
}

//! The statistics of the sequential test (docs/regressions.md, "A sequential test"), pure: a
//! reference window's level and noise estimated robustly from the series itself, the lag-one
//! correlation pooled over the series' functions, whether its level moves (a quadratic's slope
//! or bend), the watched slices standardized by them, Page's upward CUSUM with where its run began, the step's change point
//! and the step beside a smooth curve. Inputs are plain slices of shares (fractions).

/// Winsorizing bound of the reference, in robust standard deviations from its median.
const WINSOR: f64 = 3.0;
/// Each standardized score is clipped to ±this: one slice (a burst, a doubled profile) moves
/// the CUSUM by at most `CLIP − k`, so that two bursts of one function in its watched slices
/// (one slice in 50 doing ×3) do not make a threshold of 8 between them. A +5-point step in a
/// 20 % function scores about 2 a slice, below it; a +10-point one, clipped, still climbs 2 a
/// slice.
pub(super) const CLIP: f64 = 3.0;
/// The lag-one correlation used is clamped to [RHO_MIN, RHO_MAX] (ρ near 1 would whiten a step
/// away), and taken as 0 unless |ρ| > 2/√n: a reference of n slices estimates ρ to about ±1/√n,
/// and whitening by a ρ that is only noise costs a step up to that share of its size.
const RHO_MIN: f64 = -0.3;
const RHO_MAX: f64 = 0.9;
/// Median absolute deviation to σ for the normal: 1/Φ⁻¹(3/4).
const MAD_TO_SD: f64 = 1.482_602_218_505_602;

/// What a reference window says of one function's share: its level, the lag-one correlation
/// of its wobble, the standard deviation of what is new in each slice (the innovation), and
/// whether the level moves (a slope or a bend over hours: a daily swing).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Reference {
    /// μ: the mean of the shares winsorized at median ± 3 robust σ.
    pub(super) level: f64,
    /// ρ: the series' correlation its residuals are whitened by ([`pooled_rho`]).
    pub(super) rho: f64,
    /// σₑ: the standard deviation of the innovations eᵢ = rᵢ − ρ·rᵢ₋₁ of the winsorized
    /// residuals rᵢ = xᵢ − μ, at least `floor`.
    pub(super) scale: f64,
    /// Whether a quadratic through the reference has a slope or a bend beyond `MOVING_T` of its
    /// standard error ([`bend_t`]): then a step must also stand out beside a curve
    /// ([`step_beside_curve`]).
    pub(super) moving: bool,
}

/// A reference's level moves when the slope or the bend of a quadratic through it is beyond
/// this many standard errors (their long-run deviation: a wobble's slow swings are not taken for
/// a trend). A step where the level moves must stand `GUARD_Z` standard errors clear of a curve,
/// which a +5-point step in a 20 % function often is not after an hour: at 2 (until the twelfth
/// session, to catch a daily swing's trough, where the slope is nil and the bend small) about 1
/// still reference in 10 was taken for moving, and in a trace of 400 of the stub's +5 steps 10
/// of the 62 not confirmed within an hour failed that guard at some call. Yesterday's shape is
/// taken off first since the ninth session, so the swing no longer needs the low bar: at 3 the
/// daily model stays under 1 false confirmation per 1 000 series-days (docs/performance.md).
const MOVING_T: f64 = 3.0;
/// A positive correlation is taken this many of its standard errors (1/√n) above its estimate:
/// whitening by too small a ρ (a wandering mix's ρ̂ from 96 slices is ±0.07) leaves the sums
/// the CUSUM adds up with more variance than it assumes ((1 − ρ̂)/(1 − ρ) in sd), so the upper
/// end of its 99.9 % one-sided interval.
const RHO_MARGIN: f64 = 3.0;

/// The median of `values` (not empty; NaN when empty), by selection on a copy: O(n).
pub(super) fn median(values: &[f64]) -> f64 {
    let mut copy = values.to_vec();
    let n = copy.len();
    if n == 0 {
        return f64::NAN;
    }
    let (below, &mut middle, _) = copy.select_nth_unstable_by(n / 2, f64::total_cmp);
    match n % 2 {
        1 => middle,
        // The lower middle is the largest of the half below.
        _ => 0.5 * (below.iter().copied().fold(f64::NEG_INFINITY, f64::max) + middle),
    }
}

/// MAD·1.4826: the median absolute deviation from `center`, scaled to σ for the normal.
pub(super) fn mad_sd(values: &[f64], center: f64) -> f64 {
    let deviations: Vec<f64> = values.iter().map(|v| (v - center).abs()).collect();
    MAD_TO_SD * median(&deviations)
}

/// ρ = Σ rᵢ·rᵢ₋₁ / Σ rᵢ²: the lag-one autocorrelation of residuals `r`; 0 when they are all 0.
pub(super) fn lag_one_autocorrelation(r: &[f64]) -> f64 {
    let energy: f64 = r.iter().map(|x| x * x).sum();
    if energy <= 0.0 {
        return 0.0;
    }
    let lagged: f64 = r.windows(2).map(|w| w[0] * w[1]).sum();
    lagged / energy
}

/// The correlation a test whitens by, from an estimate `rho` worth `n` slices (its standard
/// error about 1/√n): 0 unless it is beyond 2/√n; a positive one at the upper end of its
/// interval (`RHO_MARGIN`); clamped to [RHO_MIN, RHO_MAX].
pub(super) fn whitening(rho: f64, n: f64) -> f64 {
    let bar = 1.0 / n.max(1.0).sqrt();
    match rho / bar {
        z if z > 2.0 => rho + RHO_MARGIN * bar,
        z if z < -2.0 => rho,
        _ => 0.0,
    }
    .clamp(RHO_MIN, RHO_MAX)
}

/// ρ̂ of residuals `r` (the raw lag-one autocorrelation), 0 when they are rounding alone
/// (a constant share has no correlation to speak of).
fn raw_rho(r: &[f64], floor: f64) -> f64 {
    let n = r.len().max(1);
    let energy: f64 = r.iter().map(|x| x * x).sum::<f64>() / n as f64;
    match energy.sqrt() > 1e-6 * floor {
        true => lag_one_autocorrelation(r),
        false => 0.0,
    }
}

/// σₑ: the deviation of the innovations rᵢ − ρ·rᵢ₋₁ of residuals `r` with `spent` degrees of
/// freedom spent on their fit, at least `floor`.
fn innovation_scale(r: &[f64], rho: f64, spent: usize, floor: f64) -> f64 {
    let innovations: f64 = r.windows(2).map(|w| (w[1] - rho * w[0]).powi(2)).sum();
    // n − 1 innovations, the fit's degrees of freedom spent (ρ's is not worth a slice).
    let free = r.len().saturating_sub(1).saturating_sub(spent).max(1);
    (innovations / free as f64).sqrt().max(floor)
}

/// (ρ, σₑ) of residuals `r` with `spent` degrees of freedom spent on their fit, σₑ at least
/// `floor`: the correlation as [`whitening`] takes it, the innovations' deviation.
fn wobble(r: &[f64], spent: usize, floor: f64) -> (f64, f64) {
    let rho = whitening(raw_rho(r, floor), r.len() as f64);
    (rho, innovation_scale(r, rho, spent, floor))
}

/// What a reference window's shares are once winsorized: the level and the residuals. Made once
/// a call for each function: the series' correlation ([`RhoPart`]) and the function's own
/// test ([`Reference`]) both read it.
pub(super) struct Winsorized {
    level: f64,
    clipped: Vec<f64>,
}

impl Winsorized {
    /// `shares` clipped at median ± `WINSOR` robust σ (σ at least `floor`), and their mean.
    pub(super) fn of(shares: &[f64], floor: f64) -> Self {
        let middle = median(shares);
        let spread = mad_sd(shares, middle).max(floor);
        let (low, high) = (middle - WINSOR * spread, middle + WINSOR * spread);
        let clipped: Vec<f64> = shares.iter().map(|x| x.clamp(low, high)).collect();
        let level = clipped.iter().sum::<f64>() / shares.len().max(1) as f64;
        Winsorized { level, clipped }
    }

    fn residuals(&self) -> Vec<f64> {
        self.clipped.iter().map(|x| x - self.level).collect()
    }
}

/// One function's part of a series' pooled correlation ([`pooled_rho`]): its raw ρ̂, the
/// slices it is from, and its weight (its level: the larger functions are the ones watched).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct RhoPart {
    pub(super) rho: f64,
    pub(super) slices: usize,
    pub(super) weight: f64,
}

impl RhoPart {
    /// The part of a reference's shares winsorized (`w`, in row order, at least 4), `floor` the
    /// sampling noise.
    pub(super) fn of(w: &Winsorized, floor: f64) -> Option<Self> {
        if w.clipped.len() < 4 {
            return None;
        }
        Some(RhoPart {
            rho: raw_rho(&w.residuals(), floor),
            slices: w.clipped.len(),
            weight: w.level.max(0.0),
        })
    }
}

/// The correlation every function of a series is whitened by: the weighted mean of its
/// functions' ρ̂ (`parts`), taken as [`whitening`] says with the precision of all their slices
/// (n·F_eff, F_eff = (Σw)²/Σw²). One series' functions share the workload that makes their
/// shares wobble together over time, and one function's 96 slices estimate ρ to ±0.1 only: a
/// noise ρ̂ of 0.25 on a series without any correlation, taken at its upper end (0.56), whitened
/// a step away (its innovation (1 − ρ)·δ below the drift k), in 1 function of 40.
pub(super) fn pooled_rho(parts: &[RhoPart]) -> f64 {
    let total: f64 = parts.iter().map(|p| p.weight).sum();
    let squares: f64 = parts.iter().map(|p| p.weight * p.weight).sum();
    if total <= 0.0 || squares <= 0.0 {
        return 0.0;
    }
    let rho = parts.iter().map(|p| p.weight * p.rho).sum::<f64>() / total;
    let slices = parts
        .iter()
        .map(|p| p.weight * p.slices as f64)
        .sum::<f64>()
        / total;
    whitening(rho, slices * total * total / squares)
}

impl Reference {
    /// The reference of `points` (row, share) in row order, at least 4, winsorized as `w`, its
    /// scale at least `floor` (the sampling noise alone), whitened by `rho` (the series'
    /// [`pooled_rho`]); None with fewer than 4.
    pub(super) fn estimate(
        points: &[(f64, f64)],
        w: &Winsorized,
        floor: f64,
        rho: f64,
    ) -> Option<Self> {
        let n = points.len();
        if n < 4 {
            return None;
        }
        let scale = innovation_scale(&w.residuals(), rho, 1, floor);
        // Too few slices for a curve and its residuals to say anything: taken as still.
        let winsorized: Vec<(f64, f64)> = points
            .iter()
            .map(|p| p.0)
            .zip(w.clipped.iter().copied())
            .collect();
        let moving = n >= 16 && bend_t(&winsorized, floor) > MOVING_T;
        Some(Reference {
            level: w.level,
            rho,
            scale,
            moving,
        })
    }

    /// zᵢ = clip(((xᵢ − μ) − ρ·(xᵢ₋₁ − μ)) / (σₑ·s), ±CLIP): the standardized innovation of
    /// share `x` after share `previous`, where the deviation is `spread` (s) times the
    /// reference's (`sequential::Spread`: 1 without a shape of the day).
    pub(super) fn score(&self, x: f64, previous: f64, spread: f64) -> f64 {
        let innovation = (x - self.level) - self.rho * (previous - self.level);
        (innovation / (self.scale * spread)).clamp(-CLIP, CLIP)
    }
}

/// Solves the normal equations `a·β = b` (k ≤ 4 unknowns) by Gaussian elimination with
/// partial pivoting; None when singular.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let k = b.len();
    for col in 0..k {
        let pivot = (col..k).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (upper, lower) = a.split_at_mut(col + 1);
        let pivot_row = &upper[col];
        for (offset, target) in lower.iter_mut().enumerate() {
            let f = target[col] / pivot_row[col];
            for (t, p) in target.iter_mut().zip(pivot_row).skip(col) {
                *t -= f * p;
            }
            b[col + 1 + offset] -= f * b[col];
        }
    }
    let mut x = vec![0.0; k];
    for row in (0..k).rev() {
        let sum: f64 = (row + 1..k).map(|c| a[row][c] * x[c]).sum();
        x[row] = (b[row] - sum) / a[row][row];
    }
    Some(x)
}

/// A least-squares fit of K regressors: the coefficients, (XᵀX)⁻¹ and the residuals.
type Fit<const K: usize> = ([f64; K], [[f64; K]; K], Vec<f64>);

/// Least squares of `points` (row, share) on the regressors `of(row)` (K of them): the
/// coefficients, (XᵀX)⁻¹ (its diagonal at least 0) and the residuals in row order. None when
/// singular.
fn fit<const K: usize>(points: &[(f64, f64)], of: impl Fn(f64) -> [f64; K]) -> Option<Fit<K>> {
    let mut a = vec![vec![0.0; K]; K];
    let mut b = vec![0.0; K];
    for &(t, x) in points {
        let r = of(t);
        for i in 0..K {
            b[i] += r[i] * x;
            for j in 0..K {
                a[i][j] += r[i] * r[j];
            }
        }
    }
    let beta = solve(a.clone(), b)?;
    let mut inverse = [[0.0; K]; K];
    for (i, column) in inverse.iter_mut().enumerate() {
        let mut unit = vec![0.0; K];
        unit[i] = 1.0;
        column.copy_from_slice(&solve(a.clone(), unit)?);
        column[i] = column[i].max(0.0);
    }
    let residuals = points
        .iter()
        .map(|&(t, x)| x - of(t).iter().zip(&beta).map(|(r, c)| r * c).sum::<f64>())
        .collect();
    let mut coefficients = [0.0; K];
    coefficients.copy_from_slice(&beta);
    Some((coefficients, inverse, residuals))
}

/// u = (t − center)/width over `points`: the centered, scaled row.
fn scaled(points: &[(f64, f64)]) -> (f64, f64) {
    let n = points.len() as f64;
    let center = points.iter().map(|p| p.0).sum::<f64>() / n;
    let width = points
        .iter()
        .map(|p| (p.0 - center).abs())
        .fold(1.0, f64::max);
    (center, width)
}

/// The largest |t| of the slope and the bend of a quadratic a + b·u + c·u² through `points`,
/// their errors from the residuals' long-run deviation σₑ/(1 − ρ).
pub(super) fn bend_t(points: &[(f64, f64)], floor: f64) -> f64 {
    let (center, width) = scaled(points);
    let Some((beta, inverse, residuals)) = fit(points, |t| {
        let u = (t - center) / width;
        [1.0, u, u * u]
    }) else {
        return 0.0;
    };
    let (rho, scale) = wobble(&residuals, 3, floor);
    let long_run = scale / (1.0 - rho);
    let t = |i: usize| beta[i].abs() / (long_run * inverse[i][i].sqrt()).max(1e-12);
    t(1).max(t(2))
}

/// The step δ at row `cut` of `points` (row, share) fitted beside a smooth level a + b·u + c·u²,
/// with its standard error from the residuals' long-run deviation: (δ, se). A bend over hours
/// (a daily swing) goes into the curve; a step does not.
pub(super) fn step_beside_curve(points: &[(f64, f64)], cut: f64, floor: f64) -> Option<(f64, f64)> {
    let (center, width) = scaled(points);
    let (beta, inverse, residuals) = fit(points, |t| {
        let u = (t - center) / width;
        [1.0, u, u * u, if t >= cut { 1.0 } else { 0.0 }]
    })?;
    let (rho, scale) = wobble(&residuals, 4, floor);
    Some((beta[3], scale / (1.0 - rho) * inverse[3][3].sqrt()))
}

/// Yesterday's curve is a shape of the day when its trend or either harmonic term is beyond this
/// many standard errors (the residuals' long-run deviation): a curve fitted to noise alone,
/// subtracted from today, would add its error to every watched slice (at 3 a stable function of
/// the daily model was confirmed so in 300 series-days; the swing's trough still reaches 4).
const DAY_T: f64 = 4.0;
/// Nor when a step beside it, at its likeliest row, stands out by this many standard errors:
/// a change yesterday (a regression, or one fixed) does not come back at the same hour today,
/// and subtracting a fix would make today rise there. High, as the row is the best of many.
const DAY_STEP_Z: f64 = 4.5;
/// The fewest rows on each side of a step tried beside yesterday's curve.
const DAY_STEP_SIDE: usize = 4;

/// A level, a trend and one harmonic of the day, a + b·u + c·cos ωt + d·sin ωt (ω = 2π per
/// day), in time through one function's shares of yesterday's same hours (docs/regressions.md,
/// "The same hours of yesterday"): the shape of its day, which a quadratic through today's
/// reference alone does not follow (a daily swing's trough looks still from 8 hours, and over
/// the 20 hours of a long reference it bends more than a cubic does).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct DayCurve {
    center: f64,
    width: f64,
    /// ω: 2π over the day's length in slices.
    omega: f64,
    beta: [f64; 4],
    /// The coefficients' covariance: (XᵀX)⁻¹ times the residuals' long-run variance.
    covariance: [[f64; 4]; 4],
}

impl DayCurve {
    /// The curve of `points` (time in slices, share) in time order, `day` slices to a day,
    /// winsorized, its noise at least `floor`; None with under 16 points, when its shape is
    /// not significant (`DAY_T`), or when a step beside it is (`DAY_STEP_Z`).
    pub(super) fn fit(points: &[(f64, f64)], day: f64, floor: f64) -> Option<Self> {
        if points.len() < 16 {
            return None;
        }
        let shares: Vec<f64> = points.iter().map(|p| p.1).collect();
        let w = Winsorized::of(&shares, floor);
        let points: Vec<(f64, f64)> = points.iter().map(|p| p.0).zip(w.clipped).collect();
        let (center, width) = scaled(&points);
        let omega = std::f64::consts::TAU / day.max(1.0);
        let basis = |t: f64| Self::basis(t, center, width, omega);
        let (beta, inverse, residuals) = fit(&points, basis)?;
        let (rho, scale) = wobble(&residuals, 4, floor);
        let long_run = scale / (1.0 - rho);
        let t = |i: usize| beta[i].abs() / (long_run * inverse[i][i].sqrt()).max(1e-12);
        if (1..4).map(t).fold(0.0, f64::max) <= DAY_T {
            return None;
        }
        let covariance = inverse.map(|row| row.map(|v| v * long_run * long_run));
        // The likeliest step in the residuals, either way: the cut maximizing S²·n/(j·(n − j)),
        // S the sum of the residuals from row j on.
        let n = residuals.len();
        let last = n.saturating_sub(DAY_STEP_SIDE);
        let mut sum: f64 = residuals.get(last..).map_or(0.0, |r| r.iter().sum());
        let mut best: Option<(usize, f64)> = None;
        for j in (DAY_STEP_SIDE..last).rev() {
            sum += residuals[j];
            let ratio = sum * sum / (j * (n - j)) as f64;
            if best.is_none_or(|(_, b)| ratio > b) {
                best = Some((j, ratio));
            }
        }
        let cut = points.get(best?.0)?.0;
        let (stepped, inverse, residuals) = fit(&points, |t| {
            let [one, u, c, s] = basis(t);
            [one, u, c, s, if t >= cut { 1.0 } else { 0.0 }]
        })?;
        let (rho, scale) = wobble(&residuals, 5, floor);
        let error = scale / (1.0 - rho) * inverse[4][4].sqrt();
        (stepped[4].abs() <= DAY_STEP_Z * error).then_some(DayCurve {
            center,
            width,
            omega,
            beta,
            covariance,
        })
    }

    /// The regressors at time `t`: 1, u = (t − center)/width, cos ωt and sin ωt.
    fn basis(t: f64, center: f64, width: f64, omega: f64) -> [f64; 4] {
        let (sin, cos) = (omega * t).sin_cos();
        [1.0, (t - center) / width, cos, sin]
    }

    /// The curve's regressors at time `t`: the curve is their sum weighted by its coefficients.
    pub(super) fn regressors(&self, t: f64) -> [f64; 4] {
        Self::basis(t, self.center, self.width, self.omega)
    }

    /// The standard error of the curve's combination `d` of regressors (a difference of
    /// [`DayCurve::regressors`]): √(dᵀ·Σ·d), Σ the coefficients' covariance.
    pub(super) fn error(&self, d: &[f64; 4]) -> f64 {
        let mut variance = 0.0;
        for (i, row) in self.covariance.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                variance += d[i] * c * d[j];
            }
        }
        variance.max(0.0).sqrt()
    }

    /// The curve at time `t`.
    pub(super) fn at(&self, t: f64) -> f64 {
        self.regressors(t)
            .iter()
            .zip(&self.beta)
            .map(|(r, b)| r * b)
            .sum()
    }

    /// Whether today's reference `points` (time, share) do not go against the curve: the slope
    /// of their shares on it is above 0. Not that it is significant: where the curve is
    /// shallow over the reference (a swing's trough) 96 slices show that slope to ±0.5, and the
    /// curve's own noise makes it smaller (errors in a regressor); a curve of noise, or a day
    /// unlike yesterday, is left out about half the time.
    pub(super) fn agrees(&self, points: &[(f64, f64)]) -> bool {
        let on: Vec<(f64, f64)> = points.iter().map(|&(t, x)| (self.at(t), x)).collect();
        on.len() >= 16 && fit(&on, |s| [1.0, s]).is_some_and(|(beta, _, _)| beta[1] > 0.0)
    }
}

/// How much of a step must stand beyond a common trend ([`step_beyond_trend`]): half the
/// difference of the two sides' means.
const STEP_KEPT: f64 = 0.5;

/// Whether `(t, x, after)` points (in row order) hold a step rather than a climb: fitted as a
/// level, one slope through both sides and a jump where the after points begin, the jump is
/// above 0 and at least `STEP_KEPT` of the difference of the two sides' means. A level that
/// climbs (a daily swing, a slow drift) is all slope and no jump. A step keeps most of its jump
/// when chance raised the last slices before it, or the change point was taken a slice or two
/// late (its first slices on the before side), where two levels against one straight line (the
/// test before the twelfth session) took it for a climb: that lost 1.5 % of the stub's +5-point
/// steps for good (docs/performance.md). False without at least 2 points on each side.
pub(super) fn step_beyond_trend(points: &[(f64, f64, bool)]) -> bool {
    let side = |after: bool| -> (f64, usize) {
        points
            .iter()
            .filter(|p| p.2 == after)
            .fold((0.0, 0), |(sum, n), p| (sum + p.1, n + 1))
    };
    let ((before, n_before), (after, n_after)) = (side(false), side(true));
    if n_before < 2 || n_after < 2 {
        return false;
    }
    let difference = after / n_after as f64 - before / n_before as f64;
    let Some(cut) = points.iter().find(|p| p.2).map(|p| p.0) else {
        return false;
    };
    let xy: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.1)).collect();
    let (center, width) = scaled(&xy);
    let Some((beta, _, _)) = fit(&xy, |t| {
        [1.0, (t - center) / width, if t >= cut { 1.0 } else { 0.0 }]
    }) else {
        return false;
    };
    beta[2] > 0.0 && beta[2] >= STEP_KEPT * difference
}

/// Page's upward CUSUM after the last of `scores`: Sₙ = max(0, Sₙ₋₁ + zₙ − k) from S = 0
/// before the first, with the index its current run began at (the score after its last 0;
/// `scores.len()` when Sₙ = 0).
pub(super) fn cusum(scores: &[f64], k: f64) -> (f64, usize) {
    let mut s = 0.0_f64;
    let mut start = 0;
    for (i, z) in scores.iter().enumerate() {
        let next = s + z - k;
        if next <= 0.0 {
            s = 0.0;
            start = i + 1;
        } else {
            s = next;
        }
    }
    (s, start)
}

/// The j in `from..residuals.len()` maximizing (Σ_{i≥j} rᵢ)² / (n − j) with Σ > 0: where a step
/// up from the known level most likely began (the likelihood ratio of a step of unknown size
/// with Gaussian noise). Ties: the earliest; None when no suffix sums above 0.
pub(super) fn step_start(residuals: &[f64], from: usize) -> Option<usize> {
    let n = residuals.len();
    let mut best: Option<(usize, f64)> = None;
    let mut sum = 0.0;
    for j in (from..n).rev() {
        sum += residuals[j];
        if sum <= 0.0 {
            continue;
        }
        let ratio = sum * sum / (n - j) as f64;
        if best.is_none_or(|(_, b)| ratio >= b) {
            best = Some((j, ratio));
        }
    }
    best.map(|(j, _)| j)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_and_the_mad_are_the_textbooks() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        // |x − 2| = 1, 1, 0, 2, 7 → median 1 → 1.4826.
        let sd = mad_sd(&[1.0, 3.0, 2.0, 4.0, 9.0], 2.0);
        assert!((sd - MAD_TO_SD).abs() < 1e-12);
    }

    /// The reference of `points`, winsorized as a call does it.
    fn estimate(points: &[(f64, f64)], floor: f64, rho: f64) -> Option<Reference> {
        let shares: Vec<f64> = points.iter().map(|p| p.1).collect();
        Reference::estimate(points, &Winsorized::of(&shares, floor), floor, rho)
    }

    fn rho_part(shares: &[f64], floor: f64) -> Option<RhoPart> {
        RhoPart::of(&Winsorized::of(shares, floor), floor)
    }

    #[test]
    fn the_reference_of_an_alternating_series_is_its_level_and_a_negative_correlation() {
        // 0.1, 0.3, 0.1, 0.3, … (8): median 0.2, MAD 0.1 → σ 0.148, nothing clipped; μ 0.2,
        // r = ∓0.1, ρ = Σ(−0.01)·7 / (8·0.01) = −0.875 (beyond 2/√8) → clamped −0.3; innovations
        // r_i + 0.3·r_{i−1} = ±0.07, Σ 7·0.0049 / 6 → σₑ = 0.0756.
        let x: Vec<(f64, f64)> = (0..8).map(|i| (i as f64, [0.1, 0.3][i % 2])).collect();
        let shares: Vec<f64> = x.iter().map(|p| p.1).collect();
        let rho = pooled_rho(&[rho_part(&shares, 0.0).unwrap()]);
        let r = estimate(&x, 0.0, rho).unwrap();
        assert!((r.level - 0.2).abs() < 1e-12, "{r:?}");
        assert_eq!(r.rho, RHO_MIN);
        assert!(
            (r.scale - (7.0 * 0.0049_f64 / 6.0).sqrt()).abs() < 1e-12,
            "{r:?}"
        );
        // A burst is winsorized: one 0.9 among 0.2s leaves the level at 0.2 + (3σ clip)/n.
        let mut burst = vec![0.2, 0.21, 0.19, 0.2, 0.21, 0.19, 0.2, 0.2];
        burst[3] = 0.9;
        let burst: Vec<(f64, f64)> = burst
            .into_iter()
            .enumerate()
            .map(|(i, x)| (i as f64, x))
            .collect();
        let r = estimate(&burst, 0.0, 0.0).unwrap();
        assert!(r.level < 0.21, "{r:?}");
        assert_eq!(estimate(&x[..3], 0.0, 0.0), None);
        assert_eq!(rho_part(&shares[..3], 0.0), None);
        // A constant series has the floor for scale.
        let six: Vec<(f64, f64)> = (0..6).map(|i| (i as f64, 0.5)).collect();
        let flat = estimate(&six, 0.01, 0.0).unwrap();
        assert_eq!((flat.level, flat.rho, flat.scale), (0.5, 0.0, 0.01));
        assert!(!flat.moving);
    }

    #[test]
    fn the_normal_equations_are_solved_and_a_singular_system_is_none() {
        // 2x + y = 5, x + 3y = 10 → x = 1, y = 3.
        let x = solve(vec![vec![2.0, 1.0], vec![1.0, 3.0]], vec![5.0, 10.0]).unwrap();
        assert!(
            (x[0] - 1.0).abs() < 1e-12 && (x[1] - 3.0).abs() < 1e-12,
            "{x:?}"
        );
        assert_eq!(
            solve(vec![vec![1.0, 2.0], vec![2.0, 4.0]], vec![1.0, 2.0]),
            None
        );
    }

    #[test]
    fn a_step_beside_a_curve_is_its_own_size_and_a_curve_alone_has_none() {
        // x = 0.2 + 0.001·t − 0.00002·t² over 40 rows, + 0.05 from row 30: the quadratic and the
        // step fit exactly, δ = 0.05; the residuals are 0, so the error is the floor's.
        let curve = |t: f64| 0.2 + 0.001 * t - 0.000_02 * t * t;
        let stepped: Vec<(f64, f64)> = (0..40)
            .map(|t| t as f64)
            .map(|t| (t, curve(t) + if t >= 30.0 { 0.05 } else { 0.0 }))
            .collect();
        let (delta, error) = step_beside_curve(&stepped, 30.0, 0.001).unwrap();
        assert!((delta - 0.05).abs() < 1e-9, "{delta}");
        assert!(error > 0.0 && error < 0.001, "{error}");
        let smooth: Vec<(f64, f64)> = (0..40).map(|t| (t as f64, curve(t as f64))).collect();
        let (delta, _) = step_beside_curve(&smooth, 30.0, 0.001).unwrap();
        assert!(delta.abs() < 1e-9, "{delta}");
    }

    #[test]
    fn a_bend_is_seen_beyond_its_noise_and_noise_alone_is_not_a_bend() {
        // ±0.01 alternating (ρ −1, clamped −0.3) around a flat 0.2: no slope, no bend.
        let flat: Vec<(f64, f64)> = (0..96)
            .map(|t| (t as f64, 0.2 + [0.01, -0.01][t % 2]))
            .collect();
        assert!(bend_t(&flat, 0.001) < 1.0, "{}", bend_t(&flat, 0.001));
        // The same noise on a parabola rising 6 points from its middle to each end.
        let bent: Vec<(f64, f64)> = flat
            .iter()
            .map(|&(t, x)| (t, x + 0.06 * ((t - 47.5) / 47.5).powi(2)))
            .collect();
        assert!(bend_t(&bent, 0.001) > 10.0, "{}", bend_t(&bent, 0.001));
        let reference = estimate(&bent, 0.001, 0.0).unwrap();
        assert!(reference.moving);
        assert!(!estimate(&flat, 0.001, 0.0).unwrap().moving);
    }

    #[test]
    fn a_series_correlation_is_its_functions_pooled_with_the_precision_of_all_their_slices() {
        let part = |rho: f64, weight: f64| RhoPart {
            rho,
            slices: 96,
            weight,
        };
        // One function, ρ̂ 0.25 over 96 slices: beyond 2/√96 = 0.204, taken at 0.25 + 3/√96.
        let alone = pooled_rho(&[part(0.25, 0.2)]);
        assert!(
            (alone - (0.25 + 3.0 / 96f64.sqrt())).abs() < 1e-12,
            "{alone}"
        );
        // Six of equal weight: F_eff = 6, n = 576, so 0.25 + 3/24 = 0.375.
        let six = pooled_rho(&[part(0.25, 0.2); 6]);
        assert!((six - 0.375).abs() < 1e-12, "{six}");
        // One noisy 0.25 among five 0s is the weighted mean 0.0417, within 2/√576 = 0.083: 0.
        let mut mixed = vec![part(0.0, 0.2); 5];
        mixed.push(part(0.25, 0.2));
        assert_eq!(pooled_rho(&mixed), 0.0);
        // Weighted by level: a 0.6 function beside a 0.01 one is (0.6·0.3 + 0.01·0)/0.61.
        let weighted = pooled_rho(&[part(0.3, 0.6), part(0.0, 0.01)]);
        let f_eff = 0.61f64.powi(2) / (0.36 + 0.0001);
        let expected = 0.18 / 0.61 + 3.0 / (96.0 * f_eff).sqrt();
        assert!((weighted - expected).abs() < 1e-12, "{weighted} {expected}");
        assert_eq!(pooled_rho(&[]), 0.0);
        assert_eq!(pooled_rho(&[part(0.5, 0.0)]), 0.0);
    }

    #[test]
    fn a_positive_correlation_is_taken_at_the_upper_end_of_its_interval() {
        // Runs of four: +, +, +, +, −, −, −, −, … (n 96): ρ̂ = (Σ rᵢrᵢ₋₁)/Σr² = (96 − 1 − 2·23)/96
        // = 49/96 (23 sign changes), beyond 2/√96, used as 49/96 + 3/√96.
        let r: Vec<f64> = (0..96)
            .map(|i| if (i / 4) % 2 == 0 { 0.01 } else { -0.01 })
            .collect();
        let (rho, _) = wobble(&r, 1, 0.0);
        let expected = 49.0 / 96.0 + 3.0 / 96f64.sqrt();
        assert!((rho - expected).abs() < 1e-12, "{rho} {expected}");
    }

    #[test]
    fn a_step_stands_beyond_a_common_trend_and_a_climb_does_not() {
        let at = |xs: &[f64], cut: usize| -> Vec<(f64, f64, bool)> {
            xs.iter()
                .enumerate()
                .map(|(i, &x)| (i as f64, x, i >= cut))
                .collect()
        };
        // 0, 0, 0, 1, 1, 1: no slope, a jump of 1, the whole difference of the means.
        assert!(step_beyond_trend(&at(&[0.0, 0.0, 0.0, 1.0, 1.0, 1.0], 3)));
        // 0, 1, 2, 3, 4, 5: a slope of 1 and no jump.
        assert!(!step_beyond_trend(&at(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], 3)));
        // A step whose last slice before it was high by chance: 0, 0, 0, 0, 0, 2 | 3, 2, 2. By
        // the normal equations (by hand, in fractions) a slope of 8/39 a slice and a jump of
        // 14/13, over half the means' 7/3 − 1/3 = 2. Two levels leave 4.0 and one line 3.93,
        // so the test before took it for a climb.
        let chance = at(&[0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 3.0, 2.0, 2.0], 6);
        assert!(step_beyond_trend(&chance));
        assert!(!step_beyond_trend(&at(&[0.0, 0.0, 1.0], 2)));
        // A jump, but less than half the means' difference: 0, 1, 2, 3 | 5, 6, 7, 8 (slope 1,
        // jump 1 of 5).
        let sloped = at(&[0.0, 1.0, 2.0, 3.0, 5.0, 6.0, 7.0, 8.0], 4);
        assert!(!step_beyond_trend(&sloped));
    }

    #[test]
    fn the_cusum_is_pages_with_the_start_of_its_run() {
        // k = 1: 0.5 → 0 (start 1), 3 → 2, 2 → 3, 0 → 2, 4 (clipped by the caller) → 5.
        assert_eq!(cusum(&[0.5, 3.0, 2.0, 0.0, 4.0], 1.0), (5.0, 1));
        assert_eq!(cusum(&[3.0, -5.0], 1.0), (0.0, 2));
        assert_eq!(cusum(&[], 1.0), (0.0, 0));
    }

    #[test]
    fn the_step_starts_where_the_suffix_sum_squared_over_its_length_is_largest() {
        // 0, 0, 0, 2, 2, 2: from 3 on (Σ 6)²/3 = 12; from 2 on 36/4 = 9.
        assert_eq!(step_start(&[0.0, 0.0, 0.0, 2.0, 2.0, 2.0], 0), Some(3));
        // A noisy slice before it still loses: −0.5 then 2, 2: (4)²/2 = 8 > (3.5)²/3 = 4.08.
        assert_eq!(step_start(&[-0.5, 2.0, 2.0], 0), Some(1));
        assert_eq!(step_start(&[-1.0, -1.0], 0), None);
        assert_eq!(step_start(&[3.0, 1.0], 1), Some(1));
    }
}

//! Unit tests of yesterday's same hours (share/yesterday.rs and its curve, `DayCurve` in
//! share/cusum.rs): when a curve is used, and that a series without a day before the slices it
//! tests is examined as it was before.

use pf_model::random::SplitMix;
use pf_model::trend::SliceSummary;

use super::cusum::DayCurve;
use super::index::SeriesIndex;
use super::sequential::{Layout, Spread};
use super::simulation::{Model, DAY};
use super::simulation_store::Store;
use super::yesterday::{Shape, Yesterday};
use super::{examine, tested, DetectorSettings};

/// The times of yesterday's rows as `Yesterday::shape` puts them at the defaults, in slices
/// from the newest slice tested: the first row tested (260 before it: 240 of reference, 16
/// watched, 5 recent) through two hours after it.
fn times() -> impl Iterator<Item = f64> {
    (-260..=24).map(f64::from)
}

/// The daily model's swing of G1 (25 % × (1 + 0.3·sin), share/false_alarm_tests.rs) at time
/// `t`, in slices.
fn swing(t: f64) -> f64 {
    0.25 * (1.0 + 0.3 * (2.0 * std::f64::consts::PI * t / DAY as f64).sin())
}

/// Shares of `truth` at [`times`] with N(0, σ²) noise from `seed`; σ = 0.02, about the stub's
/// slice-to-slice deviation of a 25 % function (its `Reference::scale`, 0.018–0.024, in the
/// daily model's confirmations).
fn noisy(seed: u64, truth: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    let mut rng = SplitMix(seed);
    times()
        .map(|t| (t, truth(t) + 0.02 * rng.normal()))
        .collect()
}

/// The floor the noisy points are fitted with: a 25 % function's binomial noise in the stub's
/// 5 000-sample slices, √(0.25·0.75/5000).
const FLOOR: f64 = 0.006;

#[test]
fn a_curve_fitted_to_an_exact_harmonic_of_the_day_is_that_curve() {
    // 0.2 + 0.004·s + 0.01·cos ωt − 0.006·sin ωt, s = (t + 118)/142 in [−1, 1], ω = 2π/288:
    // within 3 robust σ of its median, so that winsorizing clips nothing.
    let omega = 2.0 * std::f64::consts::PI / DAY as f64;
    let truth = |t: f64| {
        let s = (t + 118.0) / 142.0;
        0.2 + 0.004 * s + 0.01 * (omega * t).cos() - 0.006 * (omega * t).sin()
    };
    let points: Vec<(f64, f64)> = times().map(|t| (t, truth(t))).collect();
    let curve = DayCurve::fit(&points, DAY as f64, 1e-4).expect("an exact curve is a shape");
    for t in [-260.0, -111.0, -60.0, -16.0, 0.0, 24.0, 40.0] {
        assert!(
            (curve.at(t) - truth(t)).abs() < 1e-9,
            "at {t}: {} against {}",
            curve.at(t),
            truth(t)
        );
    }
    // Residuals of 0: its error is the floor's alone, the floor times √leverage, under the
    // floor within the fit (four regressors' leverage at the end of 285 points is about 4/285).
    let d = curve.regressors(24.0);
    assert!(
        curve.error(&d) > 0.0 && curve.error(&d) < 1e-4,
        "{}",
        curve.error(&d)
    );
}

#[test]
fn noise_alone_is_not_a_shape_and_the_daily_swing_is() {
    for seed in 0..20 {
        let flat = noisy(seed, |_| 0.25);
        assert!(
            DayCurve::fit(&flat, DAY as f64, FLOOR).is_none(),
            "seed {seed}: a flat series' curve was taken for a shape"
        );
        // The same noise on the daily model's swing of G1 is one: the bar is what tells them.
        let swung = noisy(seed, swing);
        assert!(
            DayCurve::fit(&swung, DAY as f64, FLOOR).is_some(),
            "seed {seed}: the daily swing was not taken for a shape"
        );
    }
}

#[test]
fn a_yesterday_with_a_step_in_it_is_not_used() {
    // 10 points from slice −40 (the detection runs' larger step: a regression yesterday, or a
    // fix: down), 5 noise σ, stands beyond `DAY_STEP_Z` = 4.5 of its standard errors beside
    // the cubic in each seed (6 points, 3 σ, was used in seed 4: a cubic bends into a step in
    // the middle of its hours); the same noise and swing without it is used
    // (`noise_alone_is_not_a_shape_and_the_daily_swing_is`).
    for seed in 0..20 {
        for step in [0.1, -0.1] {
            let stepped = noisy(seed, |t| swing(t) + if t >= -40.0 { step } else { 0.0 });
            assert!(
                DayCurve::fit(&stepped, DAY as f64, FLOOR).is_none(),
                "seed {seed}: a step of {step} yesterday was taken for the shape of the day"
            );
        }
    }
}

/// The daily model of share/false_alarm_tests.rs (G1 +30 %, Logger.info −30 % over a day, the
/// stub's noise) with +10 points in Checkout.handle from slice `step`.
fn daily(step: usize) -> Model {
    Model::daily().stepped(2, 10.0, step)
}

/// Whether a call on `history` (its newest last) reads yesterday's same hours.
fn reads_yesterday(history: &[SliceSummary], settings: &DetectorSettings) -> bool {
    let Some(newest) = history.last() else {
        return false;
    };
    let (earlier, today) = tested(history, newest.start, settings);
    let index = SeriesIndex::new(today, settings.top_functions);
    Layout::of(index.rows(), settings)
        .and_then(|layout| Yesterday::of(earlier, &index, &layout, settings))
        .is_some()
}

#[test]
fn a_series_younger_than_a_day_and_the_slices_tested_is_examined_as_without_yesterday() {
    let settings = DetectorSettings::default();
    let (tested_slices, keep) = (settings.tested_slices(), settings.history_slices());
    // Day + 117 − 1 slices: the longest series without a day before the slices it tests.
    let slices: Vec<SliceSummary> = daily(360)
        .series(0x79, keep - 1)
        .into_iter()
        .map(|d| d.summary)
        .collect();
    let (mut with, mut without) = (Store::default(), Store::default());
    for k in tested_slices..slices.len() {
        let history = &slices[(k + 1).saturating_sub(keep)..=k];
        assert!(
            !reads_yesterday(history, &settings),
            "call {k} read yesterday"
        );
        let changes = examine(history, &with.open, &settings);
        let alone = examine(
            &slices[(k + 1).saturating_sub(tested_slices)..=k],
            &without.open,
            &settings,
        );
        assert_eq!(changes, alone, "call {k}");
        with.apply(k, changes);
        without.apply(k, alone);
    }
    // The step was suspected and confirmed: decisions were compared, not only silence.
    assert!(!with.confirmed.is_empty(), "{:?}", with.suspected);
    // A day and the slices tested reach yesterday's hours: the check above can fail.
    let longer: Vec<SliceSummary> = daily(360)
        .series(0x79, keep)
        .into_iter()
        .map(|d| d.summary)
        .collect();
    assert!(reads_yesterday(&longer, &settings));
}

#[test]
fn the_spans_a_caller_reads_give_the_calls_of_the_whole_day_before() {
    // `DetectorSettings::spans` is what the watcher reads (546 summaries at the defaults, not
    // 549: 261 tested and 285 of yesterday's hours): every call on those alone decides what it decides on the whole history.
    let settings = DetectorSettings::default();
    let keep = settings.history_slices();
    let slices: Vec<SliceSummary> = daily(keep + 30)
        .series(0x7a, keep + 60)
        .into_iter()
        .map(|d| d.summary)
        .collect();
    let mut store = Store::default();
    for k in keep - 1..slices.len() {
        let history = &slices[k + 1 - keep..=k];
        let newest = history[history.len() - 1].start;
        let spans = settings.spans(newest, settings.tested_slices());
        let read: Vec<SliceSummary> = history
            .iter()
            .filter(|s| s.start == newest || spans.iter().any(|r| r.contains(&s.start)))
            .cloned()
            .collect();
        assert_eq!(read.len(), 546, "call {k}");
        assert!(reads_yesterday(&read, &settings), "call {k}");
        let changes = examine(history, &store.open, &settings);
        assert_eq!(changes, examine(&read, &store.open, &settings), "call {k}");
        store.apply(k, changes);
    }
    // The step was confirmed: decisions were compared, not only silence.
    assert!(!store.confirmed.is_empty(), "{:?}", store.suspected);
}

#[test]
fn slices_so_long_that_the_hours_tested_reach_yesterday_are_read_as_one_span() {
    let mut settings = DetectorSettings::default();
    assert_eq!(
        settings.spans(1_000_000, 117),
        vec![
            1_000_000 - 116 * 300 - 86_400..1_000_000 - 86_400 + 7_201,
            1_000_000 - 116 * 300..1_000_000,
        ]
    );
    settings.slices.slice_secs = pf_model::SliceSecs::new(3_600).expect("an hour");
    assert_eq!(
        settings.spans(1_000_000, 117),
        vec![1_000_000 - 116 * 3_600 - 86_400..1_000_000]
    );
}

#[test]
fn the_deviation_follows_the_level_where_a_shape_moves_it_and_not_without_one() {
    // A reference at 25 %, its shape −5 points over rows 0–4 and +5 over rows 5–9: v = p(1 − p)
    // is 0.16 at 20 % and 0.21 at 30 %, their root mean square 0.186 68; so the crest's
    // deviation is 0.21/0.186 68 = 1.1249 of the reference's, the trough's 0.8571, and a row
    // past the shape (at the level, v 0.1875) 1.0044. Worked by hand.
    let points: Vec<(f64, f64)> = (0..10).map(|row| (f64::from(row), 0.25)).collect();
    let offsets = [vec![-0.05; 5], vec![0.05; 5]].concat();
    let shape = Shape::of_offsets(0, offsets);
    let spread = Spread::of(0.25, &shape, &points);
    for (row, expected) in [(9, 1.124_910), (0, 0.857_075), (20, 1.004_384)] {
        assert!(
            (spread.at(row) - expected).abs() < 1e-5,
            "row {row}: {} against {expected}",
            spread.at(row)
        );
    }
    // Without a shape the deviation is the reference's at every row.
    let flat = Shape::default();
    let spread = Spread::of(0.25, &flat, &points);
    assert!((0..30).all(|row| (spread.at(row) - 1.0).abs() < 1e-12));
}

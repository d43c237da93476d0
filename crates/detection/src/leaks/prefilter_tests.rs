//! The prefilter never changes an outcome: the same holds, lines and growth as computing every
//! statistic, on random windows built to sit near the gates.

use proptest::prelude::*;

use super::fit::{fit_all, growth_bound_factor, Fit};
use super::segment::Columns;
use super::LeakSettings;
use pf_model::random::SplitMix as Mix;
use pf_model::significance::theil_sen;

const MIB: f64 = 1_048_576.0;

fn settings(fdr: f64) -> LeakSettings {
    LeakSettings {
        fdr,
        min_growth_bytes: 1 << 20,
        min_relative: 0.5,
        ..LeakSettings::default()
    }
}

/// `functions` columns over `rows` slices, some missing: levels, growths and noise drawn
/// around the 1 MiB and 50 % gates, a few values tied or clipped at 0.
fn window(seed: u64, functions: usize, rows: usize) -> (Vec<f64>, Vec<f64>) {
    let mut mix = Mix(seed);
    let x: Vec<f64> = (0..rows)
        .filter(|_| mix.uniform() > 0.1)
        .map(|k| 300.0 * k as f64)
        .collect();
    let span = x.last().copied().unwrap_or(0.0).max(1.0);
    let mut values = Vec::with_capacity(functions * x.len());
    for _ in 0..functions {
        let level = 4.0 * MIB * mix.uniform();
        let growth = 3.0 * MIB * (mix.uniform() - 0.2);
        let noise = MIB * mix.uniform() * mix.uniform();
        for &t in &x {
            let v = level + growth * t / span + noise * (mix.uniform() - 0.5);
            values.push(if mix.uniform() < 0.05 {
                0.0
            } else {
                v.max(0.0).round()
            });
        }
    }
    (x, values)
}

fn outcome(fits: &[Fit]) -> Vec<Option<(f64, f64, f64)>> {
    fits.iter()
        .map(|f| {
            f.holds
                .then(|| f.line.map(|l| (l.slope, l.low, l.intercept)))
                .flatten()
        })
        .collect()
}

fn same_outcome(seed: u64, functions: usize, rows: usize, fdr: f64) -> Result<(), TestCaseError> {
    let (x, values) = window(seed, functions, rows);
    let names: Vec<String> = (0..functions).map(|i| format!("f{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let columns = Columns::from_values(names, x.len(), values);
    let full = vec![false; functions];
    let settings = settings(fdr);
    let filtered = fit_all(&columns, &x, &full, &settings, true);
    let every = fit_all(&columns, &x, &full, &settings, false);
    prop_assert_eq!(outcome(&filtered), outcome(&every));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_prefilter_changes_no_outcome(
        seed in any::<u64>(),
        functions in 1usize..40,
        rows in 3usize..40,
        fdr in prop_oneof![Just(0.01), Just(0.05), Just(0.3)],
    ) {
        same_outcome(seed, functions, rows, fdr)?;
    }
}

#[test]
fn the_growth_bound_holds_on_every_random_window() {
    for seed in 0..2000u64 {
        let (x, values) = window(seed, 1, 20 + (seed % 50) as usize);
        let span = x.last().copied().unwrap_or(0.0);
        let (Some(reach), Some(line)) =
            (growth_bound_factor(&x, span), theil_sen(&x, &values, 0.95))
        else {
            continue;
        };
        let range = values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            - values.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(
            line.slope * span <= reach * range * (1.0 + 1e-12),
            "seed {seed}"
        );
    }
}

#[test]
fn the_grid_shortcut_gives_the_distance_the_pairs_give() {
    for n in 2..100 {
        let grid: Vec<f64> = (0..n).map(|k| 300.0 * f64::from(k)).collect();
        let factor = growth_bound_factor(&grid, 1.0).expect("grid");
        let mut distances: Vec<f64> = Vec::new();
        for (i, a) in grid.iter().enumerate() {
            distances.extend(grid[i + 1..].iter().map(|b| b - a));
        }
        distances.sort_by(f64::total_cmp);
        let half = distances.len().div_ceil(2);
        assert_eq!(factor, 1.0 / distances[half - 1], "n = {n}");
    }
}

#[test]
fn the_prefilter_skips_a_steady_function() {
    let x: Vec<f64> = (0..72).map(|k| 300.0 * f64::from(k)).collect();
    let values: Vec<f64> = (0..72)
        .map(|k| MIB * (3.0 + 0.01 * f64::from(k % 3)))
        .collect();
    let columns = Columns::from_values(vec!["steady"], 72, values);
    let fits = fit_all(&columns, &x, &[false], &settings(0.01), true);
    assert_eq!(
        (fits[0].trend, fits[0].line, fits[0].holds),
        (None, None, false)
    );
}

//! One detection pass over the fleet (docs/regressions.md): 2 000 series (1 000 apps × 2 types) of
//! 100 functions × `history_slices` slices, each series' newest summary examined once, no event
//! open. Goal: under 1 s. A second pass gives every series a regression in its recent slices, so
//! that every series also computes its Benjamini–Hochberg family and a finding.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use pf_detection::model::DetectorSettings;
use pf_detection::share::examine;
use pf_model::trend::{KeptFunction, SliceSummary};

const SERIES: usize = 2_000;
const FUNCTIONS: usize = 100;

/// A series whose function f has about 20 000 / (f + 8) samples a slice with ±6 % noise; with
/// `regressed`, its function 50 gains 2 points in the recent slices.
fn series(seed: usize, slices: usize, recent: usize, regressed: bool) -> Vec<SliceSummary> {
    let mut state = seed as u64 ^ 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..slices)
        .map(|k| {
            let total = 16_000 + (8_000.0 * next()) as u64;
            let functions = (0..FUNCTIONS)
                .map(|f| {
                    let mut share = 0.35 / (f + 8) as f64 * (0.94 + 0.12 * next());
                    if regressed && f == 50 && k + recent >= slices {
                        share += 0.02;
                    }
                    let samples = (total as f64 * share) as u64;
                    KeptFunction::new(
                        format!("com/example/app{}/Service{f}.handle", seed / 2),
                        samples,
                        samples,
                    )
                })
                .collect();
            SliceSummary {
                start: 1_704_067_200 + 300 * k as i64,
                total_samples: total,
                versions: vec!["1.0.0".into()],
                refs: Vec::new(),
                functions,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let settings = DetectorSettings::default();
    let slices = settings.history_slices();
    let mut group = c.benchmark_group("detector");
    group.sample_size(10);
    for (name, regressed) in [("pass_2000_series", false), ("pass_2000_regressions", true)] {
        let fleet: Vec<Vec<SliceSummary>> = (0..SERIES)
            .map(|s| series(s, slices, settings.recent_slices, regressed))
            .collect();
        // The regressed fleet must really raise a suspicion, or the second pass measures nothing.
        let changes = examine(&fleet[0], &[], &settings);
        assert_eq!(changes.len(), usize::from(regressed), "{changes:?}");
        group.bench_function(name, |b| {
            b.iter(|| {
                fleet
                    .iter()
                    .map(|history| examine(black_box(history), &[], &settings).len())
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

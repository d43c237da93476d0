//! One leak examination (docs/regressions.md#memory-that-only-grows) of each of 10 000 in-use
//! series of 72 five-minute slices × 100 functions, single thread, no event open. Goal: under 1 s
//! for all 10 000.
//!
//! Levels are log-uniform from 64 KiB to 2 GiB, the noise multiplicative Gaussian with CV 0.03
//! and AR(1) correlation 0.3 between slices; 1 % of the series have one function leaking
//! 2 MiB a slice. To keep memory near 300 MiB rather than 6 GiB, 500 distinct series are built
//! and the 10 000 examinations cycle over them (each reads its 7 200 summaries' functions from
//! memory far larger than the caches, as the watcher's would).

use std::collections::HashSet;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use pf_detection::leaks::{examine, LeakSettings};
use pf_model::trend::{KeptFunction, SliceSummary};

const EXAMINATIONS: usize = 10_000;
/// Distinct series built (`LEAKS_BENCH_DISTINCT` overrides: 20 fit in the caches).
const DISTINCT: usize = 500;
const FUNCTIONS: usize = 100;
const SLICES: usize = 72;

/// SplitMix64: uniform in (0, 1], and standard normal by Box–Muller.
struct Mix(u64);

impl Mix {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (((z ^ (z >> 31)) >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Series `seed`: 100 functions at log-uniform levels with AR(1) multiplicative noise; with
/// `leaking`, function 0 grows 2 MiB a slice from 200 MiB.
fn series(seed: u64, leaking: bool) -> Vec<SliceSummary> {
    let (cv, phi) = (0.03, 0.3);
    let mut mix = Mix(seed);
    let (low, high) = (
        (64.0 * 1024.0f64).ln(),
        (2.0 * 1024.0 * 1024.0 * 1024.0f64).ln(),
    );
    let levels: Vec<f64> = (0..FUNCTIONS)
        .map(|_| (low + (high - low) * mix.uniform()).exp())
        .collect();
    let names: Vec<String> = (0..FUNCTIONS)
        .map(|f| format!("github.com/example/app{seed}/pkg.(*Cache{f}).Store"))
        .collect();
    let mut noise = vec![0.0; FUNCTIONS];
    let innovation = (1.0f64 - phi * phi).sqrt();
    (0..SLICES)
        .map(|k| {
            let mut functions: Vec<KeptFunction> = (0..FUNCTIONS)
                .map(|f| {
                    noise[f] = phi * noise[f] + innovation * mix.normal();
                    let mut level = levels[f];
                    if leaking && f == 0 {
                        level = 200.0 * 1024.0 * 1024.0 + 2.0 * 1024.0 * 1024.0 * k as f64;
                    }
                    let bytes = (level * (1.0 + cv * noise[f])).max(0.0) as u64;
                    KeptFunction::new(names[f].clone(), bytes, bytes)
                })
                .collect();
            functions.sort_unstable_by_key(|f| std::cmp::Reverse(f.self_samples));
            let kept: u64 = functions.iter().map(|f| f.self_samples).sum();
            SliceSummary {
                start: 1_704_067_200 + 300 * k as i64,
                total_samples: kept + kept / 4,
                versions: Vec::new(),
                refs: Vec::new(),
                functions,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let settings = LeakSettings::default();
    let distinct = std::env::var("LEAKS_BENCH_DISTINCT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DISTINCT)
        .max(1);
    let fleet: Vec<Vec<SliceSummary>> = (0..distinct)
        .map(|s| series(s as u64, s % 100 == 0))
        .collect();
    let blocked = HashSet::new();
    let mut group = c.benchmark_group("leaks");
    group.sample_size(10);
    group.bench_function("examine_10000_series", |b| {
        b.iter(|| {
            let mut changes = 0;
            for i in 0..EXAMINATIONS {
                let found = examine(black_box(&fleet[i % distinct]), &[], &blocked, &settings);
                changes += found.changes.len();
            }
            black_box(changes)
        })
    });
    group.finish();
    let suspected: usize = fleet
        .iter()
        .map(|h| examine(h, &[], &blocked, &settings).changes.len())
        .sum();
    eprintln!("suspicions over the {distinct} distinct series: {suspected} (1 % leaking)");
}

criterion_group!(benches, bench);
criterion_main!(benches);

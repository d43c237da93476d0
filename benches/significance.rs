//! The statistics of one diff (docs/api.md#how-sure-is-a-diff): 5 000 functions × 60 parts a
//! window, every function tested (share and ratio variance of both windows, Welch's p-value) and
//! Benjamini–Hochberg over all of them; then the intervals of the 20 a report lists. Goal:
//! under 5 ms.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use pf_diff_report::assess;
use pf_model::{FunctionStat, ProfileType};
use pf_profiles::{ProfileDiff, ProfileWindow, WindowPart};

const FUNCTIONS: usize = 5_000;
const PARTS: usize = 60;

/// A window whose function `f` has `f % 7 + 1 + wobble` samples in each part.
fn window(seed: u64) -> ProfileWindow {
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        state >> 59
    };
    let functions: Vec<FunctionStat> = (0..FUNCTIONS)
        .map(|f| {
            let parts: Vec<u64> = (0..PARTS).map(|_| f as u64 % 7 + 1 + next()).collect();
            let total: u64 = parts.iter().sum();
            FunctionStat {
                name: format!("com/example/Service{f}.handle"),
                self_percent: 0.0,
                self_samples: total,
                total_samples: total,
                part_self_samples: parts,
            }
        })
        .collect();
    let mut totals = vec![0u64; PARTS];
    for f in &functions {
        for (t, s) in totals.iter_mut().zip(&f.part_self_samples) {
            *t += s;
        }
    }
    ProfileWindow {
        from: 0,
        to: 3600,
        labels: Default::default(),
        total_samples: totals.iter().sum(),
        truncated_percent: 0.0,
        functions,
        parts: Some(
            totals
                .iter()
                .enumerate()
                .map(|(k, &t)| WindowPart {
                    from: k as i64 * 60,
                    to: k as i64 * 60 + 60,
                    total_samples: t,
                })
                .collect(),
        ),
        parts_unavailable: None,
    }
}

fn bench(c: &mut Criterion) {
    let diff = ProfileDiff {
        app_name: "checkout".into(),
        profile_type: ProfileType::Cpu,
        profile_type_id: "cpu".into(),
        baseline: window(1),
        current: window(2),
    };
    c.bench_function("significance_5000_functions_60_parts", |b| {
        b.iter(|| {
            let tests = assess(black_box(&diff), 0.05);
            let listed =
                (0..20).filter_map(|f| tests.tested(&format!("com/example/Service{f}.handle")));
            (tests.len(), listed.count())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

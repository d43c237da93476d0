//! The ranking of docs/regressions.md#the-change-that-caused-it at the size the issue names: the
//! commits of a range of 500, touching 2 000 files between them (1 to 8 files a commit, 1 to 4
//! hunks a file), against a regression with 50 functions on its stacks (the regressed one and 49
//! callers and callees). Goal: under 1 s. Git is not read here: this is the pure ranking the
//! service runs on what git gave.
//! Run with `cargo bench --bench suspects -- --warm-up-time 1 --measurement-time 3`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use pf_commits::{rank, CodeSpan, CommitChange, FileChange, LineRange, Role, MAX_SUSPECTS};

const COMMITS: usize = 500;
const FILES: usize = 2_000;
const FUNCTIONS: usize = 50;

/// A small deterministic generator (a linear congruential one), so every run ranks the same.
struct Draw(u64);

impl Draw {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

fn file(i: usize) -> String {
    format!("src/module_{:02}/file_{i:04}.go", i % 40)
}

/// 500 commits, newest first; every file is touched by some commit, one in 50 is a rename.
fn commits(draw: &mut Draw) -> Vec<CommitChange> {
    (0..COMMITS)
        .map(|c| {
            let touched = 1 + draw.below(8);
            let files = (0..touched)
                .map(|k| {
                    let path = file(if k == 0 {
                        c * 4 % FILES
                    } else {
                        draw.below(FILES)
                    });
                    let hunks = 1 + draw.below(4);
                    let lines = (0..hunks)
                        .map(|_| {
                            let start = 1 + draw.below(800) as u32;
                            LineRange::new(start, start + draw.below(30) as u32)
                        })
                        .collect();
                    let old_path = (draw.below(50) == 0).then(|| format!("{path}.old"));
                    FileChange {
                        path,
                        old_path,
                        lines,
                    }
                })
                .collect();
            CommitChange {
                id: format!("{c:040x}"),
                title: format!("change {c}"),
                author: "dev".into(),
                time: 1_700_000_000 - c as i64 * 600,
                merge: draw.below(40) == 0,
                files,
            }
        })
        .collect()
}

/// The regressed function and 49 related ones, each in its own file of the 2 000.
fn spans(draw: &mut Draw) -> Vec<CodeSpan> {
    (0..FUNCTIONS)
        .map(|f| {
            let start = 1 + draw.below(700) as u32;
            CodeSpan {
                function: format!("pkg.Function{f}"),
                file: file(draw.below(FILES)),
                lines: LineRange::new(start, start + 10 + draw.below(60) as u32),
                role: if f == 0 {
                    Role::Regressed
                } else {
                    Role::Related {
                        weight: 1.0 / (f + 1) as f64,
                    }
                },
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut draw = Draw(0x5eed);
    let commits = commits(&mut draw);
    let spans = spans(&mut draw);
    let named = rank(&commits, &spans, MAX_SUSPECTS);
    assert!(!named.is_empty(), "the synthetic range names nobody");
    c.bench_function("rank 500 commits x 2000 files x 50 functions", |b| {
        b.iter(|| rank(black_box(&commits), black_box(&spans), MAX_SUSPECTS))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

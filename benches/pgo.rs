//! `GET /pgo/{appName}`'s merge (SPEC §23) of a day of 10-s pushes: 8 640 small gzip CPU
//! profiles of one Go-like program (50–200 samples each, stacks 10–30 deep, 400 functions
//! with files and start lines, a tenth of the locations with an inlined line), merged cold into
//! one and written as gzip, on one core (the route splits the files between the cores). Run
//! with `cargo bench --bench pgo -- --warm-up-time 1 --measurement-time 5`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use pyroscope_functions::formats::pprof::encode::to_bytes;
use pyroscope_functions::formats::pprof::proto::{
    Function, Line, Location, Profile, Sample, ValueType,
};
use pyroscope_functions::formats::pprof::{CpuMerge, Limits};

const LIMITS: Limits = Limits {
    max_decoded_bytes: 1 << 30,
    max_stack_depth: 4096,
};
const FUNCTIONS: u64 = 400;
const PROFILES: usize = 8_640;

/// SplitMix64: the same profiles on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One push: Go's two CPU types, the program's functions, the locations its stacks use.
fn push(rng: &mut Rng, n: usize) -> Vec<u8> {
    let mut strings: Vec<Vec<u8>> = ["", "samples", "count", "cpu", "nanoseconds", "main.go"]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    let function: Vec<Function> = (1..=FUNCTIONS)
        .map(|id| {
            strings.push(format!("main.f{id}").into_bytes());
            let name = strings.len() as i64 - 1;
            Function {
                id,
                name,
                system_name: name,
                filename: 5,
                start_line: id as i64 * 10,
            }
        })
        .collect();
    // Location 1..=FUNCTIONS*4: function (id-1)/4+1, line by id; every tenth inlines another.
    let location: Vec<Location> = (1..=FUNCTIONS * 4)
        .map(|id| {
            let f = (id - 1) / 4 + 1;
            let mut line = vec![Line {
                function_id: f,
                line: f as i64 * 10 + (id % 4) as i64 + 1,
            }];
            if id % 10 == 0 {
                line.insert(
                    0,
                    Line {
                        function_id: f % FUNCTIONS + 1,
                        line: 3,
                    },
                );
            }
            Location {
                id,
                address: 0x40_0000 + id * 16,
                line,
            }
        })
        .collect();
    let sample = (0..50 + rng.below(151))
        .map(|_| {
            let depth = 10 + rng.below(21);
            // A few hot paths: the root side shared, the leaf side varied.
            let path = rng.below(20);
            let location_id = (0..depth)
                .map(|d| match d < 4 {
                    true => 1 + (d * 37 + rng.below(8)) % (FUNCTIONS * 4),
                    false => 1 + (path * 131 + d * 17) % (FUNCTIONS * 4),
                })
                .collect();
            let count = 1 + rng.below(3) as i64;
            Sample {
                location_id,
                value: vec![count, count * 10_000_000],
                label: Vec::new(),
            }
        })
        .collect();
    let cpu = ValueType { r#type: 3, unit: 4 };
    let profile = Profile {
        sample_type: vec![ValueType { r#type: 1, unit: 2 }, cpu.clone()],
        sample,
        location,
        function,
        string_table: strings,
        time_nanos: 1_700_000_000_000_000_000 + n as i64 * 10_000_000_000,
        duration_nanos: 10_000_000_000,
        period_type: Some(cpu),
        period: 10_000_000,
    };
    to_bytes(&profile, true)
}

fn merge_all(files: &[Vec<u8>]) -> usize {
    let mut merge = CpuMerge::new(None, None);
    for file in files {
        merge
            .add_file(file, LIMITS, "cpu/nanoseconds")
            .expect("a valid profile");
    }
    to_bytes(&merge.finish(), true).len()
}

fn bench(c: &mut Criterion) {
    let mut rng = Rng(0x5eed);
    let files: Vec<Vec<u8>> = (0..PROFILES).map(|n| push(&mut rng, n)).collect();
    let bytes: usize = files.iter().map(Vec::len).sum();
    let out = merge_all(&files);
    eprintln!("{PROFILES} profiles, {bytes} gzip bytes in all; merged: {out} gzip bytes");
    let mut group = c.benchmark_group("pgo");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("merge_8640_pushes_one_core", |b| {
        b.iter(|| merge_all(black_box(&files)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

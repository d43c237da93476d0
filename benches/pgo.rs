//! `GET /pgo/{appName}`'s merge (SPEC §23) of a day of 10-s pushes: 8 640 small gzip CPU
//! profiles of one Go-like program (50–200 samples each, stacks 10–30 deep, a program of 400
//! functions with files and start lines and 1 600 locations, a tenth of them with an inlined
//! line; each push holds the ones its samples use, as runtime/pprof writes), merged cold into
//! one and written as gzip, on one core (the route splits the files between the cores); then
//! the whole route cold but for HTTP: the same files in a directory, a new `FileProfileData`
//! that lists and reads them all (its first scan) and answers `pgo`. Run with
//! `cargo bench --bench pgo -- --warm-up-time 1 --measurement-time 5`.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use pyroscope_functions::app::settings::Settings;
use pyroscope_functions::formats::pprof::encode::to_bytes;
use pyroscope_functions::formats::pprof::proto::{
    Function, Line, Location, Profile, Sample, ValueType,
};
use pyroscope_functions::formats::pprof::{CpuMerge, Limits};
use pyroscope_functions::infra::telemetry::Metrics;
use pyroscope_functions::model::TimeWindow;
use pyroscope_functions::profiles::files::source::Root;
use pyroscope_functions::profiles::{FileProfileData, PgoQuery, ProfileDataSor};

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

/// Location `id` of the program (1..=FUNCTIONS*4): in function `(id-1)/4+1`, its line by
/// `id`; every tenth has another function inlined into it.
fn program_location(id: u64) -> Vec<(u64, i64)> {
    let f = (id - 1) / 4 + 1;
    let mut lines = vec![(f, f as i64 * 10 + (id % 4) as i64 + 1)];
    if id.is_multiple_of(10) {
        lines.insert(0, (f % FUNCTIONS + 1, 3));
    }
    lines
}

/// One push as runtime/pprof writes it: Go's two CPU types, and only the locations and
/// functions its samples use, numbered in the order they first appear.
fn push(rng: &mut Rng, n: usize) -> Vec<u8> {
    let mut strings: Vec<Vec<u8>> = ["", "samples", "count", "cpu", "nanoseconds", "main.go"]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    let (mut location, mut function) = (Vec::<Location>::new(), Vec::<Function>::new());
    let (mut location_ids, mut function_ids) = (HashMap::new(), HashMap::new());
    let mut local = |program_id: u64| -> u64 {
        if let Some(&id) = location_ids.get(&program_id) {
            return id;
        }
        let line = program_location(program_id)
            .into_iter()
            .map(|(f, line)| {
                let function_id = *function_ids.entry(f).or_insert_with(|| {
                    strings.push(format!("main.f{f}").into_bytes());
                    let name = strings.len() as i64 - 1;
                    let id = function.len() as u64 + 1;
                    function.push(Function {
                        id,
                        name,
                        system_name: name,
                        filename: 5,
                        start_line: f as i64 * 10,
                    });
                    id
                });
                Line { function_id, line }
            })
            .collect();
        let id = location.len() as u64 + 1;
        location.push(Location {
            id,
            address: 0x40_0000 + program_id * 16,
            line,
        });
        location_ids.insert(program_id, id);
        id
    };
    let sample = (0..50 + rng.below(151))
        .map(|_| {
            let depth = 10 + rng.below(21);
            // A few hot paths: the root side shared, the leaf side varied.
            let path = rng.below(20);
            let location_id = (0..depth)
                .map(|d| match d < 4 {
                    true => 1 + (d * 37 + rng.below(3)) % (FUNCTIONS * 4),
                    false => 1 + (path * 131 + d * 17) % (FUNCTIONS * 4),
                })
                .map(&mut local)
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

/// The pushes as the push store keeps them after compaction: one file per 30 (a five-minute
/// piece of 10-s pushes), each the union of its pushes' samples over one table.
fn compacted(files: &[Vec<u8>]) -> Vec<Vec<u8>> {
    files
        .chunks(30)
        .map(|piece| merged_bytes(piece, false))
        .collect()
}

fn merged_bytes(files: &[Vec<u8>], gzip: bool) -> Vec<u8> {
    let mut merge = CpuMerge::new(None, None);
    for file in files {
        merge
            .add_file(file, LIMITS, "cpu/nanoseconds")
            .expect("a valid profile");
    }
    to_bytes(&merge.finish(), gzip)
}

/// `files` in a new directory, and the time a new `FileProfileData` takes to list and read
/// them all (its first scan) and answer `pgo`: the whole route cold but for HTTP.
fn route_cold(files: &[Vec<u8>]) -> Duration {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let app = dir.path().join("app");
    std::fs::create_dir_all(&app).expect("the app's directory");
    for (n, file) in files.iter().enumerate() {
        std::fs::write(app.join(format!("{n:05}.pb.gz")), file).expect("a profile file");
    }
    let settings = Settings::load_from(None, Vec::new()).expect("default settings");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let query = PgoQuery {
        app: "app".parse().expect("an app name"),
        window: TimeWindow::new(1_600_000_000, 1_800_000_000).expect("a window"),
        labels: Default::default(),
        keep_locations: None,
    };
    let root = Root {
        path: dir.path().to_owned(),
        replay: None,
        optional: false,
    };
    let metrics = Metrics::new(None).expect("metrics");
    let started = Instant::now();
    let sor = FileProfileData::new(&settings.profiles, vec![root], metrics);
    let bytes = runtime
        .block_on(sor.pgo(query.clone()))
        .expect("a merged profile");
    let took = started.elapsed();
    // Again, on the directory the first call scanned: what a running service, whose watcher
    // and routes keep the scan current, pays for a profile it has never merged.
    let again = Instant::now();
    runtime.block_on(sor.pgo(query)).expect("a merged profile");
    eprintln!(
        "  {} files through the route: {} gzip bytes; {:?} again on the scanned directory",
        files.len(),
        bytes.len(),
        again.elapsed()
    );
    took
}

fn bench(c: &mut Criterion) {
    let mut rng = Rng(0x5eed);
    let files: Vec<Vec<u8>> = (0..PROFILES).map(|n| push(&mut rng, n)).collect();
    let bytes: usize = files.iter().map(Vec::len).sum();
    let out = merge_all(&files);
    eprintln!("{PROFILES} profiles, {bytes} gzip bytes in all; merged: {out} gzip bytes");
    let pieces = compacted(&files);
    let piece_bytes: usize = pieces.iter().map(Vec::len).sum();
    eprintln!("compacted: {} files, {piece_bytes} bytes", pieces.len());
    // Once each, cold: the route's own measure (criterion's repeats would take minutes).
    for (what, set) in [("pushes", &files), ("compacted pieces", &pieces)] {
        eprintln!("route, {what}: {:?} cold", route_cold(set));
    }
    let mut group = c.benchmark_group("pgo");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("merge_8640_pushes_one_core", |b| {
        b.iter(|| merge_all(black_box(&files)))
    });
    group.bench_function("merge_288_compacted_pieces_one_core", |b| {
        b.iter(|| merge_all(black_box(&pieces)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

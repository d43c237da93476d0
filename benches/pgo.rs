//! `GET /pgo/{appName}`'s merge (docs/gate.md#a-profile-for-the-compiler) of a day of 10-s pushes:
//! 8 640 small gzip CPU profiles of one Go-like program (50–200 samples each, stacks 10–30 deep, a
//! program of 400 functions with files and start lines and 1 600 locations, a tenth of them with an
//! inlined line; each push holds the ones its samples use, as runtime/pprof writes), merged cold
//! into one and written as gzip, on one core (the route splits the files between the cores); then
//! the whole route cold but for HTTP: the same files in a directory, a new `FileProfileData` that
//! lists and reads them all (its first scan) and answers `pgo`. Run with
//! `cargo bench --bench pgo -- --warm-up-time 1 --measurement-time 5`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use pf_infra::telemetry::Metrics;
use pf_model::TimeWindow;
use pf_pprof::encode::to_bytes;
use pf_pprof::{CpuMerge, Limits};
use pf_profile_files::{FileProfileData, Root};
use pf_profiles::{PgoQuery, ProfileDataSor};
use pyroscope_functions::app::settings::Settings;

#[path = "common/go_pushes.rs"]
mod go_pushes;
use go_pushes::{push, Rng};

const PROFILES: usize = 8_640;
const LIMITS: Limits = Limits {
    max_decoded_bytes: 1 << 30,
    max_stack_depth: 4096,
};
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

//! Decode and rank of one large profile, as a pprof file (raw and gzip) and as the flame-graph
//! JSON of the same stacks: 470 000 generated nodes, 24 000 function names; then the phases of
//! the pprof path apart. Run with
//! `cargo bench --bench pprof -- --warm-up-time 1 --measurement-time 8`.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pf_formats::formats::flamegraph::parse_connect;
use pf_pprof::{decompress, encode, parse_file, Limits, StackTree};
use pf_profile_files::ProfileDir;

#[path = "../tests/common/profile_data.rs"]
mod profile_data;
use profile_data::testdata;

const LIMITS: Limits = Limits {
    max_decoded_bytes: 1 << 30,
    max_stack_depth: 4096,
};

fn rank_pprof(bytes: &[u8]) -> usize {
    let profile = parse_file(bytes, LIMITS).expect("a valid profile");
    profile.stats(0).expect("a valid tree").functions.len()
}

fn bench(c: &mut Criterion) {
    let graph = testdata::generate_with_names(470_000, 24_000, 0x5eed);
    let json = graph.to_connect_json();
    let profile = graph.to_pprof();
    let raw = encode::to_bytes(&profile, false);
    let gzip = encode::to_bytes(&profile, true);
    let functions = rank_pprof(&raw);
    let parsed = parse_file(&raw, LIMITS).expect("a valid profile");
    let json_functions = parse_connect(json.as_bytes()).unwrap().functions.len();
    assert_eq!(functions, json_functions);
    let references: usize = profile.sample.iter().map(|s| s.location_id.len()).sum();
    eprintln!(
        "{} flame-graph nodes, {} pprof tree nodes, {} samples, {references} location \
         references, {functions} functions; JSON {} bytes, pprof {} bytes raw, {} gzip; \
         cached tree {} bytes",
        graph.node_count(),
        parsed.node_count(),
        profile.sample.len(),
        json.len(),
        raw.len(),
        gzip.len(),
        parsed.heap_bytes(),
    );
    let mut group = c.benchmark_group("profile_470k");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function("flamegraph_json_parse_and_rank", |b| {
        b.iter(|| parse_connect(black_box(json.as_bytes())).map(|s| s.functions.len()))
    });
    group.throughput(Throughput::Bytes(raw.len() as u64));
    group.bench_function("pprof_raw_decode_and_rank", |b| {
        b.iter(|| rank_pprof(black_box(&raw)))
    });
    group.throughput(Throughput::Bytes(gzip.len() as u64));
    group.bench_function("pprof_gzip_decode_and_rank", |b| {
        b.iter(|| rank_pprof(black_box(&gzip)))
    });
    group.finish();

    // The phases apart: what a cache miss on the file pays, and what a query of a cached file.
    let mut phases = c.benchmark_group("pprof_phases_470k");
    phases.sample_size(10);
    phases.bench_function("gzip_decompress", |b| {
        b.iter(|| decompress(black_box(&gzip), LIMITS).map(|d| d.len()))
    });
    phases.bench_function("raw_decode_to_tree", |b| {
        b.iter(|| parse_file(black_box(&raw), LIMITS).map(|p| p.node_count()))
    });
    phases.bench_function("rank_cached_tree", |b| {
        b.iter(|| black_box(&parsed).stats(0).map(|s| s.functions.len()))
    });
    phases.bench_function("merge_two_cached_trees_and_rank", |b| {
        b.iter(|| {
            let mut tree = StackTree::default();
            tree.add(black_box(&parsed), 0).expect("no overflow");
            tree.add(black_box(&parsed), 0).expect("no overflow");
            tree.stats().map(|s| s.functions.len())
        })
    });
    phases.finish();

    // What the first query of a directory pays: four such gzip files read cold.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let app = dir.path().join("app");
    std::fs::create_dir_all(&app).expect("a temporary directory");
    for i in 0..4 {
        std::fs::write(app.join(format!("{i}.pb.gz")), &gzip).expect("a profile file");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let mut scan = c.benchmark_group("profile_dir");
    scan.sample_size(10);
    scan.bench_function("four_gzip_files_cold", |b| {
        b.iter(|| runtime.block_on(scan_cold(dir.path())))
    });
    scan.finish();
}

async fn scan_cold(dir: &Path) -> usize {
    let profiles = ProfileDir::new(
        dir.to_owned(),
        LIMITS,
        Duration::from_secs(3600),
        Arc::new(|_, _| {}),
    );
    profiles.snapshot().await.files.len()
}

criterion_group!(benches, bench);
criterion_main!(benches);

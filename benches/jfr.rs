//! Reading a ~10 MB JFR recording: a real JVM (tests/jvm/Workload.java) recorded densely for
//! 5 s at bench time, its chunk repeated to about 10 MB (a JFR is a sequence of chunks, so
//! the copies form a valid multi-chunk recording). Measures the push path (`jfr_profiles`:
//! events → cpu/alloc/lock pprofs) and the file path (`parse_file`: the same, then the pprof
//! reader). Run with `cargo bench --bench jfr -- --warm-up-time 1 --measurement-time 8`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pf_pprof::jfr::jfr_profiles;
use pf_pprof::{parse_file, Limits};

#[path = "../tests/common/jvm.rs"]
mod jvm;

const LIMITS: Limits = Limits {
    max_decoded_bytes: 1 << 30,
    max_stack_depth: 4096,
};

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let settings = jvm::dense_settings(dir.path());
    let file = jvm::record_with(dir.path(), 5, &settings.display().to_string(), &[]);
    let chunk = std::fs::read(file).unwrap();
    let copies = (10 << 20) / chunk.len() + 1;
    let jfr = chunk.repeat(copies);
    let profiles = jfr_profiles(&jfr, None).expect("a readable recording");
    let samples: usize = profiles.iter().map(|p| p.profile.sample.len()).sum();
    eprintln!(
        "JFR: {} bytes ({copies} chunks of {}), {} profiles, {samples} samples",
        jfr.len(),
        chunk.len(),
        profiles.len()
    );
    let mut group = c.benchmark_group("jfr_10mb");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(jfr.len() as u64));
    group.bench_function("jfr_profiles", |b| {
        b.iter(|| jfr_profiles(black_box(&jfr), None).map(|p| p.len()))
    });
    group.bench_function("parse_file_of_a_jfr", |b| {
        b.iter(|| parse_file(black_box(&jfr), LIMITS).map(|p| p.node_count()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

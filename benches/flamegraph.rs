//! Throughput of parse+rank versus serde_json skipping (the ceiling) and building a plain
//! `serde_json::Value` of the same bytes, on a
//! generated 50 000-node flame graph in both wire formats. Run with
//! `cargo bench --bench flamegraph -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pf_formats::formats::flamegraph::{
    parse_connect, parse_legacy, FlameGraphStats, FlamegraphError,
};
use serde::de::IgnoredAny;

#[path = "../tests/common/profile_data.rs"]
mod profile_data;
use profile_data::testdata;

type Parser = fn(&[u8]) -> Result<FlameGraphStats, FlamegraphError>;

fn bench(c: &mut Criterion) {
    let graph = testdata::generate(50_000, 0x5eed);
    let cases: [(&str, String, Parser); 2] = [
        ("connect", graph.to_connect_json(), parse_connect),
        ("legacy", graph.to_legacy_json(), parse_legacy),
    ];
    for (format, json, parse) in cases {
        let bytes = json.as_bytes();
        eprintln!(
            "{format}: {} nodes, {} levels, {} names, {} bytes",
            graph.node_count(),
            graph.levels.len(),
            graph.names.len(),
            bytes.len()
        );
        let mut group = c.benchmark_group(format!("flamegraph_{format}"));
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        // The ceiling: serde_json reading the same bytes and keeping nothing.
        group.bench_function("serde_json_skip", |b| {
            b.iter(|| serde_json::from_slice::<IgnoredAny>(black_box(bytes)))
        });
        group.bench_function("serde_json_value", |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(bytes)))
        });
        group.bench_function("parse_and_rank", |b| b.iter(|| parse(black_box(bytes))));
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

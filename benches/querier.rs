//! Grafana's flame graph of a 50 000-node profile (docs/grafana.md#flame-graphs): the call tree
//! written as Pyroscope's `FlameGraph`, whole and cut to the default 8 192 nodes, and encoded
//! as protobuf and as Connect's JSON. Run with
//! `cargo bench --bench querier -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use pf_formats::formats::flamegraph::parse_connect;
use pf_querier::flame_graph;
use prost::Message;

#[path = "../tests/common/profile_data.rs"]
mod profile_data;
use profile_data::testdata;

fn bench(c: &mut Criterion) {
    let graph = testdata::generate(50_000, 0x5eed);
    let stats = parse_connect(graph.to_connect_json().as_bytes()).expect("a valid graph");
    let tree = &stats.tree;
    let whole = flame_graph(tree, 1 << 20, &[]);
    let cut = flame_graph(tree, 8_192, &[]);
    let nodes = |g: &pf_formats::formats::pyroscope_api::FlameGraph| {
        g.levels.iter().map(|l| l.values.len() / 4).sum::<usize>()
    };
    eprintln!(
        "whole: {} nodes, {} bytes proto; cut to 8 192: {} nodes, {} bytes proto, {} bytes JSON",
        nodes(&whole),
        whole.encoded_len(),
        nodes(&cut),
        cut.encoded_len(),
        serde_json::to_vec(&cut)
            .map(|v| v.len())
            .unwrap_or_default()
    );
    assert_eq!(whole.total, cut.total, "cutting keeps the total");

    let mut group = c.benchmark_group("querier_50k");
    group.bench_function("flame_graph_whole", |b| {
        b.iter(|| flame_graph(black_box(tree), 1 << 20, &[]).levels.len())
    });
    group.bench_function("flame_graph_8192", |b| {
        b.iter(|| flame_graph(black_box(tree), 8_192, &[]).levels.len())
    });
    group.bench_function("encode_proto_8192", |b| {
        b.iter(|| black_box(&cut).encode_to_vec().len())
    });
    group.bench_function("encode_json_8192", |b| {
        b.iter(|| serde_json::to_vec(black_box(&cut)).map(|v| v.len()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

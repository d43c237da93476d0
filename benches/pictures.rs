//! Drawing a 50 000-node profile: the flame graph, the differential flame graph and the diff
//! report's HTML page, each timed and sized. Run with
//! `cargo bench --bench pictures -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use pf_diff_report::{DiffEntry, DiffReport, DiffRequest, DiffSummary, Verdict};
use pf_formats::formats::flamegraph::parse_connect;
use pf_model::ReportFormat;
use pf_model::{ProfileType, TimeWindow};
use pf_pictures::{diff_flame_graph, flame_graph, Captions};
use pf_profiles::DiffTrees;

#[path = "../tests/common/profile_data.rs"]
mod profile_data;
use profile_data::testdata;

/// The spec's bound on one picture or page of a 50 000-node profile.
const MAX_BYTES: usize = 5 << 20;

fn report(request: &DiffRequest) -> DiffReport {
    let entry = |i: usize, delta: f64| DiffEntry {
        function: format!("com/example/Service{i}.handle"),
        baseline_percent: 5.0,
        current_percent: 5.0 + delta,
        delta_percent: delta,
        approved_threshold: None,
        exceeds_threshold: None,
        significance: None,
        current_low: None,
        current_high: None,
        breach_significant: None,
    };
    DiffReport {
        app_name: request.app.to_string(),
        profile_type: request.profile_type,
        baseline: request.baseline,
        current: request.current,
        labels: Default::default(),
        baseline_labels: Default::default(),
        current_labels: Default::default(),
        regressions: (0..20).map(|i| entry(i, 1.0 + i as f64 / 10.0)).collect(),
        improvements: (20..40).map(|i| entry(i, -1.0)).collect(),
        summary: DiffSummary {
            regressions_count: 20,
            improvements_count: 20,
            top_regression: Some("com/example/Service19.handle (+2.9%)".into()),
            threshold_breaches: None,
            verdict: Verdict::Warn,
            significance: None,
        },
        suspects: None,
    }
}

fn bench(c: &mut Criterion) {
    let parse = |seed| {
        let graph = testdata::generate(50_000, seed);
        eprintln!("seed {seed}: {} nodes", graph.node_count());
        parse_connect(graph.to_connect_json().as_bytes()).expect("a valid graph")
    };
    let (current, baseline) = (parse(0x5eed), parse(0xbeef));
    let captions = Captions {
        title: "Flame graph: app-001 · cpu",
        subtitle: "2023-11-14 22:13:20 UTC – 2023-11-14 23:13:20 UTC",
        interactive: true,
    };
    let request = DiffRequest {
        app: "app-001".parse().expect("an app name"),
        profile_type: ProfileType::Cpu,
        current: TimeWindow::new(1_700_003_600, 1_700_007_200).expect("a window"),
        baseline: TimeWindow::new(1_700_000_000, 1_700_003_600).expect("a window"),
        limit: 20,
        slices: 0,
        repository: None,
        format: ReportFormat::Html,
        labels: Default::default(),
        baseline_labels: Default::default(),
        current_labels: Default::default(),
        requested_by: None,
    };
    let trees = DiffTrees {
        baseline: Arc::clone(&baseline.tree),
        current: Arc::clone(&current.tree),
    };
    let report = report(&request);
    let outputs = [
        ("flame graph SVG", flame_graph(&current.tree, &captions)),
        (
            "differential SVG",
            diff_flame_graph(
                &current.tree,
                &baseline.tree,
                &captions,
                &Default::default(),
            ),
        ),
        (
            "diff report HTML",
            pf_diff_report::render_html(&request, &report, &trees),
        ),
    ];
    for (what, out) in &outputs {
        let frames = out.matches("<g class=\"f\">").count();
        eprintln!("{what}: {} bytes, {frames} frames", out.len());
        assert!(out.len() < MAX_BYTES, "{what} is {} bytes", out.len());
    }

    let mut group = c.benchmark_group("pictures_50k");
    group.bench_function("flame_graph_svg", |b| {
        b.iter(|| flame_graph(black_box(&current.tree), &captions).len())
    });
    group.bench_function("diff_flame_graph_svg", |b| {
        b.iter(|| {
            diff_flame_graph(
                black_box(&current.tree),
                &baseline.tree,
                &captions,
                &Default::default(),
            )
            .len()
        })
    });
    group.bench_function("diff_report_html", |b| {
        b.iter(|| pf_diff_report::render_html(&request, black_box(&report), &trees).len())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

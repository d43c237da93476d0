//! `GET /pgo/{appName}` on Grafana Pyroscope (docs/at-scale.md): one app-hour of 10-s Go CPU
//! pushes (360, `common/go_pushes.rs`) as Pyroscope answers them, merged into one
//! `google.v1.Profile` with its one value column (`cpu/nanoseconds`), uncompressed. A local
//! server answers `SelectMergeStacktraces` with those bytes at once, so what is timed is the
//! service's side: the call, the decode, the merge and cut for Go, the gzip written.
//!
//! - `decode`: the service's one reader (`CpuMerge::add_file`) over Pyroscope's answer, in MiB/s
//!   of decoded pprof, beside the push path's: the same reader over the 360 pushes (inflated
//!   first, as the push store reads them).
//! - `/pgo cold`: a new `PyroscopeProfileData` (no cache) answering `pgo`, and the bare HTTP
//!   round trip of the same bytes from the same server (the stand-in's own time, to subtract).
//!
//! Run with `cargo bench --bench pgo_pyroscope -- --warm-up-time 1 --measurement-time 5`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pf_formats::formats::pyroscope_api::{paths, PprofProfile, SelectMergeStacktracesResponse};
use pf_infra::telemetry::Metrics;
use pf_model::TimeWindow;
use pf_pprof::encode::to_bytes;
use pf_pprof::proto::Profile;
use pf_pprof::{decompress, CpuMerge, Limits};
use pf_profiles::{PgoQuery, ProfileDataSor};
use pf_pyroscope::PyroscopeProfileData;
use prost::Message;
use pyroscope_functions::app::settings::Settings;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[path = "common/go_pushes.rs"]
mod go_pushes;
use go_pushes::{push, Rng};

/// One app-hour of 10-s pushes.
const PUSHES: usize = 360;
const LIMITS: Limits = Limits {
    max_decoded_bytes: 1 << 30,
    max_stack_depth: 4096,
};
const CPU: &str = "cpu/nanoseconds";

/// The pushes merged as Pyroscope answers a pprof read: one value column, no compression.
fn pyroscope_answer(pushes: &[Vec<u8>]) -> Vec<u8> {
    let mut merge = CpuMerge::new(None, None);
    for p in pushes {
        merge.add_file(p, LIMITS, CPU).expect("a valid push");
    }
    let mut merged: Profile = merge.finish();
    let cpu = merged.sample_type.iter().position(|t| {
        let name = &merged.string_table[t.r#type as usize];
        name.as_slice() == b"cpu"
    });
    let cpu = cpu.expect("a cpu column");
    merged.sample_type = vec![merged.sample_type[cpu]];
    for s in &mut merged.sample {
        s.value = vec![s.value[cpu]];
    }
    to_bytes(&merged, false)
}

fn decode(files: &[impl AsRef<[u8]>]) -> usize {
    let mut merge = CpuMerge::new(None, None);
    for f in files {
        merge
            .add_file(f.as_ref(), LIMITS, CPU)
            .expect("a valid profile");
    }
    merge.stacks()
}

fn bench(c: &mut Criterion) {
    let mut rng = Rng(0x5eed);
    let pushes: Vec<Vec<u8>> = (0..PUSHES).map(|n| push(&mut rng, n)).collect();
    let inflated: Vec<Vec<u8>> = pushes
        .iter()
        .map(|p| decompress(p, LIMITS).expect("a gzip push").to_vec())
        .collect();
    let pushed: usize = inflated.iter().map(Vec::len).sum();
    let answer = pyroscope_answer(&pushes);
    assert!(Profile::decode(answer.as_slice()).is_ok());
    eprintln!(
        "{PUSHES} pushes: {pushed} bytes decoded; Pyroscope's merged answer: {} bytes",
        answer.len()
    );

    let mut group = c.benchmark_group("pgo_pyroscope");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(answer.len() as u64));
    group.bench_function("decode_pyroscope_answer", |b| {
        b.iter(|| decode(black_box(&[&answer])))
    });
    group.throughput(Throughput::Bytes(pushed as u64));
    group.bench_function("decode_360_pushes", |b| {
        b.iter(|| decode(black_box(&inflated)))
    });
    group.finish();

    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        let response = SelectMergeStacktracesResponse {
            pprof: Some(PprofProfile {
                profile: Some(answer.clone().into()),
            }),
            ..Default::default()
        };
        let canned = ResponseTemplate::new(200)
            .insert_header("content-type", "application/proto")
            .set_body_bytes(response.encode_to_vec());
        Mock::given(path(paths::SELECT_MERGE_STACKTRACES))
            .respond_with(canned)
            .mount(&server)
            .await;
        server
    });
    let url = url::Url::parse(&server.uri()).expect("the server's URL");
    let mut settings = Settings::load_from(None, Vec::new()).expect("default settings");
    settings.pyroscope.url = Some(url.clone());
    let limits = settings.profiles.limits();
    let query = PgoQuery {
        app: "app".parse().expect("an app name"),
        window: TimeWindow::new(1_700_000_000, 1_700_003_600).expect("a window"),
        labels: Default::default(),
        keep_locations: None,
    };
    let client = reqwest::Client::new();
    let bare = format!("{}{}", server.uri(), paths::SELECT_MERGE_STACKTRACES);
    let mut group = c.benchmark_group("pgo_pyroscope");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("pgo_cold", |b| {
        b.iter(|| {
            let metrics = Metrics::new(None).expect("metrics");
            let sor = PyroscopeProfileData::new(&settings.pyroscope, limits, metrics)
                .expect("a Pyroscope source");
            let bytes = runtime.block_on(sor.pgo(query.clone()));
            bytes.expect("a profile for Go").len()
        })
    });
    group.bench_function("standin_round_trip", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let res = client.post(&bare).body(Vec::new()).send().await;
                let res = res.expect("an answer");
                res.bytes().await.expect("the body").len()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

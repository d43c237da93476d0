//! A real profile: the `pprof` crate profiles a workload while this test runs, its report is
//! written as a pprof file, and the file source's ranking of it must equal statistics computed
//! here, independently, from the crate's own in-memory report. Its own test binary, so the
//! profiler's signals interrupt no other test.

use std::collections::{BTreeMap, HashSet};
use std::hint::black_box;
use std::str::FromStr;

use pf_infra::telemetry::Metrics;
use pf_model::{AppName, ProfileType, TimeWindow};
use pf_profile_files::{FileProfileData, Root};
use pf_profiles::{ProfileDataSor, ProfileQuery};
use pprof::protos::Message;
use pyroscope_functions::app::settings::Settings;

#[inline(never)]
fn fib(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

#[inline(never)]
fn hash_strings(rounds: u64) -> usize {
    let mut set = HashSet::new();
    for i in 0..rounds {
        set.insert(format!("key-{}", i % 5_000));
    }
    set.len()
}

/// Self and total (a stack counted once per function) by name, the plain way: a set per stack.
fn expected(report: &pprof::Report) -> (u64, BTreeMap<String, (u64, u64)>) {
    let mut stats: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut total = 0;
    for (frames, count) in &report.data {
        // The value of the `cpu/nanoseconds` sample type, as the crate writes it.
        let value = (*count as i64 * 1_000_000_000 / i64::from(report.timing.frequency)) as u64;
        if value == 0 {
            continue;
        }
        total += value;
        // Leaf first: frames, and within a frame its inlined symbols, innermost first.
        let names: Vec<String> = frames
            .frames
            .iter()
            .flat_map(|f| f.iter().map(|s| s.name()))
            .collect();
        if let Some(leaf) = names.first() {
            stats.entry(leaf.clone()).or_default().0 += value;
        }
        let distinct: HashSet<&String> = names.iter().collect();
        for name in distinct {
            stats.entry(name.clone()).or_default().1 += value;
        }
    }
    (total, stats)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_written_by_the_pprof_crate_ranks_as_computed_independently() {
    let guard = pprof::ProfilerGuardBuilder::default()
        .frequency(997)
        .build()
        .expect("the profiler starts");
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_millis(600) {
        black_box(fib(black_box(24)));
        black_box(hash_strings(black_box(20_000)));
    }
    let report = guard.report().build().expect("a report");
    let (total, want) = expected(&report);
    assert!(total > 0, "the workload was sampled");

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("workload")).unwrap();
    let bytes = report.pprof().expect("a pprof profile").encode_to_vec();
    std::fs::write(dir.path().join("workload/profile.pb"), bytes).unwrap();

    let settings = Settings::load_from(None, Vec::new()).unwrap();
    let root = Root {
        path: dir.path().to_path_buf(),
        replay: None,
        optional: false,
    };
    let sor = FileProfileData::new(&settings.profiles, vec![root], Metrics::new(None).unwrap());
    let profile = sor
        .profile(ProfileQuery {
            labels: Default::default(),
            app: AppName::from_str("workload").unwrap(),
            profile_type: ProfileType::Cpu,
            window: TimeWindow::new(0, 4_000_000_000).unwrap(),
            limit: 1000,
        })
        .await
        .unwrap();
    assert_eq!(profile.total_samples, total);
    assert!(profile
        .profile_type_id
        .starts_with("process_cpu:cpu:nanoseconds:"));
    let got: BTreeMap<String, (u64, u64)> = profile
        .functions
        .iter()
        .map(|f| (f.name.clone(), (f.self_samples, f.total_samples)))
        .collect();
    let want: BTreeMap<String, (u64, u64)> =
        want.into_iter().filter(|(_, (_, t))| *t > 0).collect();
    assert_eq!(got, want);
    assert!(got.keys().any(|n| n.contains("fib")), "{:?}", got.keys());
    let ranked = profile
        .functions
        .windows(2)
        .all(|w| (w[1].self_samples, &w[0].name) <= (w[0].self_samples, &w[1].name));
    assert!(ranked, "ranked by self samples, then name");
}

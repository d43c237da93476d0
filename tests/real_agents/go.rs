//! Pyroscope's Go SDK (`github.com/grafana/pyroscope-go`, godeltaprof for the heap, mutex and
//! block) in tests/go/sdkload, pushing to the service through the recording proxy
//! (docs/agents.md#the-go-sdk). The oracle is `go tool pprof` on the exact profiles pushed:
//! cpu function by function; allocations as the SDK's deltas summed over the window; in-use as
//! the time-weighted mean of its snapshots, never their sum; mutex and block apart (the
//! `sample_type_config` part names them) and together as `lock`; tags select.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use super::agents::{
    go_pprof_top, go_program, gunzip_if_gzip, install_agents, multipart_parts, query_value,
    recorder, recordings,
};
use super::{answered, service, urlencode, ALONE};

/// Which profile of the SDK a push is, by its `sample_type_config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Cpu,
    Heap,
    Mutex,
    Block,
}

/// One push of the SDK: its kind, its window as sent (nanoseconds) and its profile on disk.
struct GoPush {
    kind: Kind,
    from_ns: i64,
    until_ns: i64,
    file: PathBuf,
}

fn go_pushes(dir: &Path) -> Vec<GoPush> {
    let mut pushes = Vec::new();
    for (n, r) in recordings(dir).into_iter().enumerate() {
        assert_eq!(
            r.upstream_status,
            Some(200),
            "the service refused the Go SDK's {}",
            r.path
        );
        let content_type = r.header("content-type").unwrap_or_default().to_owned();
        let parts = multipart_parts(&content_type, &r.body);
        let part = |name: &str| {
            parts
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.content.clone())
        };
        let profile = part("profile").expect("the SDK's part `profile`");
        let config = String::from_utf8(part("sample_type_config").unwrap_or_default()).unwrap();
        let kind = if config.contains("mutex_count") {
            Kind::Mutex
        } else if config.contains("block_count") {
            Kind::Block
        } else if config.contains("alloc_space") {
            Kind::Heap
        } else {
            assert!(config.is_empty(), "an SDK push of another kind: {config}");
            Kind::Cpu
        };
        let time = |key| -> i64 {
            query_value(&r.path, key)
                .and_then(|v| v.parse().ok())
                .expect("from and until")
        };
        let file = dir.join(format!("push-{n}.pb"));
        std::fs::write(&file, gunzip_if_gzip(&profile)).unwrap();
        pushes.push(GoPush {
            kind,
            from_ns: time("from"),
            until_ns: time("until"),
            file,
        });
    }
    pushes
}

fn files(pushes: &[GoPush], kind: Kind) -> Vec<PathBuf> {
    pushes
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| p.file.clone())
        .collect()
}

fn sum(values: &BTreeMap<String, i64>) -> i64 {
    values.values().sum()
}

#[tokio::test]
async fn the_go_sdk_pushes_cpu_heap_deltas_mutex_and_block_that_read_as_go_tool_pprof_reads_them() {
    let _alone = ALONE.lock().await;
    install_agents();
    let store = tempfile::tempdir().unwrap();
    let recorded = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let (_service, address) = service(store.path(), data.path(), "").await;
    let (_recorder, proxy) = recorder(recorded.path(), Some(&address));
    let started = chrono::Utc::now().timestamp();
    let out = std::process::Command::new(go_program("sdkload"))
        .env("SERVER_ADDRESS", &proxy)
        .env("APP_NAME", "go-sdk")
        .env("APP_VERSION", "1.0.0")
        .env("DURATION_SECS", "14")
        .env("UPLOAD_RATE", "4s")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("sdkload runs (scripts/install-agents.sh builds it)");
    assert!(
        out.status.success(),
        "sdkload failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let window = format!(
        "from={}&to={}",
        started - 60,
        chrono::Utc::now().timestamp() + 60
    );
    let pushes = go_pushes(recorded.path());
    for kind in [Kind::Cpu, Kind::Heap, Kind::Mutex, Kind::Block] {
        let n = pushes.iter().filter(|p| p.kind == kind).count();
        assert!(n >= 2, "the SDK pushed {n} {kind:?} profiles");
    }

    // cpu, function by function (the SDK's 100 Hz samples in nanoseconds).
    let want = go_pprof_top(&files(&pushes, Kind::Cpu), "cpu", "ns", &[]);
    let (got, total, body) = answered(&address, "go-sdk", &format!("type=cpu&{window}")).await;
    assert_eq!(got, want, "cpu: the service and go tool pprof disagree");
    assert_eq!(total, sum(&want));
    assert!(
        body["profileTypeId"]
            .as_str()
            .unwrap()
            .starts_with("process_cpu:cpu:nanoseconds"),
        "{body}"
    );
    // Tags select: each request's cpu is what pprof keeps of it by its tag.
    for request in ["checkout", "search"] {
        let focus = format!("-tagfocus=request={request}");
        let want = go_pprof_top(&files(&pushes, Kind::Cpu), "cpu", "ns", &[&focus]);
        let labels = urlencode(&format!("request=\"{request}\""));
        let (got, total, _) = answered(
            &address,
            "go-sdk",
            &format!("type=cpu&{window}&labels={labels}"),
        )
        .await;
        assert_eq!(got, want, "cpu of request={request}");
        assert_eq!(total, sum(&want));
    }
    let version = urlencode("version=\"1.0.0\"");
    assert_eq!(
        answered(
            &address,
            "go-sdk",
            &format!("type=cpu&{window}&labels={version}")
        )
        .await
        .1,
        total_cpu(&pushes)
    );

    // Allocations: godeltaprof sends deltas; the window is their sum, as pprof merges them.
    let want = go_pprof_top(&files(&pushes, Kind::Heap), "alloc_space", "B", &[]);
    let (got, total, _) = answered(&address, "go-sdk", &format!("type=alloc&{window}")).await;
    assert_eq!(got, want, "alloc: the deltas summed");
    assert_eq!(total, sum(&want));
    assert!(got.contains_key("main.allocChurn"), "{got:?}");

    // In-use: a state. The window is the time-weighted mean of the snapshots (each over the
    // whole seconds the service keeps its window in), never their sum.
    let heaps: Vec<&GoPush> = pushes.iter().filter(|p| p.kind == Kind::Heap).collect();
    let spans: Vec<(i64, i64)> = heaps
        .iter()
        .map(|p| {
            (
                p.from_ns.div_euclid(1_000_000_000),
                (p.until_ns + 999_999_999).div_euclid(1_000_000_000),
            )
        })
        .collect();
    let covered = covered_secs(&spans);
    let mut mean: BTreeMap<String, f64> = BTreeMap::new();
    let mut summed: BTreeMap<String, i64> = BTreeMap::new();
    for (push, (from, until)) in heaps.iter().zip(&spans) {
        let held = go_pprof_top(std::slice::from_ref(&push.file), "inuse_space", "B", &[]);
        for (name, bytes) in held {
            *mean.entry(name.clone()).or_default() +=
                bytes as f64 * (until - from) as f64 / covered as f64;
            *summed.entry(name).or_default() += bytes;
        }
    }
    let (got, _, body) = answered(&address, "go-sdk", &format!("type=inuse&{window}")).await;
    assert!(
        body["profileTypeId"]
            .as_str()
            .unwrap()
            .starts_with("memory:inuse_space:bytes"),
        "{body}"
    );
    let names: std::collections::BTreeSet<&String> = got.keys().chain(mean.keys()).collect();
    for name in names {
        let (got, want) = (
            got.get(name).copied().unwrap_or(0),
            mean.get(name).copied().unwrap_or(0.0),
        );
        assert!(
            (got as f64 - want).abs() <= heaps.len() as f64,
            "inuse {name}: {got} bytes, the mean of the snapshots is {want}"
        );
    }
    let retained = got.get("main.retainBuffers").copied().unwrap_or(0);
    assert!(
        retained > 0 && retained < summed["main.retainBuffers"],
        "{retained} is a state, not the sum {}",
        summed["main.retainBuffers"]
    );

    // Mutex and block: the same sample types, told apart by the `sample_type_config` part's
    // display names (`__name__`), and together they are `lock`.
    let mut both = 0;
    for (kind, name) in [(Kind::Mutex, "mutex"), (Kind::Block, "block")] {
        let want = go_pprof_top(&files(&pushes, kind), "contentions", "", &[]);
        let labels = urlencode(&format!("__name__=\"{name}\""));
        let (got, total, body) = answered(
            &address,
            "go-sdk",
            &format!("type=lock&{window}&labels={labels}"),
        )
        .await;
        // A location without a function is its address here (0xfffffffffffffffe), `<unknown>`
        // to pprof: the same samples under two names.
        let mut named: BTreeMap<String, i64> = BTreeMap::new();
        for (k, v) in got {
            let k = if k.starts_with("0x") {
                "<unknown>".into()
            } else {
                k
            };
            *named.entry(k).or_default() += v;
        }
        let got = named;
        assert_eq!(got, want, "{name} contentions: {body}");
        assert_eq!(total, sum(&want));
        both += total;
        let delay = go_pprof_top(&files(&pushes, kind), "delay", "ns", &[]);
        assert!(!delay.is_empty(), "{name} delays");
    }
    let mutex = go_pprof_top(&files(&pushes, Kind::Mutex), "contentions", "", &[]);
    assert!(
        mutex.keys().any(|k| k.starts_with("sync.(*Mutex).Unlock")),
        "{mutex:?}"
    );
    let (_, total, _) = answered(&address, "go-sdk", &format!("type=lock&{window}")).await;
    assert_eq!(total, both, "lock is mutex and block together");
}

/// Every cpu sample's value, as pprof totals the pushes.
fn total_cpu(pushes: &[GoPush]) -> i64 {
    sum(&go_pprof_top(&files(pushes, Kind::Cpu), "cpu", "ns", &[]))
}

/// Seconds covered by the union of `spans`.
fn covered_secs(spans: &[(i64, i64)]) -> i64 {
    let mut spans = spans.to_vec();
    spans.sort_unstable();
    let (mut covered, mut reach) = (0, i64::MIN);
    for (start, end) in spans {
        covered += (end - start.max(reach)).max(0);
        reach = reach.max(end);
    }
    covered
}

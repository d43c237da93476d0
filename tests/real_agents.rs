//! The official Pyroscope SDKs pointed at the service (docs/agents.md#pushing-from-agents):
//! `pyroscope-io` (Python, the Connect push) and `@pyroscope/nodejs` (Node, `/ingest` with a gzip
//! pprof), each profiling a CPU-busy script of its own (`tests/agents/`) through a recording proxy
//! that keeps a copy of every byte the service was sent. The service's answers must equal what
//! those bytes say, computed here with the `pprof` crate's own decoder (not the service's).
//!
//! Pyroscope's Java agent and Go SDK push here too (`real_agents/java.rs`, `real_agents/go.rs`),
//! read against the JDK's `jfr print` and `go tool pprof` on the bytes they pushed.
//!
//! A test binary of its own, so that the busy scripts do not share the two cores with the API
//! tests; its tests run one at a time (`ALONE`). The SDKs are installed by
//! `scripts/install-agents.sh` (under `target/agents/`); if they cannot be, the test fails
//! saying why — it never skips.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pprof::protos::Message as _;
use prost::Message as ProstMessage;
use serde_json::Value;

// Each includer uses a different part of it.
#[allow(dead_code)]
#[path = "common/agents.rs"]
mod agents;
#[path = "common/push_proto.rs"]
mod push_proto;
use agents::{
    agents_python, gunzip_if_gzip, install_agents, recorder, recordings, Recorded, Running,
};
use push_proto::PushRequest;

#[path = "real_agents/go.rs"]
mod go;
#[path = "real_agents/java.rs"]
mod java;

/// Held by each test while it runs: real processes on two cores, one test at a time.
static ALONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `text` percent-encoded for a query.
fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// How long each busy script runs; the SDKs push every 10 s.
const DURATION_SECS: &str = "22";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The whole service on `store`, with an embedded PostgreSQL of its own under `data` and the
/// profile watcher on 10-s slices (cpu, wall and in-use), so `/trends` lists the pushes' slices;
/// a push arrives when its 10-s window ends, so the lag (15 s) covers the upload interval.
/// `watch` adds settings of the watcher (its detector's).
async fn service(store: &Path, data: &Path, watch: &str) -> (Running, String) {
    let port = free_port();
    let config = data.join("agents.toml");
    std::fs::write(
        &config,
        format!(
            "[watch]\nslice_secs = 10\nlag_secs = 15\nbackfill_hours = 0\n\
             types = [\"cpu\", \"wall\", \"inuse\"]\n{watch}"
        ),
    )
    .expect("the settings file");
    let child = Running(
        Command::new(env!("CARGO_BIN_EXE_pyroscope-functions"))
            .env("APP_CONFIG", &config)
            .env("APP__DATABASE__EMBEDDED__DATA_DIR", data.join("postgres"))
            .env("PROFILES_DIR", store)
            // The machine's disk is shared with builds: no push is refused for its free space.
            .env("APP__INGEST__MIN_FREE_PERCENT", "0")
            .env("PORT", port.to_string())
            .env("RUST_LOG", "warn")
            .env_remove("PYROSCOPE_URL")
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null())
            .spawn()
            .expect("the service binary starts"),
    );
    let address = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if get(&format!("{address}/health/ready")).await.is_some() {
            return (child, address);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the service at {address} did not get ready");
}

/// Runs a busy script under its SDK to the end; panics with its output if it fails.
fn run_agent(program: &Path, script: &str, server: &str, app: &str) -> Child {
    Command::new(program)
        .arg(root().join("tests/agents").join(script))
        .env("SERVER_ADDRESS", server)
        .env("APP_NAME", app)
        .env("APP_VERSION", "1.0.0")
        .env("DURATION_SECS", DURATION_SECS)
        // pyroscope-io's memory profiles too (a second series, `__name__="memory"`).
        .env("MEMORY", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{} {script} starts: {e}", program.display()))
}

fn finish(child: Child, what: &str) {
    let out = child.wait_with_output().expect("the agent runs");
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn get(url: &str) -> Option<Value> {
    let response = reqwest::get(url).await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    response.json().await.ok()
}

/// Every pprof the service accepted, by route: the recorder's copies of 2xx requests.
fn accepted(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut bodies = Vec::new();
    for recorded in recordings(dir) {
        let Recorded { path, body, .. } = &recorded;
        assert_eq!(
            recorded.upstream_status,
            Some(200),
            "the service refused a real agent's {path}: {:?}",
            recorded.headers
        );
        if path.starts_with("/push.v1.PusherService/Push") {
            let request = <PushRequest as ProstMessage>::decode(&gunzip_if_gzip(body)[..])
                .expect("a PushRequest");
            for series in request.series {
                for sample in series.samples {
                    bodies.push((path.clone(), gunzip_if_gzip(&sample.raw_profile)));
                }
            }
        } else {
            bodies.push((path.clone(), gunzip_if_gzip(body)));
        }
    }
    bodies
}

/// Self value per function (the leaf frame's name, as the service names frames) of the sample
/// type `kind/unit`, over every profile that has it.
fn oracle(profiles: &[Vec<u8>], kind: &str, unit: &str) -> BTreeMap<String, i64> {
    let mut selves = BTreeMap::new();
    for bytes in profiles {
        let p = pprof::protos::Profile::decode(&bytes[..]).expect("a pprof");
        let s = |i: i64| p.string_table[i as usize].clone();
        let Some(index) = p
            .sample_type
            .iter()
            .position(|t| s(t.ty) == kind && s(t.unit) == unit)
        else {
            continue;
        };
        for sample in &p.sample {
            let Some(leaf) = sample.location_id.first() else {
                continue;
            };
            let location = p.location.iter().find(|l| l.id == *leaf).expect("location");
            let name = match location.line.first() {
                None => format!("0x{:x}", location.address),
                Some(line) => {
                    let f = p
                        .function
                        .iter()
                        .find(|f| f.id == line.function_id)
                        .expect("function");
                    let name = s(f.name);
                    if name.is_empty() {
                        s(f.system_name)
                    } else {
                        name
                    }
                }
            };
            *selves.entry(name).or_insert(0) += sample.value[index];
        }
    }
    selves.retain(|_, v| *v > 0);
    selves
}

/// The sum of every sample's `kind/unit` value, over every profile that has it: the total, which
/// counts samples without a stack too (an agent can send one; no function holds it).
fn oracle_total(profiles: &[Vec<u8>], kind: &str, unit: &str) -> i64 {
    let mut total = 0;
    for bytes in profiles {
        let p = pprof::protos::Profile::decode(&bytes[..]).expect("a pprof");
        let s = |i: i64| p.string_table[i as usize].as_str();
        let typed = p
            .sample_type
            .iter()
            .position(|t| s(t.ty) == kind && s(t.unit) == unit);
        if let Some(index) = typed {
            total += p
                .sample
                .iter()
                .map(|sample| sample.value[index])
                .sum::<i64>();
        }
    }
    total
}

/// `(name, selfSamples)` with self time and the total, as the service answers.
async fn answered(address: &str, app: &str, query: &str) -> (BTreeMap<String, i64>, i64, Value) {
    let url = format!("{address}/profiles/{app}?limit=1000&{query}");
    let body = get(&url).await.unwrap_or_else(|| panic!("{url} answers"));
    let functions = body["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["selfSamples"].as_i64().unwrap(),
            )
        })
        .filter(|(_, v)| *v > 0)
        .collect();
    (functions, body["totalSamples"].as_i64().unwrap(), body)
}

#[tokio::test]
async fn the_official_python_and_node_agents_push_and_are_read_exactly() {
    let _alone = ALONE.lock().await;
    install_agents();
    let store = tempfile::tempdir().unwrap();
    let recordings = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let (_service, address) = service(store.path(), data.path(), "").await;
    let (_recorder, proxy) = recorder(recordings.path(), Some(&address));
    let started = chrono::Utc::now().timestamp();

    let python = agents_python();
    let py = run_agent(&python, "busy.py", &proxy, "py-busy");
    let js = run_agent(Path::new("node"), "busy.js", &proxy, "node-busy");
    finish(py, "the Python agent's busy script");
    finish(js, "the Node agent's busy script");
    let window = format!(
        "from={}&to={}",
        started - 60,
        chrono::Utc::now().timestamp() + 60
    );

    let pushed = accepted(recordings.path());
    let from = |prefix: &str| -> Vec<Vec<u8>> {
        pushed
            .iter()
            .filter(|(path, _)| path.starts_with(prefix))
            .map(|(_, body)| body.clone())
            .collect()
    };
    let (python_pushes, node_pushes) = (from("/push.v1"), from("/ingest?"));
    assert!(
        python_pushes.len() >= 2,
        "the Python SDK pushed {} profiles",
        python_pushes.len()
    );
    assert!(
        node_pushes.len() >= 2,
        "the Node SDK pushed {} profiles",
        node_pushes.len()
    );

    let apps = get(&format!("{address}/profiles/apps?{window}"))
        .await
        .expect("apps");
    for app in ["py-busy", "node-busy"] {
        assert!(
            apps["apps"].as_array().unwrap().iter().any(|a| a == app),
            "{apps}"
        );
    }

    // Python: cpu, the two hot functions first, every number as the pushed bytes say.
    let want = oracle(&python_pushes, "cpu", "nanoseconds");
    let (got, total, body) = answered(&address, "py-busy", &format!("type=cpu&{window}")).await;
    assert_eq!(
        got, want,
        "the Python agent's cpu profile, function by function"
    );
    assert_eq!(total, oracle_total(&python_pushes, "cpu", "nanoseconds"));
    assert!(
        body["profileTypeId"]
            .as_str()
            .unwrap()
            .starts_with("process_cpu:cpu:nanoseconds"),
        "{body}"
    );
    let first = body["functions"][0]["name"].as_str().unwrap();
    let second = body["functions"][1]["name"].as_str().unwrap();
    assert_eq!(
        (first, second),
        ("busy_alpha_hashing", "busy_beta_sorting"),
        "{body}"
    );
    let version = "labels=version%3D%221.0.0%22";
    assert_eq!(
        answered(&address, "py-busy", &format!("type=cpu&{window}&{version}"))
            .await
            .1,
        total
    );
    let other = "labels=version%3D%229.9.9%22";
    assert_eq!(
        answered(&address, "py-busy", &format!("type=cpu&{window}&{other}"))
            .await
            .1,
        0
    );

    // Node: its profile is wall-clock (period type wall), read as wall and never as cpu.
    let want = oracle(&node_pushes, "wall", "nanoseconds");
    let (got, total, body) = answered(&address, "node-busy", &format!("type=wall&{window}")).await;
    assert_eq!(
        got, want,
        "the Node agent's wall profile, function by function"
    );
    assert!(total > 0);
    assert!(
        body["profileTypeId"]
            .as_str()
            .unwrap()
            .starts_with("wall:wall:nanoseconds:wall:nanoseconds"),
        "{body}"
    );
    let inclusive = |needle: &str| {
        body["functions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["name"].as_str().unwrap().contains(needle))
            .map(|f| f["totalSamples"].as_i64().unwrap())
            .max()
            .unwrap_or_else(|| panic!("{needle} is in the wall profile: {body}"))
    };
    assert!(
        inclusive("busyAlphaHashing") > inclusive("busyBetaSorting"),
        "{body}"
    );
    assert_eq!(
        answered(&address, "node-busy", &format!("type=cpu&{window}"))
            .await
            .1,
        0,
        "wall is not cpu"
    );
    assert_eq!(
        answered(
            &address,
            "node-busy",
            &format!("type=wall&{window}&{version}")
        )
        .await
        .1,
        total
    );

    // In-use memory (docs/runtimes.md): Node's heap profile is `inuse`, and a window of it is the
    // time-weighted mean of its snapshots.
    let snapshots: Vec<&(String, Vec<u8>)> = pushed
        .iter()
        .filter(|(p, _)| p.starts_with("/ingest?"))
        .collect();
    let (want, n) = snapshot_oracle(&snapshots, "inuse_space", "bytes");
    assert!(n >= 1, "the Node SDK pushed no heap snapshot");
    let (got, _, body) = answered(&address, "node-busy", &format!("type=inuse&{window}")).await;
    assert!(
        body["profileTypeId"]
            .as_str()
            .unwrap()
            .starts_with("memory:inuse_space:bytes"),
        "{body}"
    );
    assert!(!got.is_empty(), "Node holds no memory: {body}");
    let names: std::collections::BTreeSet<&String> = got.keys().chain(want.keys()).collect();
    for name in names {
        let (got, want) = (
            got.get(name).copied().unwrap_or(0),
            want.get(name).copied().unwrap_or(0.0),
        );
        // The service rounds each snapshot's share to a whole byte.
        assert!(
            (got as f64 - want).abs() <= n as f64,
            "node-busy {name}: {got} bytes, the mean of {n} snapshots is {want}"
        );
    }
    // pyroscope-io 1.4's memory series (`__name__="memory"`) carries Python's four sample
    // types, but its in-use values are all zero (the SDK samples allocations only): alloc
    // answers from alloc_space exactly, and in-use answers what was sent, nothing.
    let python_memory: Vec<Vec<u8>> = python_pushes.clone();
    let want = oracle(&python_memory, "alloc_space", "bytes");
    assert!(!want.is_empty(), "the Python SDK pushed no allocations");
    let (got, _, _) = answered(&address, "py-busy", &format!("type=alloc&{window}")).await;
    assert_eq!(
        got, want,
        "the Python agent's allocations, function by function"
    );
    let (held, _) = snapshot_oracle(
        &pushed
            .iter()
            .filter(|(p, _)| p.starts_with("/push.v1"))
            .collect::<Vec<_>>(),
        "inuse_space",
        "bytes",
    );
    let (got, total, _) = answered(&address, "py-busy", &format!("type=inuse&{window}")).await;
    assert!(
        held.is_empty() && got.is_empty() && total == 0,
        "{held:?} {got:?}"
    );

    // With 10-s slices the watcher has summarized the pushes: /trends lists the slices, each
    // with the version the agents tagged.
    for (app, kind) in [("py-busy", "cpu"), ("node-busy", "wall")] {
        let url = format!("{address}/trends/{app}?type={kind}&{window}");
        let deadline = Instant::now() + Duration::from_secs(60);
        let slices = loop {
            let trends = get(&url).await.unwrap_or_else(|| panic!("{url} answers"));
            let slices = trends["slices"].as_array().cloned().unwrap_or_default();
            if slices.len() >= 2 || Instant::now() > deadline {
                break slices;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        };
        assert!(slices.len() >= 2, "{app}: {slices:?}");
        for slice in &slices {
            assert_eq!(slice["start"].as_i64().unwrap() % 10, 0, "{slice}");
            assert_eq!(slice["versions"], serde_json::json!(["1.0.0"]), "{slice}");
        }
    }
}

/// Per function (leaf frame), the time-weighted mean of `kind/unit` over the snapshots that
/// have it, as docs/runtimes.md defines a window of in-use memory: each counts for the time it
/// covers (the push's `from`/`until`, else the pprof's own time), over the time all of them cover
/// together. Also how many snapshots there were.
fn snapshot_oracle(
    pushes: &[&(String, Vec<u8>)],
    kind: &str,
    unit: &str,
) -> (BTreeMap<String, f64>, usize) {
    const SECOND: i64 = 1_000_000_000;
    let mut held: Vec<((i64, i64), BTreeMap<String, i64>)> = Vec::new();
    for (path, bytes) in pushes {
        let selves = oracle(std::slice::from_ref(bytes), kind, unit);
        let p = pprof::protos::Profile::decode(&bytes[..]).expect("a pprof");
        let has = p
            .sample_type
            .iter()
            .any(|t| p.string_table[t.ty as usize] == kind);
        if !has {
            continue;
        }
        let query = |key: &str| -> Option<i64> {
            let (_, query) = path.split_once('?')?;
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
                .and_then(|v| v.parse().ok())
        };
        let span = match (query("from"), query("until")) {
            (Some(from), Some(until)) => (from * SECOND, until * SECOND),
            _ => {
                assert!(p.time_nanos > 0, "a snapshot without a time: {path}");
                (p.time_nanos, p.time_nanos + p.duration_nanos.max(SECOND))
            }
        };
        held.push((span, selves));
    }
    let mut spans: Vec<(i64, i64)> = held.iter().map(|(s, _)| *s).collect();
    spans.sort_unstable();
    let (mut covered, mut reach) = (0i64, i64::MIN);
    for (start, end) in spans {
        covered += (end - start.max(reach)).max(0);
        reach = reach.max(end);
    }
    let mut mean = BTreeMap::new();
    for ((start, end), selves) in &held {
        let weight = (end - start) as f64 / covered as f64;
        for (name, value) in selves {
            *mean.entry(name.clone()).or_insert(0.0) += *value as f64 * weight;
        }
    }
    (mean, held.len())
}

//! The official Pyroscope SDKs pointed at the service (SPEC §16): `pyroscope-io` (Python, the
//! Connect push) and `@pyroscope/nodejs` (Node, `/ingest` with a gzip pprof), each profiling a
//! CPU-busy script of its own (`tests/agents/`) through a recording proxy that keeps a copy of
//! every byte the service was sent. The service's answers must equal what those bytes say,
//! computed here with the `pprof` crate's own decoder (not the service's).
//!
//! A test binary of its own, so that the busy scripts do not share the two cores with the API
//! tests. The SDKs are installed by `scripts/install-agents.sh` (under `target/agents/`); if
//! they cannot be, the test fails saying why — it never skips.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pprof::protos::Message as _;
use prost::Message as ProstMessage;
use serde_json::Value;

#[path = "common/push_proto.rs"]
mod push_proto;
use push_proto::PushRequest;

/// How long each busy script runs; the SDKs push every 10 s.
const DURATION_SECS: &str = "22";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn gunzip_if_gzip(bytes: &[u8]) -> Vec<u8> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return bytes.to_vec();
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("gzip");
    out
}

/// A killed-on-drop child.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn install_agents() {
    let out = Command::new("bash")
        .arg(root().join("scripts/install-agents.sh"))
        .output()
        .expect("bash runs scripts/install-agents.sh");
    assert!(
        out.status.success(),
        "the real agents cannot be installed, so this test cannot run (it never skips):\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The Profile Data process (it hosts the push routes; no database) on `store`.
async fn service(store: &Path) -> (Running, String) {
    let port = free_port();
    let child = Running(
        Command::new(env!("CARGO_BIN_EXE_pyroscope-functions"))
            .env("FUNCTION", "ReadPyroscopeProfile.sor.v1")
            .env("PROFILES_DIR", store)
            .env("PORT", port.to_string())
            .env("RUST_LOG", "warn")
            .env_remove("PYROSCOPE_URL")
            .stdout(Stdio::null())
            .spawn()
            .expect("the service binary starts"),
    );
    let address = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if get(&format!("{address}/health/ready")).await.is_some() {
            return (child, address);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the service at {address} did not get ready");
}

/// The recording proxy in front of `upstream`, saving requests into `dir`.
fn recorder(dir: &Path, upstream: &str) -> (Running, String) {
    let mut child = Command::new("python3")
        .arg(root().join("tests/agents/recorder.py"))
        .arg("0")
        .arg(dir)
        .arg(upstream)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the recorder");
    let stdout = child.stdout.take().expect("the recorder's stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the recorder says its port");
    let port = line
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("the recorder said {line:?}"));
    (Running(child), format!("http://127.0.0.1:{port}"))
}

/// Runs a busy script under its SDK to the end; panics with its output if it fails.
fn run_agent(program: &Path, script: &str, server: &str, app: &str) -> Child {
    Command::new(program)
        .arg(root().join("tests/agents").join(script))
        .env("SERVER_ADDRESS", server)
        .env("APP_NAME", app)
        .env("APP_VERSION", "1.0.0")
        .env("DURATION_SECS", DURATION_SECS)
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
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the recordings")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    for meta_path in entries {
        let meta: Value = serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
        let status = meta["upstream_status"].as_u64().unwrap_or(0);
        let path = meta["path"].as_str().unwrap_or_default().to_owned();
        assert_eq!(
            status, 200,
            "the service refused a real agent's {path}: {meta}"
        );
        let body = std::fs::read(meta_path.with_extension("body")).unwrap();
        if path.starts_with("/push.v1.PusherService/Push") {
            let request = <PushRequest as ProstMessage>::decode(&gunzip_if_gzip(&body)[..])
                .expect("a PushRequest");
            for series in request.series {
                for sample in series.samples {
                    bodies.push((path.clone(), gunzip_if_gzip(&sample.raw_profile)));
                }
            }
        } else {
            bodies.push((path, gunzip_if_gzip(&body)));
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
    install_agents();
    let store = tempfile::tempdir().unwrap();
    let recordings = tempfile::tempdir().unwrap();
    let (_service, address) = service(store.path()).await;
    let (_recorder, proxy) = recorder(recordings.path(), &address);
    let started = chrono::Utc::now().timestamp();

    let python = root().join("target/agents/venv/bin/python");
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
    assert_eq!(total, want.values().sum::<i64>());
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
}

//! Pyroscope's Java agent (`io.pyroscope:agent`, async-profiler inside) attached with
//! `-javaagent` to tests/java/AgentWorkload.java, pushing JFR (`PYROSCOPE_FORMAT=jfr`) with CPU
//! as `itimer`, allocation and lock events and `LabelsWrapper` labels to the service through
//! the recording proxy (docs/agents.md#the-java-agent). The oracle is the JDK's own `jfr print
//! --json` on the exact recordings pushed: every function's cpu, alloc and lock value, every
//! total and every label selection equals what it reads. Then triage names what the program
//! does, and a second build doing three times the work in `Checkout.price`, restarted as
//! version 2.0.0, is confirmed as a regression of that version.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use prost::Message as _;
use serde_json::{json, Value};

use super::agents::{
    gunzip_if_gzip, install_agents, multipart_parts, query_value, recorder, recordings,
};
use super::{answered, get, root, service, urlencode, ALONE};

/// The agent's version, as scripts/install-agents.sh installs it.
const AGENT_VERSION: &str = "2.1.2";
/// How long each build of the workload runs; the agent uploads every 2 s.
const JAVA_SECS: &str = "9";
const HOT: &str = "AgentWorkload$Checkout.price";
const RANK: &str = "AgentWorkload$Search.rank";
const LOAD: &str = "AgentWorkload$Catalog.load";
const POST: &str = "AgentWorkload$Ledger.post";

/// `io.pyroscope.labels.pb.Context` of the agent's `jfr_labels.proto`, declared here from the
/// agent's own file (the test reads the snapshot without the service's reader).
#[derive(Clone, PartialEq, prost::Message)]
struct Context {
    #[prost(map = "int64, int64", tag = "1")]
    labels: std::collections::HashMap<i64, i64>,
}

/// `io.pyroscope.labels.pb.LabelsSnapshot`.
#[derive(Clone, PartialEq, prost::Message)]
struct LabelsSnapshot {
    #[prost(map = "int64, message", tag = "1")]
    contexts: std::collections::HashMap<i64, Context>,
    #[prost(map = "int64, string", tag = "2")]
    strings: std::collections::HashMap<i64, String>,
}

/// One push of the agent as the proxy kept it.
struct JfrPush {
    path: String,
    content_type: String,
    body: Vec<u8>,
    /// The recording, un-gzipped, written to a file for `jfr print`.
    file: PathBuf,
    /// Label pairs by context ID, from the part `labels`.
    contexts: BTreeMap<i64, BTreeMap<String, String>>,
}

fn agent_jar() -> PathBuf {
    root().join(format!("target/agents/java/agent-{AGENT_VERSION}.jar"))
}

fn jdk(tool: &str) -> Command {
    let found = Command::new(tool).arg("--version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "`{tool}` is not on PATH: install a JDK (scripts/test installs default-jdk-headless)"
    );
    Command::new(tool)
}

/// The workload compiled in `dir`, its hot method doing `factor` times the work.
fn build(dir: &Path, factor: u32) -> PathBuf {
    let source = std::fs::read_to_string(root().join("tests/java/AgentWorkload.java")).unwrap();
    let rounds = "HOT_ROUNDS = 4_000_000;";
    assert!(source.contains(rounds), "the workload's HOT_ROUNDS");
    let source = source.replace(rounds, &format!("HOT_ROUNDS = {};", 4_000_000 * factor));
    let src = dir.join(format!("src{factor}"));
    let classes = dir.join(format!("classes{factor}"));
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("AgentWorkload.java"), source).unwrap();
    let status = jdk("javac")
        .arg("-cp")
        .arg(agent_jar())
        .arg("-d")
        .arg(&classes)
        .arg(src.join("AgentWorkload.java"))
        .status()
        .expect("javac runs");
    assert!(status.success(), "javac failed on the workload");
    classes
}

/// Runs a build of the workload under the agent to the end, pushing to `server`.
fn run_java(classes: &Path, server: &str, app: &str, version: &str) {
    let out = jdk("java")
        .arg(format!("-javaagent:{}", agent_jar().display()))
        .arg("-cp")
        .arg(classes)
        .arg("AgentWorkload")
        .arg(JAVA_SECS)
        .env("PYROSCOPE_APPLICATION_NAME", app)
        .env("PYROSCOPE_SERVER_ADDRESS", server)
        .env("PYROSCOPE_FORMAT", "jfr")
        .env("PYROSCOPE_PROFILER_EVENT", "itimer")
        // Low enough to sample in seconds: a 256 KiB allocation interval, every lock wait of
        // 1 ms or more (Ledger.post holds its monitor 3 ms).
        .env("PYROSCOPE_PROFILER_ALLOC", "256k")
        .env("PYROSCOPE_PROFILER_LOCK", "1ms")
        .env("PYROSCOPE_UPLOAD_INTERVAL", "2s")
        .env("PYROSCOPE_LABELS", format!("version={version}"))
        .env("PYROSCOPE_LOG_LEVEL", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("java runs");
    assert!(
        out.status.success(),
        "the Java workload under the agent failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The agent's JFR pushes the proxy kept in `dir`, each recording written beside them.
fn jfr_pushes(dir: &Path) -> Vec<JfrPush> {
    let mut pushes = Vec::new();
    for (n, r) in recordings(dir).into_iter().enumerate() {
        if !r.path.starts_with("/ingest?")
            || query_value(&r.path, "format").as_deref() != Some("jfr")
        {
            continue;
        }
        assert_eq!(
            r.upstream_status,
            Some(200),
            "the service refused the Java agent's {}",
            r.path
        );
        let content_type = r.header("content-type").unwrap_or_default().to_owned();
        let parts = multipart_parts(&content_type, &r.body);
        let part = |name: &str| {
            parts
                .iter()
                .find(|p| p.name == name)
                .map(|p| gunzip_if_gzip(&p.content))
        };
        let jfr = part("jfr").expect("the agent's part `jfr`");
        let file = dir.join(format!("push-{n}.jfr"));
        std::fs::write(&file, &jfr).unwrap();
        let mut contexts = BTreeMap::new();
        if let Some(labels) = part("labels") {
            let snapshot = LabelsSnapshot::decode(&labels[..]).expect("a LabelsSnapshot");
            for (id, context) in snapshot.contexts {
                let pairs = context
                    .labels
                    .iter()
                    .map(|(k, v)| (snapshot.strings[k].clone(), snapshot.strings[v].clone()))
                    .collect();
                contexts.insert(id, pairs);
            }
        }
        pushes.push(JfrPush {
            path: r.path.clone(),
            content_type,
            body: r.body.clone(),
            file,
            contexts,
        });
    }
    pushes
}

/// What the JDK reads in the pushed recordings, per logical type: the value of each top frame,
/// the total of the events with a stack, and the total of those whose context has each label.
#[derive(Default, Debug)]
struct Read {
    selves: BTreeMap<String, i64>,
    total: i64,
    labelled: BTreeMap<(String, String), i64>,
    by_version: BTreeMap<String, i64>,
}

/// `jfr print --json` of every push: cpu (execution samples × the `interval` setting), alloc
/// (`tlabSize` of allocations in a new TLAB, `allocationSize` outside), lock (monitor enters
/// and parks, counted), wall (async-profiler's wall-clock samples × `samples`).
fn jdk_reads(pushes: &[JfrPush]) -> BTreeMap<&'static str, Read> {
    let mut reads: BTreeMap<&'static str, Read> = BTreeMap::new();
    for push in pushes {
        let version = query_value(&push.path, "name")
            .and_then(|n| {
                n.split("version=")
                    .nth(1)
                    .map(|v| v.trim_end_matches('}').to_owned())
            })
            .unwrap_or_default();
        let out = jdk("jfr")
            .args(["print", "--json", "--stack-depth", "1", "--events"])
            .arg(
                "jdk.ActiveSetting,jdk.ExecutionSample,jdk.ObjectAllocationInNewTLAB,\
                 jdk.ObjectAllocationOutsideTLAB,jdk.JavaMonitorEnter,jdk.ThreadPark,\
                 profiler.WallClockSample",
            )
            .arg(&push.file)
            .output()
            .expect("jfr runs");
        assert!(
            out.status.success(),
            "jfr print failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed: Value = serde_json::from_slice(&out.stdout).expect("jfr print --json");
        let events = printed["recording"]["events"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let interval: i64 = events
            .iter()
            .filter(|e| e["type"] == "jdk.ActiveSetting" && e["values"]["name"] == "interval")
            .find_map(|e| e["values"]["value"].as_str()?.parse().ok())
            .expect("async-profiler states its interval");
        for e in &events {
            let v = &e["values"];
            let long = |name: &str| v[name].as_i64().unwrap_or(0);
            let (kind, weight) = match e["type"].as_str().unwrap_or_default() {
                "jdk.ExecutionSample" => ("cpu", interval),
                "jdk.ObjectAllocationInNewTLAB" => ("alloc", long("tlabSize")),
                "jdk.ObjectAllocationOutsideTLAB" => ("alloc", long("allocationSize")),
                "jdk.JavaMonitorEnter" | "jdk.ThreadPark" => ("lock", 1),
                "profiler.WallClockSample" => ("wall", interval * long("samples").max(1)),
                _ => continue,
            };
            let Some(top) = v["stackTrace"]["frames"].get(0) else {
                continue;
            };
            let method = &top["method"];
            let name = format!(
                "{}.{}",
                method["type"]["name"].as_str().unwrap_or_default(),
                method["name"].as_str().unwrap_or_default()
            );
            let read = reads.entry(kind).or_default();
            *read.selves.entry(name).or_default() += weight;
            read.total += weight;
            *read.by_version.entry(version.clone()).or_default() += weight;
            if let Some(pairs) = push.contexts.get(&long("contextId")) {
                for (k, value) in pairs {
                    *read.labelled.entry((k.clone(), value.clone())).or_default() += weight;
                }
            }
        }
    }
    for read in reads.values_mut() {
        read.selves.retain(|_, v| *v != 0);
    }
    reads
}

/// The `n` largest of `values`, largest first, with their shares of `total` in per mille.
fn top_shares(values: &BTreeMap<String, i64>, total: i64, n: usize) -> Vec<(String, i64)> {
    let mut top: Vec<_> = values.iter().map(|(k, v)| (k.clone(), *v)).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(n);
    top.into_iter()
        .map(|(k, v)| (k, (v as f64 * 1000.0 / total as f64).round() as i64))
        .collect()
}

#[tokio::test]
async fn the_java_agent_pushes_jfr_that_reads_as_the_jdk_reads_it() {
    let _alone = ALONE.lock().await;
    install_agents();
    let work = tempfile::tempdir().unwrap();
    let (v1, v2) = (build(work.path(), 1), build(work.path(), 3));
    let store = tempfile::tempdir().unwrap();
    let recorded = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    // The replay's 8 + 6 slices: a reference of 5 and the 6 watched after it.
    let detector = "reference_slices = 5\nrecent_slices = 3\nconfirm_slices = 1\n\
                    watched_slices = 6\nsettle_slices = 8\n";
    let (_service, address) = service(store.path(), data.path(), detector).await;
    let (_recorder, proxy) = recorder(recorded.path(), Some(&address));
    let started = chrono::Utc::now().timestamp();
    run_java(&v1, &proxy, "java-app", "1.0.0");
    run_java(&v2, &proxy, "java-app", "2.0.0");
    let window = format!(
        "from={}&to={}",
        started - 60,
        chrono::Utc::now().timestamp() + 60
    );

    let pushes = jfr_pushes(recorded.path());
    assert!(
        pushes.len() >= 4,
        "the Java agent pushed {} recordings",
        pushes.len()
    );
    assert!(
        pushes.iter().any(|p| !p.contexts.is_empty()),
        "the agent sent its LabelsWrapper contexts in the part `labels`"
    );
    let reads = jdk_reads(&pushes);
    for kind in ["cpu", "alloc", "lock"] {
        let read = reads
            .get(kind)
            .unwrap_or_else(|| panic!("the JDK reads no {kind} event"));
        let (got, total, body) =
            answered(&address, "java-app", &format!("type={kind}&{window}")).await;
        assert_eq!(
            got, read.selves,
            "{kind}: the service and `jfr print` disagree, function by function"
        );
        assert_eq!(total, read.total, "{kind}: the total");
        assert_eq!(
            top_shares(&got, total, 5),
            top_shares(&read.selves, read.total, 5),
            "{kind}: the top functions and their shares"
        );
        for (version, want) in &read.by_version {
            let selected = format!(
                "type={kind}&{window}&labels={}",
                urlencode(&format!("version=\"{version}\""))
            );
            assert_eq!(
                answered(&address, "java-app", &selected).await.1,
                *want,
                "{kind} of {version}: {body}"
            );
        }
    }
    // What each type is about, by the program's own methods.
    let top = |kind: &str| {
        top_shares(&reads[kind].selves, reads[kind].total, 1)[0]
            .0
            .clone()
    };
    assert_eq!(top("cpu"), HOT);
    assert_eq!(top("alloc"), LOAD);
    assert_eq!(top("lock"), POST);
    assert!(
        !reads.contains_key("wall"),
        "itimer sends no wall-clock samples"
    );

    // Labels from LabelsWrapper select: the cpu of each request is what its contexts hold.
    let cpu = &reads["cpu"];
    for request in ["checkout", "search"] {
        let want = cpu.labelled[&("request".to_owned(), request.to_owned())];
        let selected = format!(
            "type=cpu&{window}&labels={}",
            urlencode(&format!("request=\"{request}\""))
        );
        let (got, total, _) = answered(&address, "java-app", &selected).await;
        assert_eq!(total, want, "request={request}");
        let method = if request == "checkout" { HOT } else { RANK };
        let first = got.iter().max_by_key(|(_, v)| **v).map(|(k, _)| k.as_str());
        assert_eq!(first, Some(method), "request={request}: {got:?}");
    }

    // Triage of the Java app names what it does: its hot method, its allocations, its lock.
    let triage = get(&format!(
        "{address}/triage/java-app?{window}&types=cpu,alloc,lock"
    ))
    .await
    .expect("triage answers");
    let text = triage.to_string();
    for method in [HOT, LOAD, POST] {
        assert!(text.contains(method), "triage names {method}: {triage:#}");
    }
    eprintln!("java triage: {triage:#}");

    // The regression: the pushes replayed unchanged (only their windows moved into past 10-s
    // slices), six slices of 1.0.0 then four of 2.0.0, and the slices backfilled.
    confirm_regression(&address, &pushes).await;
}

/// Replays `pushes` as the app `java-regress` into past slices, backfills them and asserts the
/// regression of `Checkout.price` is confirmed with version 2.0.0.
async fn confirm_regression(address: &str, pushes: &[JfrPush]) {
    let client = reqwest::Client::new();
    let of = |version: &str| -> Vec<&JfrPush> {
        pushes
            .iter()
            .filter(|p| {
                query_value(&p.path, "name")
                    .is_some_and(|n| n.contains(&format!("version={version}")))
            })
            .collect()
    };
    let (before, after) = (of("1.0.0"), of("2.0.0"));
    assert!(
        !before.is_empty() && !after.is_empty(),
        "pushes of both builds"
    );
    let now = chrono::Utc::now().timestamp();
    let first = now - now.rem_euclid(10) - 25 * 10;
    let (slices_before, slices_after) = (8, 6);
    for k in 0..(slices_before + slices_after) {
        let (side, version) = if k < slices_before {
            (&before, "1.0.0")
        } else {
            (&after, "2.0.0")
        };
        for half in 0..2 {
            let push = side[(2 * k + half) as usize % side.len()];
            let from = first + k * 10 + half * 5;
            let name = format!("java-regress{{version={version}}}");
            let url = format!(
                "{address}/ingest?name={}&from={from}&until={}&format=jfr&spyName=javaspy&units=samples&aggregationType=sum&sampleRate=100",
                urlencode(&name),
                from + 5
            );
            let res = client
                .post(&url)
                .header("content-type", &push.content_type)
                .body(push.body.clone())
                .send()
                .await
                .expect("the replay is sent");
            assert_eq!(
                res.status(),
                200,
                "{}",
                res.text().await.unwrap_or_default()
            );
        }
    }
    let end = first + (slices_before + slices_after) * 10;
    let backfill = json!({"from": first, "to": end, "apps": ["java-regress"], "types": ["cpu"]});
    let res = client
        .post(format!("{address}/trends/backfill"))
        .json(&backfill)
        .send()
        .await
        .expect("the backfill is asked");
    assert_eq!(
        res.status(),
        202,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let list = get(&format!(
            "{address}/regressions?appName=java-regress&state=confirmed"
        ))
        .await
        .unwrap_or(Value::Null);
        let found = list["regressions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["function"] == HOT)
            .cloned();
        if let Some(regression) = found {
            let version = &regression["version"];
            assert_eq!(version["after"], "2.0.0", "{regression:#}");
            assert_eq!(version["before"], "1.0.0", "{regression:#}");
            assert_eq!(regression["profileType"], "cpu", "{regression:#}");
            return;
        }
        if Instant::now() > deadline {
            let all = get(&format!("{address}/regressions?appName=java-regress")).await;
            let trend = get(&format!(
                "{address}/trends/java-regress?type=cpu&from={first}&to={end}"
            ))
            .await;
            panic!("{HOT} is not confirmed: {all:?}\n{trend:?}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

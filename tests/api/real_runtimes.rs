//! Profiles written by real runtimes (docs/runtimes.md), made by the test itself: a Go program
//! under `runtime/pprof` (Debian's `golang-go`) and a Node.js process under the real
//! `@pyroscope/nodejs` agent. Their types come out right, their top functions equal what Go's own
//! `go tool pprof` reads from the same bytes, and a workload written to stress each runtime's
//! collector gets that runtime's garbage-collection diagnosis. Never skipped: a missing toolchain
//! fails the test with the reason.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::helpers::{json_with_status, self_samples, spawn_app_with, TestApp, REAL_PROGRAMS};
use crate::ingest::spawn_with_store;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `program` with `args` in `env`, failing the test with its output when it fails.
pub(crate) fn run(program: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| {
            panic!("`{program}` cannot run ({e}): scripts/test installs it (golang-go, nodejs)")
        });
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Flat value per function as `go tool pprof -top` reads `file` (every node kept).
fn go_pprof_top(file: &Path, sample_index: &str, unit: &str) -> BTreeMap<String, u64> {
    pprof_top("go", &[file], sample_index, unit)
}

/// Flat value per function as the `go` binary's `go tool pprof -top` reads `files` merged.
pub(crate) fn pprof_top(
    go: &str,
    files: &[&Path],
    sample_index: &str,
    unit: &str,
) -> BTreeMap<String, u64> {
    let mut args: Vec<String> = [
        "tool",
        "pprof",
        "-top",
        "-nodecount=100000",
        "-nodefraction=0",
        "-edgefraction=0",
    ]
    .map(str::to_owned)
    .to_vec();
    args.push(format!("-sample_index={sample_index}"));
    args.push(format!("-unit={unit}"));
    args.extend(files.iter().map(|f| f.to_string_lossy().into_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let text = run(go, &args, &[]);
    crate::agents::pprof_top_table(&text, unit)
        .into_iter()
        .map(|(name, value)| (name, value.unsigned_abs()))
        .collect()
}

/// `(name, selfSamples)` of every function with self value, as the service answers.
async fn answered(app: &TestApp, path: &str) -> (BTreeMap<String, u64>, Value) {
    let body = json_with_status(app.get(path).await, 200).await;
    let functions = self_samples(&body).into_iter().collect();
    (functions, body)
}

#[tokio::test]
async fn a_go_program_under_runtime_pprof_reads_right_and_its_gc_is_diagnosed() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles");
    let app_dir = profiles.join("goapp");
    std::fs::create_dir_all(&app_dir).unwrap();
    let source = root().join("tests/runtimes/gc_churn.go");
    // A low GOGC makes the collector run after every few allocations.
    let cache = dir.path().join("gocache");
    {
        // Alone, on one P: on a busy machine its Ps contend for the heap's lock, and the
        // profile shows runtime.lock2 rather than the collector (CI saw lock_contention).
        let _alone = REAL_PROGRAMS.write().unwrap_or_else(|e| e.into_inner());
        run(
            "go",
            &["run", &source.to_string_lossy(), &app_dir.to_string_lossy()],
            &[
                ("GOMAXPROCS", "1"),
                ("GOGC", "10"),
                ("GOCACHE", &cache.to_string_lossy()),
                ("GOFLAGS", "-mod=mod"),
            ],
        );
    }
    let app = spawn_app_with(move |s| s.profiles.dir = Some(profiles)).await;
    let now = chrono::Utc::now().timestamp();
    let window = format!("from={}&to={}&limit=1000", now - 600, now + 60);

    for (kind, file, index, unit) in [
        ("cpu", "cpu.pb.gz", "cpu", "ns"),
        ("inuse", "heap.pb.gz", "inuse_space", "B"),
        ("alloc", "heap.pb.gz", "alloc_space", "B"),
    ] {
        let want = go_pprof_top(&app_dir.join(file), index, unit);
        assert!(!want.is_empty(), "go tool pprof read nothing of {file}");
        let (got, body) = answered(&app, &format!("/profiles/goapp?type={kind}&{window}")).await;
        assert_eq!(got, want, "{kind}: the service and go tool pprof disagree");
        assert_eq!(body["profileType"], kind);
    }
    let (held, _) = answered(&app, &format!("/profiles/goapp?type=inuse&{window}")).await;
    let top = held.iter().max_by_key(|(_, v)| **v).unwrap();
    assert_eq!(
        top.0, "main.churnNodes",
        "the cache holds the memory: {held:?}"
    );

    let triage = json_with_status(
        app.get(&format!("/triage/goapp?types=cpu&{window}")).await,
        200,
    )
    .await;
    let cpu = &triage["profiles"]["cpu"];
    assert_eq!(cpu["diagnosis"], "gc_pressure", "{triage}");
    assert!(
        cpu["recommendation"].as_str().unwrap().contains("GOGC"),
        "{cpu}"
    );
}

#[tokio::test]
async fn a_node_process_churning_objects_is_diagnosed_by_v8s_collector_on_wall_time() {
    let out = Command::new("bash")
        .arg(root().join("scripts/install-agents.sh"))
        .output()
        .expect("bash runs scripts/install-agents.sh");
    assert!(
        out.status.success(),
        "the Node agent cannot be installed: {out:?}"
    );
    let store = tempfile::tempdir().unwrap();
    let app = spawn_with_store(store.path()).await;
    let started = chrono::Utc::now().timestamp();
    let script = root().join("tests/runtimes/churn.js");
    let address = app.address.clone();
    tokio::task::spawn_blocking(move || {
        run(
            "node",
            &[&script.to_string_lossy()],
            &[
                ("SERVER_ADDRESS", &address),
                ("APP_NAME", "node-churn"),
                ("DURATION_SECS", "11"),
            ],
        )
    })
    .await
    .unwrap();
    let window = format!(
        "from={}&to={}",
        started - 60,
        chrono::Utc::now().timestamp() + 60
    );

    let triage = json_with_status(
        app.get(&format!("/triage/node-churn?types=wall,cpu&{window}"))
            .await,
        200,
    )
    .await;
    let wall = &triage["profiles"]["wall"];
    assert_eq!(wall["diagnosis"], "gc_pressure", "{triage}");
    assert_eq!(
        wall["evidence"]["matchedFunctions"][0], ":Garbage Collection:0",
        "{wall}"
    );
    assert!(
        wall["recommendation"]
            .as_str()
            .unwrap()
            .contains("--max-old-space-size"),
        "{wall}"
    );
    // The wall-clock profile is never read as CPU.
    assert_eq!(
        triage["profiles"]["cpu"]["diagnosis"], "no_data",
        "{triage}"
    );
}

//! The real programs of the proof of docs/regressions.md#memory-that-only-grows and the profiles
//! they write: the Go program of `tests/runtimes/leaks/heap_ticks.go` under `runtime/pprof` (built
//! with Debian's Go into the tests' target directory, once per test process), and the Node.js
//! process of `tests/runtimes/leaks/keep.js` under the real `@pyroscope/nodejs`, its uploads
//! recorded by `tests/agents/recorder.py`. A missing toolchain fails the test saying what installs
//! it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use pprof::protos::Message as _;

use crate::agents::{gunzip_if_gzip, install_agents, recorder, recordings, Recorded};
use crate::helpers::REAL_PROGRAMS;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What the Go program keeps per tick (its `LeakPerTick`); how many ticks its cache grows
/// (`WarmTicks`) and by how much a tick (`WarmPerTick`).
pub const GO_LEAK_PER_TICK: i64 = 4 << 20;

/// What `main.retainRecords` holds besides what it kept after tick `tick` (from 0): its scratch
/// of 0, 1 or 2 MiB (`ScratchChunks` in heap_ticks.go), around the leak's line.
pub fn go_scratch(tick: i64) -> i64 {
    (tick * 5 % 3) << 20
}
pub const GO_WARM_TICKS: usize = 3;
pub const GO_WARM_PER_TICK: i64 = 8 << 20;
/// The heap sampling rate the proof's runs use: every allocation recorded at its size.
pub const EXACT_RATE: &str = "1";
/// Go's default `runtime.MemProfileRate`, as a program under Pyroscope's Go SDK runs.
pub const DEFAULT_RATE: &str = "524288";

/// Fails with what the program's failure said.
fn checked(what: &str, out: std::io::Result<Output>, installs: &str) -> Output {
    let out = out.unwrap_or_else(|e| panic!("{what} cannot run ({e}): {installs}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The Go program, built into the tests' target directory, one directory per version of the
/// source (a later run of the same source finds it built); the build is renamed into place,
/// so test processes building at once do not see each other's half-written binary.
fn go_binary() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("leaks-go");
        let source = std::fs::read(root().join("tests/runtimes/leaks/heap_ticks.go"))
            .expect("the Go source");
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(&source, &mut hasher);
        let version = std::hash::Hasher::finish(&hasher);
        let build = dir.join(format!("build-{version:016x}"));
        let binary = build.join("heap_ticks");
        if binary.exists() {
            return binary;
        }
        std::fs::create_dir_all(&build).unwrap();
        std::fs::write(build.join("main.go"), source).unwrap();
        std::fs::write(build.join("go.mod"), "module heapticks\n\ngo 1.19\n").unwrap();
        let partial = build.join(format!("heap_ticks.{}", std::process::id()));
        let _beside = REAL_PROGRAMS.read().unwrap_or_else(|e| e.into_inner());
        let out = Command::new("go")
            .current_dir(&build)
            .args(["build", "-buildvcs=false", "-o"])
            .arg(&partial)
            .arg(".")
            .env("GOCACHE", dir.join("gocache"))
            .env("GOFLAGS", "-mod=mod")
            .env("GOPROXY", "off")
            .env("CGO_ENABLED", "0")
            .output();
        checked(
            "go build of heap_ticks.go",
            out,
            "scripts/test installs Go with `apt-get install golang-go`",
        );
        std::fs::rename(&partial, &binary).unwrap();
        binary
    })
}

/// Runs the Go program in `mode` (`leak`, `churn`, `level`) for `ticks` ticks at the heap
/// sampling rate `rate`: its heap profiles (gzip pprof), one per tick, in order.
pub fn go_ticks(mode: &str, ticks: usize, rate: &str) -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let _beside = REAL_PROGRAMS.read().unwrap_or_else(|e| e.into_inner());
    let out = Command::new(go_binary())
        .arg(mode)
        .arg(dir.path())
        .arg(ticks.to_string())
        .env("MEM_PROFILE_RATE", rate)
        .output();
    checked(&format!("heap_ticks {mode}"), out, "it was just built");
    (0..ticks)
        .map(|k| {
            let file = dir.path().join(format!("heap-{k:03}.pb.gz"));
            std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        })
        .collect()
}

/// The Node process's uploads and what it kept per flush.
pub struct NodeRun {
    /// Its `/ingest` uploads, in the order sent (one heap snapshot each).
    pub uploads: Vec<Recorded>,
    /// Bytes `keepRecords` kept per flush interval.
    pub kept_per_flush: i64,
    pub flush_ms: u64,
}

/// Runs `keep.js` under the real `@pyroscope/nodejs` as `app` for `flushes` keeping intervals
/// of `flush_ms`, its uploads recorded (no upstream).
pub fn node_keeping(app: &str, flushes: usize, flush_ms: u64) -> NodeRun {
    install_agents();
    let dir = tempfile::tempdir().unwrap();
    let (_recorder, address) = recorder(dir.path(), None);
    let _beside = REAL_PROGRAMS.read().unwrap_or_else(|e| e.into_inner());
    let out = Command::new("node")
        .arg(root().join("tests/runtimes/leaks/keep.js"))
        .env("SERVER_ADDRESS", &address)
        .env("APP_NAME", app)
        .env("FLUSH_INTERVAL_MS", flush_ms.to_string())
        .env("CHUNKS_PER_FLUSH", "8")
        .env("FLUSHES", flushes.to_string())
        .output();
    let out = checked(
        "node keep.js",
        out,
        "scripts/test installs Node.js 20 (nodejs)",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let kept_per_flush = stdout
        .lines()
        .find_map(|l| l.strip_prefix("kept ")?.trim().parse().ok())
        .unwrap_or_else(|| panic!("keep.js says what it keeps: {stdout}"));
    let uploads: Vec<Recorded> = recordings(dir.path())
        .into_iter()
        .filter(|r| r.path.starts_with("/ingest?"))
        .collect();
    NodeRun {
        uploads,
        kept_per_flush,
        flush_ms,
    }
}

/// Self in-use bytes (`inuse_space`) by function name (the leaf frame's) of one pprof.
pub fn self_inuse(pprof: &[u8]) -> BTreeMap<String, i64> {
    let p = pprof::protos::Profile::decode(&gunzip_if_gzip(pprof)[..]).expect("a pprof");
    let s = |i: i64| p.string_table[i as usize].clone();
    let index = p
        .sample_type
        .iter()
        .position(|t| s(t.ty) == "inuse_space")
        .expect("a heap profile has inuse_space");
    let mut by_function = BTreeMap::new();
    for sample in &p.sample {
        let leaf = sample.location_id.first().and_then(|id| {
            let location = p.location.iter().find(|l| l.id == *id)?;
            let line = location.line.first()?;
            p.function.iter().find(|f| f.id == line.function_id)
        });
        if let Some(f) = leaf {
            *by_function.entry(s(f.name)).or_insert(0) += sample.value[index];
        }
    }
    by_function
}

/// `function`'s self in-use bytes per profile.
pub fn series_of(profiles: &[Vec<u8>], function: &str) -> Vec<i64> {
    profiles
        .iter()
        .map(|p| self_inuse(p).get(function).copied().unwrap_or(0))
        .collect()
}

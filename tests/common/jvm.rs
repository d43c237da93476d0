//! Records a real JVM with Java Flight Recorder: tests/jvm/Workload.java compiled in a temp
//! directory and run with `-XX:StartFlightRecording`. Shared by tests/real_jvm.rs, the JFR
//! API tests and benches/jfr.rs. A machine without `java`, `javac` or `jfr` fails the caller
//! saying so (scripts/test installs them): the tests never skip.

// Each user takes part: the API tests record, tests/real_jvm.rs also reads `jfr print`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The JDK tool `name`, or a panic naming what to install.
pub fn jdk_tool(name: &str) -> String {
    let found = Command::new(name).arg("--version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "`{name}` is not on PATH: these tests record a real JVM; install a JDK \
         (apt-get install default-jdk-headless, as scripts/test does)"
    );
    name.to_owned()
}

/// A recording of `Workload` running `seconds` in `dir`, with `settings` (`profile`) and the
/// extra JVM options `jvm`; the path of the `.jfr`.
pub fn record(dir: &Path, seconds: u32, jvm: &[&str]) -> PathBuf {
    record_with(dir, seconds, "profile", jvm)
}

/// [`record`] with `settings`: a name the JDK knows (`profile`, `default`) or a `.jfc` path.
pub fn record_with(dir: &Path, seconds: u32, settings: &str, jvm: &[&str]) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jvm/Workload.java");
    let classes = dir.join("classes");
    let status = Command::new(jdk_tool("javac"))
        .arg("-d")
        .arg(&classes)
        .arg(&source)
        .status()
        .expect("javac runs");
    assert!(status.success(), "javac failed on {}", source.display());
    let jfr = dir.join("workload.jfr");
    let output = Command::new(jdk_tool("java"))
        .arg(format!(
            "-XX:StartFlightRecording=filename={},settings={settings}",
            jfr.display()
        ))
        .args(jvm)
        .arg("-cp")
        .arg(&classes)
        .arg("Workload")
        .arg(seconds.to_string())
        .output()
        .expect("java runs");
    assert!(
        output.status.success(),
        "the JVM failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    jfr
}

/// The JDK's `profile` settings sampling densely (every 1 ms, 100 000 allocation samples/s,
/// every monitor enter and park), written in `dir`: what the benchmark records.
pub fn dense_settings(dir: &Path) -> PathBuf {
    let output = Command::new(jdk_tool("java"))
        .args(["-XshowSettings:properties", "-version"])
        .output()
        .expect("java runs");
    let text = String::from_utf8_lossy(&output.stderr);
    let home = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("java.home = "))
        .expect("java names its java.home");
    let profile = std::fs::read_to_string(Path::new(home).join("lib/jfr/profile.jfc"))
        .expect("the JDK ships lib/jfr/profile.jfc");
    let dense = profile
        .replace("control=\"method-sampling-java-interval\">10 ms", ">1 ms")
        .replace("control=\"allocation-profiling\">300/s", ">100000/s")
        .replace("control=\"locking-threshold\">10 ms", ">0 ms");
    let path = dir.join("dense.jfc");
    std::fs::write(&path, dense).unwrap();
    path
}

/// `jfr print --json --events EVENT file`, the JDK's own reading, as JSON.
pub fn jfr_print(file: &Path, event: &str) -> serde_json::Value {
    let output = Command::new(jdk_tool("jfr"))
        .args(["print", "--json", "--stack-depth", "64", "--events", event])
        .arg(file)
        .output()
        .expect("jfr runs");
    assert!(output.status.success(), "jfr print failed");
    serde_json::from_slice(&output.stdout).expect("jfr print --json is JSON")
}

/// The JDK's reading of `event` in `file`: the weight of each top frame
/// (`package/Class.method`), by `weight` of each event (1 for a count).
pub fn top_frames(
    file: &Path,
    event: &str,
    weight: impl Fn(&serde_json::Value) -> i64,
) -> Vec<(String, i64)> {
    let printed = jfr_print(file, event);
    let mut totals = std::collections::BTreeMap::<String, i64>::new();
    let events = printed["recording"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for e in &events {
        let Some(top) = e["values"]["stackTrace"]["frames"].get(0) else {
            continue;
        };
        let method = &top["method"];
        let class = method["type"]["name"].as_str().unwrap_or("");
        let name = format!("{class}.{}", method["name"].as_str().unwrap_or(""));
        *totals.entry(name).or_default() += weight(&e["values"]);
    }
    let mut top: Vec<_> = totals.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top
}

/// One 3-s recording of the workload for the whole test binary (its directory lives as long).
pub fn shared_recording() -> &'static Path {
    static RECORDING: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> =
        std::sync::OnceLock::new();
    &RECORDING
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let file = record(dir.path(), 3, &[]);
            (dir, file)
        })
        .1
}

//! What the tests that drive the real Pyroscope SDKs share (docs/agents.md#pushing-from-agents,
//! docs/regressions.md#the-change-that-caused-it): installing the SDKs
//! (`scripts/install-agents.sh`, under `target/agents/`), the recording proxy of
//! `tests/agents/recorder.py`, children killed when dropped, and gunzip of what they send.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Python of the venv where `scripts/install-agents.sh` installed `pyroscope-io`.
pub fn agents_python() -> PathBuf {
    root().join("target/agents/venv/bin/python")
}

/// `bytes` gunzipped when they are gzip, else as they are.
pub fn gunzip_if_gzip(bytes: &[u8]) -> Vec<u8> {
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
pub struct Running(pub Child);

impl Drop for Running {
    /// SIGTERM first, so the service stops its embedded PostgreSQL; SIGKILL after 20 s.
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.0.id()) {
            // SAFETY: kill(2) on our own child's pid, which has not been waited for yet.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Installs the real SDKs (idempotent, well under a second once done); fails the test saying
/// why when they cannot be, never skips.
pub fn install_agents() {
    // Once per test binary: tests running at once would build the same venv at once.
    static INSTALLED: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    if *installed {
        return;
    }
    let out = Command::new("bash")
        .arg(root().join("scripts/install-agents.sh"))
        .output()
        .expect("bash runs scripts/install-agents.sh");
    assert!(
        out.status.success(),
        "the real agents (pyroscope-io from PyPI, @pyroscope/nodejs from npm, as scripts/test \
         installs them with scripts/install-agents.sh) cannot be installed, so this test \
         cannot run (it never skips):\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    *installed = true;
}

/// The recording proxy, saving requests into `dir` and forwarding them to `upstream`, or
/// answering 200 itself without one; and its address.
pub fn recorder(dir: &Path, upstream: Option<&str>) -> (Running, String) {
    let mut child = Command::new("python3")
        .arg(root().join("tests/agents/recorder.py"))
        .arg("0")
        .arg(dir)
        .args(upstream)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the recorder (scripts/test installs python3)");
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

/// One request the recorder received: its path with the query, headers, the upstream's answer
/// (when proxying) and the body as sent (still gzip when the client compressed it).
pub struct Recorded {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub upstream_status: Option<u64>,
    pub body: Vec<u8>,
}

impl Recorded {
    /// The value of header `name` (any case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The requests the recorder saved into `dir`, in the order it received them.
pub fn recordings(dir: &Path) -> Vec<Recorded> {
    let mut numbered: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
        .expect("the recordings")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let n = p.file_stem().and_then(|s| s.to_str()?.parse().ok());
            (n.expect("recordings are named by number"), p)
        })
        .collect();
    numbered.sort();
    numbered
        .into_iter()
        .map(|(_, meta_path)| {
            let meta: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
            let headers = meta["headers"].as_array().cloned().unwrap_or_default();
            Recorded {
                path: meta["path"].as_str().unwrap_or_default().to_owned(),
                headers: headers
                    .iter()
                    .map(|kv| {
                        let text = |i: usize| kv[i].as_str().unwrap_or_default().to_owned();
                        (text(0), text(1))
                    })
                    .collect(),
                upstream_status: meta["upstream_status"].as_u64(),
                body: std::fs::read(meta_path.with_extension("body")).unwrap(),
            }
        })
        .collect()
}

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
        "the real agents (pyroscope-io from PyPI, @pyroscope/nodejs from npm, io.pyroscope:agent \
         from Maven Central with mvn, pyroscope-go and Pyroscope's api module from the Go \
         module proxy, as scripts/test installs them with scripts/install-agents.sh) cannot be \
         installed, so this test cannot run (it never skips):\n{}\n{}",
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

/// One part of a `multipart/form-data` body: its name and its content.
pub struct Part {
    pub name: String,
    pub content: Vec<u8>,
}

/// The parts of `body`, sent with `content_type` (`multipart/form-data; boundary=…`), read
/// here without the service's reader.
pub fn multipart_parts(content_type: &str, body: &[u8]) -> Vec<Part> {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .expect("a multipart boundary")
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut starts = Vec::new();
    let mut at = 0;
    while let Some(i) = find(&body[at..], delimiter) {
        starts.push(at + i);
        at += i + delimiter.len();
    }
    starts
        .windows(2)
        .filter_map(|w| {
            let part = &body[w[0] + delimiter.len()..w[1]];
            let head_end = find(part, b"\r\n\r\n")?;
            let head = String::from_utf8_lossy(&part[..head_end]);
            let name = head.split("name=\"").nth(1)?.split('"').next()?.to_owned();
            let content = &part[head_end + 4..];
            let content = content.strip_suffix(b"\r\n").unwrap_or(content);
            Some(Part {
                name,
                content: content.to_vec(),
            })
        })
        .collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The value of `key` in a recorded request's query, percent-decoded.
pub fn query_value(path: &str, key: &str) -> Option<String> {
    let (_, query) = path.split_once('?')?;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| {
            url::form_urlencoded::parse(format!("v={v}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
    })
}

/// The `go` binary's environment for the module `tests/go`, as scripts/install-agents.sh
/// builds it: modules and build cache under target/agents/go.
pub fn go_env() -> Vec<(&'static str, String)> {
    let go = root().join("target/agents/go");
    vec![
        ("GOMODCACHE", go.join("mod").to_string_lossy().into_owned()),
        ("GOCACHE", go.join("cache").to_string_lossy().into_owned()),
        ("GOFLAGS", "-mod=mod".to_owned()),
    ]
}

/// A program of `tests/go` that scripts/install-agents.sh built.
pub fn go_program(name: &str) -> PathBuf {
    root().join("target/agents/go/bin").join(name)
}

/// Flat value per function as `go tool pprof -top` reads `files` merged (every node kept), of
/// `sample_index` in `unit`, with pprof's own further options `extra` (`-tagfocus=…`).
pub fn go_pprof_top(
    files: &[PathBuf],
    sample_index: &str,
    unit: &str,
    extra: &[&str],
) -> std::collections::BTreeMap<String, i64> {
    let mut command = Command::new("go");
    command
        .args(["tool", "pprof", "-top", "-nodecount=100000"])
        .args(["-nodefraction=0", "-edgefraction=0"])
        .arg(format!("-sample_index={sample_index}"))
        .args((!unit.is_empty()).then(|| format!("-unit={unit}")))
        .args(extra)
        .args(files)
        .current_dir(root().join("tests/go"))
        .envs(go_env());
    let out = command
        .output()
        .expect("`go` runs (scripts/test installs Go)");
    assert!(
        out.status.success(),
        "go tool pprof failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    pprof_top_table(&String::from_utf8_lossy(&out.stdout), unit)
}

/// `go tool pprof -top`'s table: flat value (in `unit`) by function, zeros left out. The
/// annotations pprof adds to a name are not part of it: ` (inline)` for a function only ever
/// inlined, ` (partial-inline)` for one inlined at some calls and not at others (which of the
/// two a run shows depends on which calls were sampled).
pub fn pprof_top_table(text: &str, unit: &str) -> std::collections::BTreeMap<String, i64> {
    let mut flat = std::collections::BTreeMap::new();
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let Some(value) = fields.next().and_then(|v| v.strip_suffix(unit)) else {
            continue;
        };
        let Ok(value) = value.parse::<i64>() else {
            continue;
        };
        // flat%, sum%, cum, cum%, then the name (which may hold spaces).
        let name = fields.skip(4).collect::<Vec<_>>().join(" ");
        let name = [" (inline)", " (partial-inline)"]
            .iter()
            .find_map(|annotation| name.strip_suffix(annotation))
            .unwrap_or(&name)
            .to_owned();
        if value > 0 {
            *flat.entry(name).or_default() += value;
        }
    }
    flat
}

#[test]
fn pprof_top_tables_name_functions_without_pprofs_annotations() {
    // Lines as `go tool pprof -top -sample_index=contentions` printed them in a CI run.
    let table = "      flat  flat%   sum%        cum   cum%\n\
        \x20     2595 98.59% 98.59%       2595 98.59%  sync.(*Mutex).Unlock (partial-inline)\n\
        \x20       37  1.41%   100%         37  1.41%  <unknown>\n\
        \x20        3  0.11%   100%          3  0.11%  runtime.unlock (inline)\n\
        \x20        0     0%   100%       2593 98.52%  main.lockHolder\n";
    let top = pprof_top_table(table, "");
    let want = [
        ("<unknown>", 37),
        ("runtime.unlock", 3),
        ("sync.(*Mutex).Unlock", 2595),
    ];
    assert_eq!(top, want.map(|(k, v)| (k.to_owned(), v)).into());
}

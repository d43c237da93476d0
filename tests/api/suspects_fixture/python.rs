//! The Python side of the fixtures: the same history as the Go one, and the pushes of the real
//! `pyroscope-io` agent (1.x, installed by `scripts/install-agents.sh`) running the program at A
//! and at B, as `tests/agents/recorder.py` received them.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use prost::Message as _;
use tempfile::TempDir;

use super::{checkout, history, Edit};
use crate::agents::{agents_python, gunzip_if_gzip, install_agents, recorder, recordings};
use crate::push_proto::PushRequest;

/// A Python repository at range A..B and what the agent pushed while each end ran.
pub struct PythonFixture {
    /// Holds the repository, the two checkouts and the recordings; removed when dropped.
    pub dir: TempDir,
    /// The git repository (a work tree with `.git`), for the service's `repositories.dirs`.
    pub repository: PathBuf,
    /// The agent's `service_repository` label.
    pub url: String,
    /// The agent's application name (`service_name` in the pushes).
    pub app: String,
    /// Where A and B ran (two checkouts, at once): each side's `service_root_path` label.
    pub root_before: String,
    pub root_after: String,
    /// Commit ids: A, B (the last commit), the one that added the work, the others in order.
    pub from: String,
    pub to: String,
    pub culprit: String,
    pub decoys: Vec<String>,
    /// The agent's requests at A and at B, in the order sent.
    pub before: Vec<Push>,
    pub after: Vec<Push>,
}

/// A series' labels, `(name, value)` in the order sent.
pub type Labels = Vec<(String, String)>;

/// One request of the agent, as sent: `pyroscope-io` 1.x sends Connect `push.v1` (POST
/// `/push.v1.PusherService/Push`, no query, `application/proto`, the body gzip-compressed).
#[derive(Clone)]
pub struct Push {
    pub path: String,
    /// What follows `?` in the path (empty when there is none).
    pub query: String,
    pub content_type: String,
    pub content_encoding: Option<String>,
    /// The body as sent (compressed when `content_encoding` says so).
    pub body: Vec<u8>,
}

impl Push {
    /// Each series of a `push.v1` body: its labels and its pprof (gunzipped).
    pub fn profiles(&self) -> Vec<(Labels, Vec<u8>)> {
        assert!(self.path.starts_with("/push.v1."), "{}", self.path);
        let request = PushRequest::decode(&gunzip_if_gzip(&self.body)[..]).expect("a PushRequest");
        let mut profiles = Vec::new();
        for series in request.series {
            let labels: Labels = series
                .labels
                .into_iter()
                .map(|l| (l.name, l.value))
                .collect();
            for sample in series.samples {
                profiles.push((labels.clone(), gunzip_if_gzip(&sample.raw_profile)));
            }
        }
        profiles
    }

    /// The body with each pprof's `time_nanos` moved `secs` earlier, uncompressed (send it with
    /// `content_type` and no `Content-Encoding`): a `push.v1` has no `from`/`until`, the
    /// service reads the time from the pprof.
    pub fn backdated(&self, secs: i64) -> Vec<u8> {
        let mut request =
            PushRequest::decode(&gunzip_if_gzip(&self.body)[..]).expect("a PushRequest");
        for sample in request.series.iter_mut().flat_map(|s| s.samples.iter_mut()) {
            let pprof = gunzip_if_gzip(&sample.raw_profile);
            let mut profile: pprof::protos::Profile =
                pprof::protos::Message::decode(&pprof[..]).expect("a pprof");
            profile.time_nanos -= secs * 1_000_000_000;
            sample.raw_profile = pprof::protos::Message::encode_to_vec(&profile);
        }
        request.encode_to_vec()
    }
}

const APP: &str = "suspects-py";
const SECONDS: &str = "10";
const UPLOAD_INTERVAL_SECS: &str = "5";
const CULPRIT: &str = "Hash every request twice in score";

const HASHING: &str =
    "    # Hash the key twice (audit log, cache), each a 10-fold stretched FNV-1a.
    for _ in range(2):
        digest = 2166136261
        for _ in range(10):
            for byte in key:
                digest = ((digest ^ byte) * 16777619) & 0xFFFFFFFF
        total += digest & 0xFF
    return total
";

/// The Python repository and pushes of the end-to-end test of
/// docs/regressions.md#the-change-that-caused-it (about 12 s).
pub fn python_repository() -> PythonFixture {
    install_agents();
    let dir = tempfile::tempdir().unwrap();
    let repository = dir.path().join("shop-py");
    let url = "https://git.example.com/shop-py.git".to_owned();
    let steps = [
        (
            "Add a README for the shop service",
            Edit::Write("README.md", "# shop\n\nScores and renders requests.\n"),
        ),
        (
            CULPRIT,
            Edit::Replace("shop.py", "    return total\n", HASHING),
        ),
        (
            "Say in route what the checksum is for",
            Edit::Replace(
                "shop.py",
                "# Fold the request id into a checksum for the access log.",
                "# Fold the request id into a checksum: the access log keeps one bit of it.",
            ),
        ),
        (
            "Rename unused_helper to unused_helper_renamed",
            Edit::Replace("legacy.py", "unused_helper", "unused_helper_renamed"),
        ),
        (
            "Move the old client's helpers to compat.py",
            Edit::Move("legacy.py", "compat.py"),
        ),
    ];
    let sources = ["main.py", "shop.py", "legacy.py"];
    let first = "Serve requests: route scores each one, then renders it";
    let commits = history(&repository, "python", &sources, first, &steps, CULPRIT);

    // A and B at once, each in a checkout of its own and through a recorder of its own.
    let mut running = Vec::new();
    for (side, commit) in [("a", &commits.from), ("b", &commits.to)] {
        let root = dir.path().join(format!("run-{side}"));
        checkout(&repository, &root, commit);
        let recorded = dir.path().join(format!("pushes-{side}"));
        let (proxy, address) = recorder(&recorded, None);
        let child = Command::new(agents_python())
            .arg(root.join("main.py"))
            .current_dir(&root)
            .env("SERVER_ADDRESS", &address)
            .env("APP_NAME", APP)
            .env("DURATION_SECS", SECONDS)
            .env("UPLOAD_INTERVAL_SECS", UPLOAD_INTERVAL_SECS)
            .env("SERVICE_GIT_REF", commit)
            .env("SERVICE_REPOSITORY", &url)
            .env("SERVICE_ROOT_PATH", &root)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the agents' Python starts (scripts/install-agents.sh made it)");
        running.push((root, recorded, proxy, child));
    }
    let mut sides = Vec::new();
    for (root, recorded, proxy, child) in running {
        let out = child.wait_with_output().expect("the Python program runs");
        assert!(
            out.status.success(),
            "the Python program under pyroscope-io failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        drop(proxy);
        let pushes: Vec<Push> = recordings(&recorded)
            .into_iter()
            .map(|r| {
                let (path, query) = r.path.split_once('?').unwrap_or((&r.path, ""));
                Push {
                    path: path.to_owned(),
                    query: query.to_owned(),
                    content_type: r.header("content-type").unwrap_or_default().to_owned(),
                    content_encoding: r.header("content-encoding").map(str::to_owned),
                    body: r.body.clone(),
                }
            })
            .collect();
        assert!(!pushes.is_empty(), "pyroscope-io pushed nothing");
        sides.push((root.to_string_lossy().into_owned(), pushes));
    }
    let (root_after, after) = sides.pop().unwrap();
    let (root_before, before) = sides.pop().unwrap();
    PythonFixture {
        repository,
        url,
        app: APP.to_owned(),
        root_before,
        root_after,
        from: commits.from,
        to: commits.to,
        culprit: commits.culprit,
        decoys: commits.decoys,
        before,
        after,
        dir,
    }
}

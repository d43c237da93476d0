//! The Go side of the fixtures: a program built at A and at B in one build directory with
//! Debian's Go (`golang-go`, no `-trimpath`), and its CPU profiles from `runtime/pprof`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use tempfile::TempDir;

use super::{checkout, history, run, Edit};

/// A Go repository at range A..B and CPU profiles of the program built at each end.
pub struct GoFixture {
    /// Holds the repository, the build directory and the binaries; removed when dropped.
    pub dir: TempDir,
    /// The git repository (a work tree with `.git`), for the service's `repositories.dirs`.
    pub repository: PathBuf,
    /// What agents would label `service_repository`.
    pub url: String,
    /// Where A and B were built (one checkout, in turn): the profiles' file names start with
    /// it, so it is their `service_root_path`.
    pub root: String,
    /// Commit ids: A, B (the last commit), the one that added the work, the others in order.
    pub from: String,
    pub to: String,
    pub culprit: String,
    pub decoys: Vec<String>,
    /// pprof CPU profiles as `runtime/pprof` wrote them (gzip) at A and at B.
    pub before: Vec<Vec<u8>>,
    pub after: Vec<Vec<u8>>,
}

/// How many profiles per side, and how long each runs.
pub const GO_PROFILES: usize = 4;
const GO_SECONDS: &str = "2";
const GO_CULPRIT: &str = "Hash every request twice in score";

const GO_HASHING: &str =
    "\t// Hash the key twice (audit log, cache), each a 40-fold stretched FNV-1a.
\tfor pass := 0; pass < 2; pass++ {
\t\thash := uint32(2166136261)
\t\tfor stretch := 0; stretch < 40; stretch++ {
\t\t\tfor _, b := range req.key {
\t\t\t\thash ^= uint32(b)
\t\t\t\thash *= 16777619
\t\t\t}
\t\t}
\t\ttotal += int(hash & 0xff)
\t}
\treturn total
";

/// The Go repository and profiles of the end-to-end test of
/// docs/regressions.md#the-change-that-caused-it (about 10 s on 2 cores).
pub fn go_repository() -> GoFixture {
    let dir = tempfile::tempdir().unwrap();
    let repository = dir.path().join("shop-go");
    let steps = [
        (
            "Add a README for the shop service",
            Edit::Write("README.md", "# shop\n\nScores and renders requests.\n"),
        ),
        (
            GO_CULPRIT,
            Edit::Replace("score.go", "\treturn total\n", GO_HASHING),
        ),
        (
            "Say in route what the checksum is for",
            Edit::Replace(
                "route.go",
                "// Fold the request id into a checksum for the access log.",
                "// Fold the request id into a checksum: the access log keeps one bit of it.",
            ),
        ),
        (
            "Rename unusedHelper to unusedHelperRenamed",
            Edit::Replace("legacy.go", "unusedHelper", "unusedHelperRenamed"),
        ),
        (
            "Move the old client's helpers to compat.go",
            Edit::Move("legacy.go", "compat.go"),
        ),
    ];
    let sources = [
        "go.mod",
        "main.go",
        "route.go",
        "score.go",
        "render.go",
        "legacy.go",
    ];
    let first = "Serve requests: route scores each one, then renders it";
    let commits = history(&repository, "go", &sources, first, &steps, GO_CULPRIT);

    // One build directory for both ends, as a CI job would have: the file names in both
    // sides' profiles start with it.
    let build = dir.path().join("build");
    let cache = dir.path().join("gocache");
    let gopath = dir.path().join("gopath");
    let env = [
        ("GOCACHE", cache.to_str().unwrap()),
        ("GOPATH", gopath.to_str().unwrap()),
        ("GOFLAGS", "-mod=mod"),
        ("GOPROXY", "off"),
        ("CGO_ENABLED", "0"),
    ];
    let mut binaries = Vec::new();
    for (side, commit) in [("a", &commits.from), ("b", &commits.to)] {
        checkout(&repository, &build, commit);
        let binary = dir.path().join(format!("shop-{side}"));
        let out = binary.to_str().unwrap();
        run(
            &build,
            "go",
            &["build", "-buildvcs=false", "-o", out, "."],
            &env,
        );
        binaries.push(binary);
    }

    // A and B side by side, so whatever else runs on the machine weighs on both alike.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let pairs_at_once = (cores / 2).max(1);
    let (mut before, mut after) = (Vec::new(), Vec::new());
    let profile = |side: &str, n: usize| dir.path().join(format!("cpu-{side}-{n}.pb.gz"));
    for round in (0..GO_PROFILES).collect::<Vec<_>>().chunks(pairs_at_once) {
        let mut children: Vec<(Child, PathBuf, bool)> = Vec::new();
        for &n in round {
            for (binary, side) in binaries.iter().zip(["a", "b"]) {
                let file = profile(side, n);
                let child = Command::new(binary)
                    .arg(&file)
                    .arg(GO_SECONDS)
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("the Go program starts");
                children.push((child, file, side == "a"));
            }
        }
        for (child, file, is_before) in children {
            let out = child.wait_with_output().expect("the Go program runs");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{} failed: {stderr}", file.display());
            let bytes = std::fs::read(&file).expect("the Go program wrote its profile");
            if is_before { &mut before } else { &mut after }.push(bytes);
        }
    }
    GoFixture {
        url: "https://git.example.com/shop-go.git".to_owned(),
        root: build.to_string_lossy().into_owned(),
        repository,
        from: commits.from,
        to: commits.to,
        culprit: commits.culprit,
        decoys: commits.decoys,
        before,
        after,
        dir,
    }
}

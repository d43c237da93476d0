//! A profile for the compiler (docs/gate.md#a-profile-for-the-compiler): a real Go program profiled
//! by runtime/pprof, its two CPU profiles served merged by `GET /pgo/{appName}`, the same program
//! built again with `go build -pgo=` on the downloaded file, and the file read by Go's own
//! `go tool pprof` as the service reads the window. Needs Go 1.21 or newer (`scripts/test` installs
//! Go 1.23 from bookworm-backports beside Debian's 1.19): never skipped, a missing one fails the
//! test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use pf_pprof::{decompress, proto, Limits};
use prost::Message;

use crate::helpers::{assert_error, json_with_status, self_samples, spawn_app_with, REAL_PROGRAMS};
use crate::real_runtimes::{pprof_top, run};

const LIMITS: Limits = Limits {
    max_decoded_bytes: 1 << 30,
    max_stack_depth: 1 << 20,
};

/// `1.N` of `go version`, e.g. 23 for `go version go1.23.5 linux/amd64`.
fn go_minor(go: &Path) -> Option<u32> {
    let out = Command::new(go).arg("version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.split_whitespace().nth(2)?.strip_prefix("go1.")?;
    version.split(['.', 'r', 'b']).next()?.parse().ok()
}

/// A Go of 1.21 or newer: the newest `/usr/lib/go-1.N/bin/go`, else `go` on PATH.
fn go_for_pgo() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin/go"))
        .filter(|go| go.to_string_lossy().contains("/go-1."))
        .filter_map(|go| Some((go_minor(&go)?, go)))
        .chain(go_minor(Path::new("go")).map(|m| (m, PathBuf::from("go"))))
        .filter(|(minor, _)| *minor >= 21)
        .collect();
    found.sort();
    found.pop().map(|(_, go)| go).unwrap_or_else(|| {
        panic!("no Go 1.21 or newer (go build -pgo): scripts/test installs golang-1.23-go from bookworm-backports")
    })
}

/// The pprof of a gzip (or raw) answer.
pub(crate) fn decoded(bytes: &[u8]) -> proto::Profile {
    let raw = decompress(bytes, LIMITS).expect("gzip of a profile");
    proto::Profile::decode(&*raw).expect("a pprof")
}

pub(crate) fn text(p: &proto::Profile, i: i64) -> String {
    String::from_utf8_lossy(&p.string_table[i as usize]).into_owned()
}

/// The locations with inlined frames, as their lines' `function:line`, innermost first.
fn inlined(p: &proto::Profile) -> BTreeSet<Vec<String>> {
    let name = |id: u64| {
        let f = p.function.iter().find(|f| f.id == id).expect("a function");
        text(p, f.name)
    };
    p.location
        .iter()
        .filter(|l| l.line.len() > 1)
        .map(|l| {
            l.line
                .iter()
                .map(|x| format!("{}:{}", name(x.function_id), x.line))
                .collect()
        })
        .collect()
}

/// Sums of both values over every sample.
pub(crate) fn totals(p: &proto::Profile) -> (i64, i64) {
    p.sample
        .iter()
        .fold((0, 0), |(c, n), s| (c + s.value[0], n + s.value[1]))
}

/// The PGO test program (`tests/runtimes/pgo`) copied into a scratch directory, built and run
/// with a Go of 1.21 or newer; its Go build cache is shared by the tests (a second build of the
/// same inputs is a cache hit, its compiler output replayed).
pub(crate) struct PgoProgram {
    pub go: String,
    pub dir: tempfile::TempDir,
    src: String,
    env: Vec<(&'static str, String)>,
}

impl PgoProgram {
    pub fn new() -> Self {
        let go = go_for_pgo().to_string_lossy().into_owned();
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/runtimes/pgo");
        for file in ["main.go", "go.mod"] {
            std::fs::copy(program.join(file), src.join(file)).unwrap();
        }
        let shared = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let env = vec![
            (
                "GOCACHE",
                shared.join("go-cache").to_string_lossy().into_owned(),
            ),
            (
                "GOPATH",
                dir.path().join("gopath").to_string_lossy().into_owned(),
            ),
            ("GOFLAGS", "-mod=mod".to_owned()),
            ("GOTOOLCHAIN", "local".to_owned()),
        ];
        let src = src.to_string_lossy().into_owned();
        PgoProgram { go, dir, src, env }
    }

    /// `go build <args> .` in the program's directory: what the compiler printed.
    pub fn build(&self, args: &[&str]) -> String {
        let args = [&["-C", self.src.as_str(), "build"], args, &["."]].concat();
        let env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let out = Command::new(&self.go)
            .args(&args)
            .envs(env)
            .output()
            .unwrap_or_else(|e| panic!("{} cannot run: {e}", self.go));
        let printed = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "go {args:?} failed:\n{printed}");
        printed
    }

    /// Builds the program and runs it for two CPU profiles of `seconds` each, written to
    /// `app_dir` as `cpu-1.pb.gz` and `cpu-2.pb.gz`.
    pub fn profile(&self, app_dir: &Path, seconds: &str) -> [PathBuf; 2] {
        std::fs::create_dir_all(app_dir).unwrap();
        let binary = self.dir.path().join("program");
        self.build(&["-o", &binary.to_string_lossy()]);
        let _beside_others = REAL_PROGRAMS.read().unwrap_or_else(|e| e.into_inner());
        run(
            &binary.to_string_lossy(),
            &[&app_dir.to_string_lossy(), seconds],
            &[],
        );
        [app_dir.join("cpu-1.pb.gz"), app_dir.join("cpu-2.pb.gz")]
    }
}

#[tokio::test]
async fn a_go_program_is_built_with_the_profile_the_service_merged_from_its_runs() {
    let program = PgoProgram::new();
    let go_text = program.go.clone();
    let profiles = program.dir.path().join("profiles");
    let inputs = program.profile(&profiles.join("pgoapp"), "1.5");
    let app = spawn_app_with(move |s| s.profiles.dir = Some(profiles)).await;
    let now = chrono::Utc::now().timestamp();
    let window = format!("from={}&to={}", now - 600, now + 60);

    // Every answer first: a Go build takes long enough for an idle connection to be closed.
    let answer = app.get(&format!("/pgo/pgoapp?{window}")).await;
    assert_eq!(answer.status(), 200);
    let header = |name: &str| answer.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "application/octet-stream");
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"default.pgo\""
    );
    let bytes = answer.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0x1f, 0x8b]), "a gzip pprof");
    let path = format!("/profiles/pgoapp?type=cpu&limit=1000&{window}");
    let body = json_with_status(app.get(&path).await, 200).await;
    let served: BTreeMap<String, u64> = self_samples(&body).into_iter().collect();
    let mut cuts = Vec::new();
    for keep in [5, 2] {
        let cut = app
            .get(&format!("/pgo/pgoapp?{window}&keep_locations={keep}"))
            .await;
        assert_eq!(cut.status(), 200);
        cuts.push((keep, decoded(&cut.bytes().await.unwrap())));
    }
    // With labels, as the other routes take them: none of these samples has one.
    let labelled = app
        .get(&format!("/pgo/pgoapp?{window}&labels=version%3D%221%22"))
        .await;
    assert_error(labelled, 404, "not_found").await;

    // Go's compiler takes it.
    let pgo = program.dir.path().join("default.pgo");
    std::fs::write(&pgo, &bytes).unwrap();
    let optimised = program.dir.path().join("program-pgo");
    let flag = format!("-pgo={}", pgo.display());
    program.build(&[&flag, "-o", &optimised.to_string_lossy()]);
    assert!(optimised.exists());

    // Go's pprof reads it as the service reads the window, and as it reads both runs.
    let top = pprof_top(&go_text, &[&pgo], "cpu", "ns");
    assert!(top.contains_key("main.sumSquares"), "{top:?}");
    assert_eq!(top, served, "go tool pprof and GET /profiles disagree");
    let runs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    assert_eq!(top, pprof_top(&go_text, &runs, "cpu", "ns"));

    // Go's types, start lines, and inlined frames as they came.
    let merged = decoded(&bytes);
    let types: Vec<String> = merged
        .sample_type
        .iter()
        .map(|t| format!("{}/{}", text(&merged, t.r#type), text(&merged, t.unit)))
        .collect();
    assert_eq!(types, ["samples/count", "cpu/nanoseconds"]);
    let period = merged.period_type.as_ref().unwrap();
    assert_eq!(text(&merged, period.r#type), "cpu");
    assert_eq!(merged.period, 10_000_000);
    let mains: Vec<&proto::Function> = merged
        .function
        .iter()
        .filter(|f| text(&merged, f.name).starts_with("main."))
        .collect();
    assert!(mains.len() >= 4, "sumSquares, hashes, work, deep…");
    for f in mains {
        let name = text(&merged, f.name);
        assert!(f.start_line > 0, "{name} has no start line");
        assert!(text(&merged, f.filename).ends_with("main.go"), "{name}");
        assert_eq!(text(&merged, f.system_name), name);
    }
    let runs: Vec<proto::Profile> = inputs
        .iter()
        .map(|f| decoded(&std::fs::read(f).unwrap()))
        .collect();
    let came: BTreeSet<Vec<String>> = runs.iter().flat_map(inlined).collect();
    assert!(!came.is_empty(), "square is inlined into sumSquares");
    assert_eq!(inlined(&merged), came);
    let sum = runs
        .iter()
        .map(totals)
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    assert_eq!(totals(&merged), sum);

    // Stacks cut to their innermost locations, equal ones merged, nothing lost.
    assert!(merged.sample.iter().any(|s| s.location_id.len() > 5));
    for (keep, cut) in cuts {
        assert!(cut.sample.iter().all(|s| s.location_id.len() <= keep));
        let stacks: BTreeSet<&Vec<u64>> = cut.sample.iter().map(|s| &s.location_id).collect();
        assert_eq!(stacks.len(), cut.sample.len(), "equal stacks are merged");
        assert!(cut.sample.len() < merged.sample.len(), "keep {keep}");
        assert_eq!(totals(&cut), totals(&merged));
    }
}

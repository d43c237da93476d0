//! Real data for the end-to-end test of the commits named on a regression
//! (docs/regressions.md#the-change-that-caused-it): a git repository made with the `git` command
//! whose history adds CPU work to `score` between decoys, and real profiles of the program at the
//! range's two ends — a Go program under
//! `runtime/pprof` (`go_repository`, in `go.rs`), a Python one under the real `pyroscope-io`
//! agent (`python_repository`, in `python.rs`). The sources at A are in
//! `tests/runtimes/suspects/`; each later commit is an edit of them. A missing `git`, `go` or
//! `pyroscope-io` fails loudly, naming what `scripts/test` installs; nothing skips.

pub mod go;
pub mod python;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Instant;

use pprof::protos::Message as _;

use crate::agents::gunzip_if_gzip;

pub use go::{go_repository, GO_PROFILES};
pub use python::{python_repository, Push};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The date of commit A; each later commit is a minute later.
const START: &str = "2026-11-25T10:00:00Z";

/// What to do to the tree in one commit.
enum Edit {
    Write(&'static str, &'static str),
    /// Every `old` in the file becomes `new` (there must be one).
    Replace(&'static str, &'static str, &'static str),
    Move(&'static str, &'static str),
}

/// The commits of a fixture's history.
struct Commits {
    from: String,
    culprit: String,
    decoys: Vec<String>,
    to: String,
}

/// Runs `program` in `dir`, failing the test with its output (or with what installs it).
fn run(dir: &Path, program: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let out = Command::new(program)
        .current_dir(dir)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("`{program}` cannot run ({e}): {}", installed_by(program)));
    assert!(
        out.status.success(),
        "{program} {args:?} in {} failed:\n{}\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn installed_by(program: &str) -> &'static str {
    match program {
        "go" => "scripts/test installs Go with `apt-get install golang-go`",
        "git" => "the tests make their repositories with the git command (Debian's `git`)",
        _ => "see scripts/test for what the tests need",
    }
}

/// `git` in `dir` with a fixed identity and date and no user or system configuration.
fn git(dir: &Path, date: &str, args: &[&str]) -> String {
    let identity = [
        "-c",
        "user.name=Dev One",
        "-c",
        "user.email=dev@example.com",
        "-c",
        "init.defaultBranch=main",
        "-c",
        "commit.gpgsign=false",
    ];
    let args: Vec<&str> = identity.iter().chain(args).copied().collect();
    let env = [
        ("GIT_CONFIG_NOSYSTEM", "1"),
        ("GIT_CONFIG_GLOBAL", "/dev/null"),
        ("GIT_AUTHOR_DATE", date),
        ("GIT_COMMITTER_DATE", date),
    ];
    let out = run(dir, "git", &args, &env);
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A fresh repository at `repo` with `sources` (read from `tests/runtimes/suspects/<from>`) as
/// commit A titled `first`, then one commit per `(title, edit)`: the culprit is `culprit`.
fn history(
    repo: &Path,
    from: &str,
    sources: &[&str],
    first: &str,
    steps: &[(&str, Edit)],
    culprit: &str,
) -> Commits {
    std::fs::create_dir_all(repo).unwrap();
    let date = |minute: usize| format!("2026-11-25T10:{minute:02}:00Z");
    git(repo, &date(0), &["init", "-q"]);
    for name in sources {
        let text = std::fs::read(root().join("tests/runtimes/suspects").join(from).join(name));
        std::fs::write(repo.join(name), text.expect("a fixture source")).unwrap();
    }
    let commit = |minute: usize, title: &str| {
        git(repo, &date(minute), &["add", "-A"]);
        git(repo, &date(minute), &["commit", "-q", "-m", title]);
        git(repo, &date(minute), &["rev-parse", "HEAD"])
    };
    let a = commit(0, first);
    git(repo, &date(0), &["tag", "A"]);
    let (mut culprit_id, mut decoys) = (None, Vec::new());
    for (minute, (title, edit)) in steps.iter().enumerate().map(|(i, s)| (i + 1, s)) {
        match *edit {
            Edit::Write(path, text) => std::fs::write(repo.join(path), text).unwrap(),
            Edit::Replace(path, old, new) => {
                let text = std::fs::read_to_string(repo.join(path)).unwrap();
                assert!(text.contains(old), "{path} has no {old:?}");
                std::fs::write(repo.join(path), text.replace(old, new)).unwrap();
            }
            Edit::Move(old, new) => drop(git(repo, &date(minute), &["mv", old, new])),
        }
        let id = commit(minute, title);
        if *title == culprit {
            culprit_id = Some(id);
        } else {
            decoys.push(id);
        }
    }
    git(repo, &date(0), &["tag", "B"]);
    Commits {
        from: a,
        culprit: culprit_id.expect("the culprit is one of the steps"),
        to: git(repo, &date(0), &["rev-parse", "HEAD"]),
        decoys,
    }
}

/// A clone of `repo` at `dir`, checked out at `commit`.
fn checkout(repo: &Path, dir: &Path, commit: &str) {
    if !dir.exists() {
        let (repo, dir) = (repo.to_string_lossy(), dir.to_string_lossy());
        git(Path::new("/"), START, &["clone", "-q", &repo, &dir]);
    }
    git(dir, START, &["checkout", "-q", "--detach", commit]);
}

/// The first sample type's value (Go: `samples/count`; Python: its one type) by leaf frame
/// `(function, file)`, over `profiles` (gzip or not).
pub fn leaves(profiles: &[Vec<u8>]) -> BTreeMap<(String, String), i64> {
    let mut by_leaf = BTreeMap::new();
    for bytes in profiles {
        let p = pprof::protos::Profile::decode(&gunzip_if_gzip(bytes)[..]).expect("a pprof");
        let s = |i: i64| p.string_table[i as usize].clone();
        for sample in &p.sample {
            let leaf = sample.location_id.first().and_then(|id| {
                let location = p.location.iter().find(|l| l.id == *id)?;
                let line = location.line.first()?;
                p.function.iter().find(|f| f.id == line.function_id)
            });
            let key = leaf.map_or_else(Default::default, |f| (s(f.name), s(f.filename)));
            *by_leaf.entry(key).or_insert(0) += sample.value[0];
        }
    }
    by_leaf
}

/// The share of `leaf`'s self value, and where its file is.
fn share(by_leaf: &BTreeMap<(String, String), i64>, leaf: &str) -> (f64, String) {
    let total: i64 = by_leaf.values().sum();
    let mine = by_leaf.iter().filter(|((name, _), _)| name == leaf);
    let file = mine.clone().map(|((_, file), _)| file.clone()).next();
    let value: i64 = mine.map(|(_, v)| v).sum();
    assert!(total > 0, "no samples");
    (
        value as f64 / total as f64,
        file.expect("a sample in the leaf"),
    )
}

/// The range from..to has the culprit second, among the decoys, and from is the first commit.
fn assert_history(repository: &Path, from: &str, to: &str, culprit: &str, decoys: &[String]) {
    let range = format!("{from}..{to}");
    let listed = git(repository, START, &["rev-list", "--reverse", &range]);
    let mut want = decoys.to_vec();
    want.insert(1, culprit.to_owned());
    assert_eq!(listed.lines().collect::<Vec<_>>(), want);
    assert_eq!(
        git(repository, START, &["rev-list", "--max-parents=0", to]),
        from
    );
}

#[test]
fn fixtures_make_real_profiles_with_the_work_in_score() {
    let started = Instant::now();
    let go = go_repository();
    println!("the Go fixture took {:.1?}", started.elapsed());
    assert_history(&go.repository, &go.from, &go.to, &go.culprit, &go.decoys);
    assert_eq!(
        (go.before.len(), go.after.len()),
        (GO_PROFILES, GO_PROFILES)
    );
    let (a, file_a) = share(&leaves(&go.before), "main.score");
    let (b, file_b) = share(&leaves(&go.after), "main.score");
    println!(
        "Go: main.score's self share {:.1}% at A, {:.1}% at B",
        a * 100.0,
        b * 100.0
    );
    assert!(b > a + 0.10, "Go: {a} at A, {b} at B");
    // Absolute build paths (no -trimpath): the root, then the file in the repository.
    let in_build = format!("{}/score.go", go.root);
    assert_eq!((file_a.as_str(), file_b.as_str()), (&*in_build, &*in_build));
    assert!(go.url.ends_with(".git") && go.repository.starts_with(go.dir.path()));

    let started = Instant::now();
    let py = python_repository();
    println!("the Python fixture took {:.1?}", started.elapsed());
    assert_history(&py.repository, &py.from, &py.to, &py.culprit, &py.decoys);
    let mut shares = Vec::new();
    for (pushes, commit, root) in [
        (&py.before, &py.from, &py.root_before),
        (&py.after, &py.to, &py.root_after),
    ] {
        let mut pprofs = Vec::new();
        for push in pushes {
            let encoding = push.content_encoding.as_deref();
            println!(
                "Python push: {} query {:?} {} {encoding:?}, {} bytes",
                push.path,
                push.query,
                push.content_type,
                push.body.len()
            );
            for (labels, pprof) in push.profiles() {
                println!("  labels {labels:?}");
                let label = |name: &str| labels.iter().find(|(k, _)| k == name).map(|(_, v)| v);
                assert_eq!(label("service_git_ref"), Some(commit));
                assert_eq!(label("service_root_path"), Some(root));
                assert_eq!(label("service_repository"), Some(&py.url));
                assert_eq!(label("service_name"), Some(&py.app));
                pprofs.push(pprof);
            }
        }
        let (value, file) = share(&leaves(&pprofs), "score");
        assert_eq!(file, format!("{root}/shop.py"));
        shares.push(value);
    }
    let moved = Push {
        body: py.before[0].backdated(3600),
        content_encoding: None,
        ..py.before[0].clone()
    };
    let time = |push: &Push| {
        let (_, pprof) = push.profiles().remove(0);
        pprof::protos::Profile::decode(&pprof[..])
            .unwrap()
            .time_nanos
    };
    assert_eq!(time(&moved), time(&py.before[0]) - 3_600_000_000_000);
    let (a, b) = (shares[0], shares[1]);
    println!(
        "Python: score's self share {:.1}% at A, {:.1}% at B",
        a * 100.0,
        b * 100.0
    );
    assert!(b > a + 0.10, "Python: {a} at A, {b} at B");
    assert!(py.repository.starts_with(py.dir.path()));
}

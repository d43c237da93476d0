//! The change that caused it (docs/regressions.md#the-change-that-caused-it) on a repository and
//! profiles of the test's own making, where every line is known: the commit that added a loop to
//! `score` is named first, the comment in its caller `route` second, the file elsewhere in the
//! repository not at all; a range without a configured repository says why it names nothing.

use std::path::Path;
use std::process::Command;

use prost::Message;

use crate::profile_data::pprof::proto;
use crate::suspects::{commits, confirm_and_name, Pushed, Run, Side};

pub const ROOT: &str = "/build/src";

const SCORE_A: &str = "package main\n\nfunc route(n int) int {\n\ts := score(n)\n\treturn s + render(n)\n}\n\nfunc score(n int) int {\n\tt := 0\n\tfor i := 0; i < n; i++ {\n\t\tt += i\n\t}\n\treturn t\n}\n\nfunc render(n int) int {\n\treturn n * 2\n}\n";

/// Runs `git` in `dir` with a fixed author and date; answers its output.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=Dana", "-c", "user.email=dana@example.com"])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", "2026-11-20T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-20T10:00:00Z")
        .output()
        .unwrap_or_else(|e| panic!("git cannot run ({e}): scripts/test installs it"));
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn commit(dir: &Path, files: &[(&str, &str)], title: &str) -> String {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", title]);
    git(dir, &["rev-parse", "HEAD"])
}

/// A CPU profile whose `(function, line, samples)` leaves sit under `main.main;main.route`,
/// every function in `app/score.go` under the build root.
pub fn profile(leaves: &[(&str, i64, i64)]) -> Vec<u8> {
    let mut strings: Vec<String> = vec![
        String::new(),
        "samples".into(),
        "count".into(),
        "cpu".into(),
        "nanoseconds".into(),
        format!("{ROOT}/app/score.go"),
    ];
    let mut string = |s: &str| -> i64 {
        match strings.iter().position(|x| x == s) {
            Some(i) => i as i64,
            None => {
                strings.push(s.to_owned());
                strings.len() as i64 - 1
            }
        }
    };
    let names = [
        "main.main",
        "main.route",
        "main.score",
        "main.render",
        "main.idle",
    ];
    let function: Vec<proto::Function> = names
        .iter()
        .enumerate()
        .map(|(i, n)| proto::Function {
            id: i as u64 + 1,
            name: string(n),
            system_name: string(n),
            filename: 5,
            ..Default::default()
        })
        .collect();
    let id = |n: &str| names.iter().position(|x| *x == n).unwrap() as u64 + 1;
    let mut location = Vec::new();
    let mut loc = |f: &str, line: i64| -> u64 {
        location.push(proto::Location {
            id: location.len() as u64 + 1,
            address: 0,
            line: vec![proto::Line {
                function_id: id(f),
                line,
            }],
        });
        location.len() as u64
    };
    let (main, route) = (loc("main.main", 30), loc("main.route", 4));
    let mut sample = Vec::new();
    for (f, line, n) in leaves {
        let leaf = loc(f, *line);
        let stack = if *f == "main.idle" {
            vec![leaf, main]
        } else {
            vec![leaf, route, main]
        };
        sample.push(proto::Sample {
            location_id: stack,
            value: vec![*n, n * 10_000_000],
            label: vec![],
        });
    }
    let value_type = |t: i64, u: i64| proto::ValueType { r#type: t, unit: u };
    let profile = proto::Profile {
        sample_type: vec![value_type(1, 2), value_type(3, 4)],
        sample,
        location,
        function,
        string_table: strings.into_iter().map(String::into_bytes).collect(),
        period_type: Some(value_type(3, 4)),
        period: 10_000_000,
        ..Default::default()
    };
    profile.encode_to_vec()
}

fn pushed(body: Vec<u8>) -> Pushed {
    Pushed::Ingest {
        query: "format=pprof".into(),
        content_type: "application/octet-stream",
        body,
    }
}

/// The repository of these tests: its commits, oldest first.
pub struct Repository {
    pub dir: tempfile::TempDir,
    /// `app/score.go` and a README.
    pub from: String,
    /// The README only.
    pub other: String,
    /// A loop added to `score` (lines 13–15).
    pub culprit: String,
    /// A comment on the line of `route` that calls `score` (line 4).
    pub caller: String,
}

/// Makes [`Repository`].
pub fn repository() -> Repository {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    git(dir, &["init", "-q", "-b", "main"]);
    let from = commit(
        dir,
        &[("app/score.go", SCORE_A), ("README", "ledger\n")],
        "The service",
    );
    let other = commit(dir, &[("README", "ledger, the book\n")], "Say what it is");
    let loop_added = SCORE_A.replace(
        "\t}\n\treturn t",
        "\t}\n\tfor i := 0; i < n*10; i++ {\n\t\tt ^= i * 31\n\t}\n\treturn t",
    );
    let culprit = commit(
        dir,
        &[("app/score.go", &loop_added)],
        "Mix every score ten times",
    );
    let comment = loop_added.replace("\ts := score(n)", "\ts := score(n) // the total");
    let caller = commit(dir, &[("app/score.go", &comment)], "Say what route adds up");
    Repository {
        dir: repo,
        from,
        other,
        culprit,
        caller,
    }
}

#[tokio::test]
async fn the_commit_that_added_the_loop_is_named_first_and_the_callers_comment_second() {
    let Repository {
        dir: repo,
        from,
        other,
        culprit,
        caller,
    } = repository();
    let dir = repo.path();
    let before: Vec<Pushed> = (0..3)
        .map(|k| {
            pushed(profile(&[
                ("main.score", 11, 100 + k),
                ("main.render", 17, 100),
                ("main.idle", 40, 800),
            ]))
        })
        .collect();
    let after: Vec<Pushed> = (0..3)
        .map(|k| {
            pushed(profile(&[
                ("main.score", 11, 100),
                ("main.score", 14, 400 + k),
                ("main.render", 17, 100),
                ("main.idle", 40, 400),
            ]))
        })
        .collect();
    let labels = |git_ref: &str| format!("service_git_ref={git_ref},service_root_path={ROOT}");
    // Named as Grafana Alloy names a Kubernetes service, with a space for good measure: the
    // event, its alert's labels and its webhook carry the name as it was pushed.
    let app = "team a/ledger-go";
    let named = confirm_and_name(Run {
        app,
        function: "main.score",
        repository: (app, dir),
        before: Side {
            labels: labels(&from),
            pushes: &before,
        },
        after: Side {
            labels: labels(&caller),
            pushes: &after,
        },
        pyroscope: None,
    })
    .await;
    let r = &named.regression;
    assert_eq!(r["appName"], app);
    assert_eq!(named.alert["labels"]["app"], app);
    assert_eq!(named.hook["regression"]["appName"], app);
    assert_eq!(commits(r), [culprit.clone(), caller.clone()], "{r:#}");
    assert!(!commits(r).contains(&other));
    assert_eq!(r["range"]["commits"], 3);
    assert_eq!(
        r["suspects"][0]["evidence"][0]["why"],
        "changes_regressed_function"
    );
    assert_eq!(r["suspects"][0]["evidence"][0]["file"], "app/score.go");
    assert_eq!(
        r["suspects"][1]["evidence"][0]["why"],
        "changes_related_function"
    );
    assert!(r["suspectsReason"].is_null());
    assert_eq!(commits(&named.again), commits(r));
    let line = named.alert["annotations"]["suspect_commit"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(
        line,
        format!(
            "{} Mix every score ten times — changes main.score",
            &culprit[..7]
        )
    );
    assert_eq!(named.hook["suspectCommit"], line);
    assert_eq!(
        named.hook["regression"]["suspects"][0]["commit"],
        culprit.as_str()
    );
    assert!(
        named.page.contains("The change that caused it"),
        "{}",
        named.page
    );
    assert!(named.page.contains("Mix every score ten times"));
}

//! The change that caused it (docs/regressions.md#the-change-that-caused-it) with real runtimes: a
//! Go program under `runtime/pprof` (Debian's Go 1.19 writes no `Function.start_line`, so the lines
//! sampled place its functions) and a Python program under the real `pyroscope-io` agent, each
//! built at two commits of a repository the test made, with decoys between them (another file, a
//! comment in the caller, a rename, a move). The regression is confirmed and the commit that added
//! the work is named first, every decoy below it or not at all.

use pf_formats::formats::pyroscope_api::paths;
use serde_json::Value;

use crate::stubs::standin::PyroscopeStandIn;

use crate::suspects::{commits, confirm_and_name, Pushed, Run, Side};
use crate::suspects_fixture::{go_repository, python_repository};

/// Asserts the culprit is named first and no decoy above it; answers the decoys named.
fn culprit_first(regression: &Value, culprit: &str, decoys: &[String]) -> usize {
    let named = commits(regression);
    assert_eq!(
        named.first().map(String::as_str),
        Some(culprit),
        "{regression:#}"
    );
    assert!(regression["suspectsReason"].is_null());
    assert_eq!(
        regression["suspects"][0]["evidence"][0]["why"], "changes_regressed_function",
        "{regression:#}"
    );
    named.iter().skip(1).filter(|c| decoys.contains(c)).count()
}

#[tokio::test]
async fn a_go_program_built_at_two_commits_names_the_commit_that_added_the_work() {
    go_program_names_its_culprit(None).await;
}

/// The same program's profiles kept in a Pyroscope (the stand-in) that the service reads
/// (`PYROSCOPE_URL`): refs and the root path from its label index, the regressed function's
/// file and lines from its merged pprof (docs/regressions.md#the-change-that-caused-it).
#[tokio::test]
async fn a_go_program_read_from_pyroscope_names_the_commit_that_added_the_work() {
    let standin = PyroscopeStandIn::start().await;
    go_program_names_its_culprit(Some(&standin)).await;
    let asked = standin.messages(paths::SELECT_MERGE_STACKTRACES);
    assert!(
        asked.iter().any(|m| m["format"] == "PROFILE_FORMAT_PPROF"),
        "the sites were read as pprof"
    );
}

async fn go_program_names_its_culprit(pyroscope: Option<&PyroscopeStandIn>) {
    let fixture = go_repository();
    let pushed = |profiles: &[Vec<u8>]| -> Vec<Pushed> {
        profiles
            .iter()
            .map(|body| Pushed::Ingest {
                query: "format=pprof".into(),
                content_type: "application/octet-stream",
                body: body.clone(),
            })
            .collect()
    };
    let (before, after) = (pushed(&fixture.before), pushed(&fixture.after));
    let labels = |git_ref: &str| {
        format!(
            "service_git_ref={git_ref},service_root_path={}",
            fixture.root
        )
    };
    let named = confirm_and_name(Run {
        app: "shop-go",
        function: "main.score",
        repository: ("shop-go", &fixture.repository),
        before: Side {
            labels: labels(&fixture.from),
            pushes: &before,
        },
        after: Side {
            labels: labels(&fixture.to),
            pushes: &after,
        },
        pyroscope,
    })
    .await;
    let r = &named.regression;
    let decoys = culprit_first(r, &fixture.culprit, &fixture.decoys);
    assert_eq!(r["range"]["commits"], fixture.decoys.len() + 1, "{r:#}");
    assert_eq!(r["suspects"][0]["evidence"][0]["file"], "score.go");
    assert_eq!(commits(&named.again), commits(r));
    let line = named.alert["annotations"]["suspect_commit"]
        .as_str()
        .unwrap_or_default();
    assert!(line.starts_with(&fixture.culprit[..7]), "{line}");
    assert_eq!(named.hook["suspectCommit"], line);
    println!("go: {} decoys named below the culprit: {r:#}", decoys);
}

#[tokio::test]
async fn a_python_program_under_pyroscope_io_names_the_commit_that_added_the_work() {
    let fixture = python_repository();
    let before: Vec<Pushed> = fixture
        .before
        .iter()
        .cloned()
        .map(Pushed::Connect)
        .collect();
    let after: Vec<Pushed> = fixture.after.iter().cloned().map(Pushed::Connect).collect();
    // The agent labels its series itself, the repository's URL among them: it is configured
    // by that URL.
    let named = confirm_and_name(Run {
        app: &fixture.app,
        function: "score",
        repository: (&fixture.url, &fixture.repository),
        before: Side {
            labels: String::new(),
            pushes: &before,
        },
        after: Side {
            labels: String::new(),
            pushes: &after,
        },
        pyroscope: None,
    })
    .await;
    let r = &named.regression;
    let decoys = culprit_first(r, &fixture.culprit, &fixture.decoys);
    assert_eq!(r["suspects"][0]["evidence"][0]["file"], "shop.py");
    assert_eq!(commits(&named.again), commits(r));
    println!("python: {} decoys named below the culprit: {r:#}", decoys);
}

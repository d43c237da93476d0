//! The change that caused it (docs/regressions.md#the-change-that-caused-it) for a diff and the CI
//! gate: an hour of profiles labelled with one commit against an hour labelled with a later one;
//! `GET /diff` names the commit that added the work behind its largest regression, in JSON and
//! Markdown, and the gate's failure line names it. Without refs on both sides, a diff says nothing
//! of commits.

use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

use crate::helpers::{json_with_status, spawn_app_with};
use crate::ingest::{ingest, CENTURY};
use crate::suspects_synthetic::{profile, repository, Repository, ROOT};

const BASELINE: i64 = 1_767_000_000;
const CURRENT: i64 = BASELINE + 3600;

fn before(k: i64) -> Vec<u8> {
    profile(&[
        ("main.score", 11, 100 + k),
        ("main.render", 17, 100),
        ("main.idle", 40, 800),
    ])
}

fn after(k: i64) -> Vec<u8> {
    profile(&[
        ("main.score", 11, 100),
        ("main.score", 14, 400 + k),
        ("main.render", 17, 100),
        ("main.idle", 40, 400),
    ])
}

#[tokio::test]
async fn a_diff_between_two_commits_names_the_culprit_and_the_gate_says_it() {
    let Repository {
        dir,
        culprit,
        from,
        caller,
        ..
    } = repository();
    let store = tempfile::tempdir().unwrap();
    let (store_dir, repo) = (store.path().to_path_buf(), dir.path().to_path_buf());
    let app = spawn_app_with(move |s| {
        s.ingest.store_dir = store_dir;
        s.ingest.retention_days = CENTURY;
        s.repositories.dirs.insert("ledger-go".into(), repo);
    })
    .await;
    for (start, git_ref, body) in (0..6)
        .map(|k| (BASELINE + k * 600, &from, before(k)))
        .chain((0..6).map(|k| (CURRENT + k * 600, &caller, after(k))))
    {
        let name = format!("ledger-go{{service_git_ref={git_ref},service_root_path={ROOT}}}");
        let name = percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC);
        let query = format!(
            "name={name}&from={start}&until={}&format=pprof",
            start + 600
        );
        let res = ingest(&app, &query, "application/octet-stream", body).await;
        assert!(res.status().is_success());
    }
    let window = format!(
        "from={CURRENT}&to={}&baselineFrom={BASELINE}&baselineTo={CURRENT}",
        CURRENT + 3600
    );
    let report = json_with_status(app.get(&format!("/diff/ledger-go?{window}")).await, 200).await;
    assert_eq!(report["regressions"][0]["function"], "main.score");
    let named: Vec<&str> = report["suspects"]["suspects"]
        .as_array()
        .unwrap_or_else(|| panic!("the diff names commits: {report:#}"))
        .iter()
        .filter_map(|s| s["commit"].as_str())
        .collect();
    assert_eq!(named, [culprit.as_str(), caller.as_str()], "{report:#}");
    assert_eq!(report["suspects"]["range"]["commits"], 3);
    let markdown = app
        .get(&format!("/diff/ledger-go?{window}&format=markdown"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        markdown.contains(&format!(
            "Likeliest commit: `{}` Mix every score ten times",
            &culprit[..7]
        )),
        "{markdown}"
    );

    // The gate fails on the warning, naming the commit.
    let args: Vec<String> = [
        "gate",
        "--server",
        &app.address,
        "--app",
        "ledger-go",
        "--from",
        &CURRENT.to_string(),
        "--to",
        &(CURRENT + 3600).to_string(),
        "--baseline-from",
        &BASELINE.to_string(),
        "--baseline-to",
        &CURRENT.to_string(),
        "--fail-on",
        "warn",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_pyroscope-functions"))
            .args(args)
            .env_remove("PYROSCOPE_FUNCTIONS_TOKEN")
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "likeliest commit {} Mix every score ten times",
            &culprit[..7]
        )),
        "{stderr}"
    );

    // One side without refs: nothing is said of commits.
    let unlabelled = format!(
        "from={CURRENT}&to={}&baselineFrom={}&baselineTo={BASELINE}",
        CURRENT + 3600,
        BASELINE - 3600
    );
    let report: Value =
        json_with_status(app.get(&format!("/diff/ledger-go?{unlabelled}")).await, 200).await;
    assert!(report.get("suspects").is_none(), "{report:#}");
}

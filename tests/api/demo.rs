//! A first run: the binary with neither `PYROSCOPE_URL` nor `PROFILES_DIR` answers from the
//! bundled demo profiles, and the README's quick-start calls answer as the README shows.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{spawn_binary_with, TestDatabase};

/// The binary as a user starts it from the checkout: no profile source set.
async fn first_run(database_url: &str) -> (tokio::process::Child, String) {
    spawn_binary_with(database_url, |command| {
        command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("PYROSCOPE_URL")
            .env_remove("PROFILES_DIR")
            .env_remove("FUNCTION")
            .env_remove("APP_CONFIG");
    })
    .await
}

/// The quick start's calls: each `curl -s '…'` line of README.md's "Quick start" section with
/// the JSON block that follows it.
fn quick_start() -> Vec<(String, Value)> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("## Quick start")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README.md has a Quick start section");
    let mut calls = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.trim().strip_prefix("curl -s '") else {
            continue;
        };
        let url = rest.trim_end_matches('\'').to_owned();
        let mut json = String::new();
        for l in lines.by_ref() {
            if l.starts_with("```json") {
                continue;
            }
            if l.starts_with("```") && !json.is_empty() {
                break;
            }
            if !l.starts_with("```") {
                json.push_str(l);
                json.push('\n');
            }
        }
        let answer = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{url}: {e}\n{json}"));
        calls.push((url, answer));
    }
    calls
}

#[tokio::test]
async fn a_first_run_answers_from_the_demo_profiles_as_the_readme_shows() {
    let db = TestDatabase::create().await;
    let (_service, address) = first_run(db.url.as_str()).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let get = |path: String| {
        let client = client.clone();
        async move {
            let res = client.get(path).send().await.unwrap();
            assert_eq!(res.status().as_u16(), 200);
            res.json::<Value>().await.unwrap()
        }
    };
    let health = get(format!("{address}/health")).await;
    assert_eq!(
        health["checks"]["profiles"]["details"]["source"], "demo",
        "{health}"
    );
    assert!(health["checks"]["pyroscope"].is_null());
    let triage = get(format!("{address}/triage/checkout?types=cpu")).await;
    assert_eq!(
        triage["profiles"]["cpu"]["diagnosis"], "gc_pressure",
        "{triage}"
    );

    let calls = quick_start();
    assert_eq!(calls.len(), 3, "three calls in the quick start");
    for (url, mut shown) in calls {
        let path = url.trim_start_matches("localhost:8080");
        let answer = get(format!("{address}{path}")).await;
        // A call without a window answers for the last hour: its bounds are today's.
        if !path.contains("from=") {
            for key in ["from", "to"] {
                if shown.get(key).is_some() {
                    shown[key] = answer[key].clone();
                }
            }
        }
        assert_eq!(answer, shown, "{url}");
    }
}

//! A first run: the binary with neither `PYROSCOPE_URL` nor `PROFILES_DIR` answers from the
//! bundled demo profiles, the quick start's calls answer as docs/quick-start.md shows (and
//! every call of the README's quick start answers), the profile watcher finds the demo day's
//! regression as docs/regressions.md shows it, and the last hour's hotspots come from its
//! summaries once they cover the hour.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{eventually, spawn_binary_with, TestDatabase};

/// The binary as a user starts it from the checkout: no profile source set.
async fn first_run(database_url: &str) -> (tokio::process::Child, String) {
    spawn_binary_with(database_url, |command| {
        command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("PYROSCOPE_URL")
            .env_remove("PROFILES_DIR")
            .env_remove("FUNCTION")
            .env_remove("APP_CONFIG")
            .env("APP__WATCH__ENABLED", "true");
    })
    .await
}

/// The section of a Markdown page (a path from the checkout) under a heading of any level, up
/// to the next heading outside a code block.
fn page_section(page: &str, heading: &str) -> String {
    let path = format!("{}/{page}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let is_heading = |line: &str| {
        let rest = line.trim_start_matches('#');
        rest.len() < line.len() && rest.starts_with(' ')
    };
    let mut lines = text.lines();
    lines
        .by_ref()
        .find(|l| is_heading(l) && l.trim_start_matches('#').trim() == heading)
        .unwrap_or_else(|| panic!("{page} has a {heading} section"));
    let mut section = String::new();
    let mut in_code = false;
    for line in lines {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code && is_heading(line) {
            break;
        }
        section.push_str(line);
        section.push('\n');
    }
    section
}

/// `shown`'s first event with the id and times of `answer`'s: the times are the replayed
/// day's, so they move with the start, and the ids with the order the series were examined in;
/// the rest does not.
fn as_answered(mut shown: Value, answer: &Value) -> Value {
    let (got, want) = (&answer["regressions"][0], &mut shown["regressions"][0]);
    for key in ["id", "changedAt", "suspectedAt", "confirmedAt"] {
        want[key] = got[key].clone();
    }
    if want["leak"].is_object() {
        for key in ["since", "fitFrom", "through", "limitReachedAt"] {
            want["leak"][key] = got["leak"][key].clone();
        }
    }
    shown
}

/// The URL of each `curl -s '…'` line of a section.
fn curl_urls(section: &str) -> Vec<String> {
    section
        .lines()
        .filter_map(|line| line.trim().strip_prefix("curl -s '"))
        .map(|rest| rest.split('\'').next().unwrap_or_default().to_owned())
        .collect()
}

/// The calls of a section of a page: each `curl -s '…'` line with the JSON block that
/// follows it.
fn page_calls(page: &str, heading: &str) -> Vec<(String, Value)> {
    let section = page_section(page, heading);
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
async fn a_first_run_answers_from_the_demo_profiles_as_the_docs_show() {
    let db = TestDatabase::create().await;
    let started = chrono::Utc::now().timestamp();
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

    let calls = page_calls("docs/quick-start.md", "Quick start");
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

    // The watcher backfills the demo's replayed day at start-up and finds ledger's deploy.
    let calls = page_calls("docs/regressions.md", "Regressions found without rules");
    let [(url, shown)] = <[_; 1]>::try_from(calls).expect("one call in that section");
    let path = url.trim_start_matches("localhost:8080").to_owned();
    // Until the whole day is summarized and examined: a suspicion is listed before it is
    // confirmed.
    eventually(180, "the demo's day is examined", || {
        let (client, url) = (client.clone(), format!("{address}/trends/backfill"));
        async move {
            let res = client.get(url).send().await;
            let Ok(body) = res.map(|r| r.json::<Value>()) else {
                return false;
            };
            body.await
                .is_ok_and(|b| b["pending"] == 0 && b["done"].as_u64().unwrap_or(0) > 0)
        }
    })
    .await;
    let answer = get(format!("{address}{path}")).await;
    assert_eq!(answer, as_answered(shown, &answer), "{url}");

    // And cart's leak (docs/regressions.md#memory-that-only-grows), measured again up to the day's
    // last slice. The replayed day ends at the last whole five minutes of the start; its last slice
    // is due a minute later (`watch.lag_secs`) and examined live: wait for it, then until the
    // measure stands.
    let calls = page_calls("docs/regressions.md", "Memory that only grows");
    let [(url, shown)] = <[_; 1]>::try_from(calls).expect("one call in that section");
    let path = format!("{address}{}", url.trim_start_matches("localhost:8080"));
    let due = {
        let now = chrono::Utc::now().timestamp();
        now - now.rem_euclid(300) + 75
    };
    while chrono::Utc::now().timestamp() < due {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let last_slice = started - started.rem_euclid(300) - 300;
    let through = |answer: &Value| answer["regressions"][0]["leak"]["through"].as_i64();
    let mut answer = get(path.clone()).await;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let again = get(path.clone()).await;
        let settled = again == answer && through(&again).is_some_and(|t| t >= last_slice);
        answer = again;
        if settled {
            break;
        }
    }
    assert_eq!(answer, as_answered(shown, &answer), "{url}");

    // Every call of the README's short quick start answers.
    let urls = curl_urls(&page_section("README.md", "Quick start"));
    assert!(
        urls.len() >= 3,
        "the README's quick start has its calls: {urls:?}"
    );
    for url in urls {
        let path = url.trim_start_matches("localhost:8080");
        let res = client.get(format!("{address}{path}")).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{url}");
    }
    // And its one POST: the profile types Grafana's data source would list, from the demo.
    let types = client
        .post(format!("{address}/querier.v1.QuerierService/ProfileTypes"))
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(types.status().as_u16(), 200);
    let types: Value = types.json().await.unwrap();
    assert!(
        types["profileTypes"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["ID"]
                .as_str()
                .is_some_and(|id| id.starts_with("process_cpu:")))),
        "{types}"
    );

    // The last hour's hotspots come from the summaries once the watcher has worked every due
    // slice of it for every app listed there (docs/profiles-over-time.md#whole-or-live), and name
    // as many apps as live does.
    let live = get(format!("{address}/fleet/hotspots?limit=3&source=live")).await;
    eventually(60, "the last hour answered from the summaries", || {
        let (client, url) = (client.clone(), format!("{address}/fleet/hotspots?limit=3"));
        async move {
            let res = client.get(url).send().await;
            let Ok(body) = res.map(|r| r.json::<Value>()) else {
                return false;
            };
            body.await.is_ok_and(|b| b["source"] == "summaries")
        }
    })
    .await;
    let summarized = get(format!("{address}/fleet/hotspots?limit=3")).await;
    assert_eq!(
        summarized["appsQueried"], live["appsQueried"],
        "{summarized}"
    );
    assert_eq!(summarized["failedApps"], live["failedApps"], "{summarized}");
    assert!(summarized["slices"]
        .as_array()
        .is_some_and(|s| s.len() >= 10));
}

//! Grafana's own client: tests/go/grafanaclient calls the querier through Pyroscope's generated
//! Connect client (`github.com/grafana/pyroscope/api`'s `querierv1connect`, connect-go), in
//! binary protobuf and in Connect's JSON, over a real Go program's pushed profiles: ProfileTypes,
//! LabelNames, LabelValues, Series, SelectSeries, SelectMergeStacktraces (flame graph and pprof)
//! and SelectMergeProfile answer, and their numbers are `/profiles`' numbers for the same window
//! (docs/grafana.md).

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

use super::{profiles_answer, pushed_go_app, CPU, INUSE};
use crate::agents::{go_program, install_agents};

/// Self value per function of one of the client's merges.
fn selves(merged: &Value) -> BTreeMap<String, u64> {
    merged["selves"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .filter(|(_, v)| *v > 0)
                .collect()
        })
        .unwrap_or_default()
}

/// The client's answers, one per encoding (proto, then JSON), for `type_id` in `[from, to)`.
fn client_answers(url: &str, (from, to): (i64, i64), type_id: &str) -> Vec<Value> {
    let out = Command::new(go_program("grafanaclient"))
        .args(["-url", url, "-app", "goapp", "-type", type_id])
        .arg(format!("-from={}", from * 1000))
        .arg(format!("-to={}", to * 1000))
        .output()
        .expect("grafanaclient runs (scripts/install-agents.sh builds it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "a call of the generated client failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("the client's JSON"))
        .collect()
}

#[tokio::test]
async fn pyroscopes_generated_connect_client_reads_what_profiles_answers() {
    install_agents();
    let dir = tempfile::tempdir().unwrap();
    let (app, t) = pushed_go_app(dir.path()).await;
    let window = (t, t + 30);
    let url = app.url("");
    let url = url.trim_end_matches('/');
    for (type_id, kind) in [(CPU, "cpu"), (INUSE, "inuse")] {
        let answers = client_answers(url, window, type_id);
        assert_eq!(answers.len(), 2, "one line per encoding");
        let (total, functions) = profiles_answer(&app, "goapp", kind, window.0, window.1).await;
        for a in &answers {
            let encoding = a["encoding"].as_str().unwrap();
            let ids: Vec<&str> = a["profileTypes"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert!(
                ids.contains(&CPU) && ids.contains(&INUSE),
                "{encoding}: {ids:?}"
            );
            let names = a["labelNames"].to_string();
            for name in ["service_name", "version"] {
                assert!(names.contains(name), "{encoding}: LabelNames {names}");
            }
            assert!(
                a["labelValues"].to_string().contains("\"goapp\""),
                "{encoding}: {a}"
            );
            let series = a["series"].as_array().unwrap();
            assert!(
                series
                    .iter()
                    .any(|s| s["service_name"] == "goapp" && s["__profile_type__"] == type_id),
                "{encoding}: Series {series:?}"
            );
            for merge in ["flamegraph", "stacksPprof", "mergeProfile"] {
                assert_eq!(
                    selves(&a[merge]),
                    functions,
                    "{encoding} {kind} {merge}: function by function as /profiles"
                );
            }
            assert_eq!(
                a["flamegraph"]["total"].as_u64(),
                Some(total),
                "{encoding} {kind}"
            );
            assert_eq!(
                a["mergeProfile"]["total"].as_u64(),
                Some(total),
                "{encoding} {kind}"
            );
            if kind == "cpu" {
                // Summed over its points, the series is the window's total; one per version.
                let summed = a["seriesTotal"].as_f64().unwrap();
                assert!(
                    (summed - total as f64).abs() < 0.5,
                    "{encoding}: {summed} vs {total}"
                );
                assert_eq!(
                    a["seriesGroups"].as_array().unwrap().len(),
                    2,
                    "{encoding}: {a}"
                );
            }
            eprintln!(
                "{encoding} {kind}: PROFILE_FORMAT_TREE answered {}",
                a["treeFormat"]
            );
        }
        assert_eq!(
            answers[0].get("profileTypes"),
            answers[1].get("profileTypes"),
            "the two encodings"
        );
    }
}

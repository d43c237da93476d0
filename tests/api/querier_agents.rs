//! The real Python agent (pyroscope-io, `tests/agents/busy.py`) pushes to the service; Grafana's
//! calls read its profiles as `/profiles` reads them.

use std::path::Path;
use std::process::Command;

use pf_formats::formats::pyroscope_api::{
    ProfileTypesRequest, ProfileTypesResponse, SelectMergeStacktracesRequest,
    SelectMergeStacktracesResponse, SelectSeriesRequest, SelectSeriesResponse,
};

use super::{call, flame_selves, series_sum, spawn_alone};
use crate::agents::agents_python;
use crate::helpers::{json_with_status, self_samples, REAL_PROGRAMS};

#[tokio::test]
async fn a_python_agents_pushes_read_through_grafana_as_profiles_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_alone(dir.path()).await;
    let from = chrono::Utc::now().timestamp() - 1;
    let (python, address) = (agents_python(), app.address.clone());
    let out = tokio::task::spawn_blocking(move || {
        let _beside = REAL_PROGRAMS.read().unwrap_or_else(|e| e.into_inner());
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/agents/busy.py");
        Command::new(&python)
            .arg(script)
            .env("SERVER_ADDRESS", address)
            .env("APP_NAME", "py-busy")
            .env("APP_VERSION", "1.0.0")
            .env("DURATION_SECS", "8")
            .env("UPLOAD_INTERVAL_SECS", "4")
            .output()
            .unwrap_or_else(|e| {
                panic!("{} runs (scripts/install-agents.sh): {e}", python.display())
            })
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "busy.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let to = chrono::Utc::now().timestamp() + 2;

    // The type /profiles reads the agent's CPU as, and its numbers.
    let path = format!("/profiles/py-busy?type=cpu&from={from}&to={to}&limit=1000");
    let body = json_with_status(app.get(&path).await, 200).await;
    let id = body["profileTypeId"].as_str().unwrap().to_owned();
    let total = body["totalSamples"].as_u64().unwrap();
    assert!(total > 0, "{body}");
    let selves: std::collections::BTreeMap<String, u64> = self_samples(&body).into_iter().collect();

    let types: ProfileTypesResponse = call(
        &app,
        "ProfileTypes",
        &ProfileTypesRequest {
            start: from * 1000,
            end: to * 1000,
        },
    )
    .await;
    assert!(
        types.profile_types.iter().any(|t| t.id == id),
        "{id} not in {types:?}"
    );
    let selector = r#"{service_name="py-busy", version="1.0.0"}"#;
    let answer: SelectMergeStacktracesResponse = call(
        &app,
        "SelectMergeStacktraces",
        &SelectMergeStacktracesRequest {
            profile_type_id: id.clone(),
            label_selector: selector.into(),
            start: from * 1000,
            end: to * 1000,
            max_nodes: Some(16_384),
            ..Default::default()
        },
    )
    .await;
    let graph = answer.flamegraph.unwrap();
    assert_eq!(graph.total as u64, total);
    assert_eq!(flame_selves(&graph), selves);
    assert!(
        selves.keys().any(|f| f.contains("busy_alpha_hashing")),
        "{selves:?}"
    );
    let series: SelectSeriesResponse = call(
        &app,
        "SelectSeries",
        &SelectSeriesRequest {
            profile_type_id: id,
            label_selector: selector.into(),
            start: from * 1000,
            end: to * 1000,
            step: 5.0,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(series_sum(&series.series), total as f64);
}

//! Split deployments when things are missing: a v1 BOR ignores configured v2 SORs, a v2 BOR
//! survives a stopped Baseline SOR (and readiness says so), and a BOR without a reachable
//! Profile Data SOR is unready.

use std::time::Duration;

use pyroscope_functions::app::settings::Function;
use pyroscope_functions::app::Application;
use reqwest::Client;

use crate::helpers::{json_with_status, spawn_server, wait_until_ready, TestDatabase};
use crate::split::{encoded, get_json, on_db, process, seed, spawn_ready, spawn_sors, SorUrls};
use crate::stubs::generated::{self, APPS, CURRENT_FROM, CURRENT_TO};

/// Assessments stored for `app`, once the background writes have settled.
async fn settled_history(client: &Client, history: &str, app: &str) -> u64 {
    let mut last = u64::MAX;
    for _ in 0..40 {
        let body = get_json(client, format!("{history}/history/{}", encoded(app))).await;
        let count = body["count"].as_u64().unwrap();
        if count == last {
            return count;
        }
        last = count;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    last
}

#[tokio::test]
async fn a_v1_bor_ignores_configured_v2_sors_and_a_v2_bor_survives_a_stopped_baseline_sor() {
    let db = TestDatabase::create().await;
    let pyroscope = generated::start().await;
    let sors = spawn_sors(&db, &pyroscope).await;
    let client = Client::new();
    seed(&client, &sors).await;
    let app = APPS[0];
    let path = format!(
        "/triage/{}?from={CURRENT_FROM}&to={CURRENT_TO}&types=cpu",
        encoded(app)
    );

    // v1 with BASELINE_URL and HISTORY_URL set: no v2 field, no history, no v2 checks.
    let v1 = spawn_ready(sors.bor(Function::TriageV1)).await;
    let before = settled_history(&client, &sors.history, app).await;
    let body = get_json(&client, format!("{v1}{path}")).await;
    assert!(!body.to_string().contains("baselineViolations"), "{body}");
    assert_eq!(settled_history(&client, &sors.history, app).await, before);
    let health = get_json(&client, format!("{v1}/health")).await;
    assert!(health["checks"].get("baselineSor").is_none(), "{health}");
    assert_eq!(health["checks"]["profileDataSor"]["status"], "up");

    // v2 against a Baseline SOR that then stops.
    let baseline = Application::build(on_db(&db, Function::BaselineSor))
        .await
        .unwrap();
    let baseline_url = format!("http://127.0.0.1:{}", baseline.port());
    let handle = baseline.handle();
    let running = tokio::spawn(baseline.run_until_stopped());
    wait_until_ready(&baseline_url).await;
    let v2 = spawn_ready(
        SorUrls {
            baseline: baseline_url,
            ..sors.clone()
        }
        .bor(Function::TriageV2),
    )
    .await;
    let with = get_json(&client, format!("{v2}{path}")).await;
    assert!(
        with.to_string().contains("\"baselineViolations\":[{"),
        "{with}"
    );

    handle.stop(true).await;
    running.await.unwrap().unwrap();
    let without = get_json(&client, format!("{v2}{path}")).await;
    assert!(
        !without.to_string().contains("baselineViolations"),
        "{without}"
    );
    // Still in service: the probe says up, and no more; `/health` says what is down.
    let ready = get_json(&client, format!("{v2}/health/ready")).await;
    assert_eq!(ready, serde_json::json!({"status": "up"}));
    let health = get_json(&client, format!("{v2}/health")).await;
    assert_eq!(health["status"], "degraded", "{health}");
    let check = &health["checks"]["baselineSor"];
    assert_eq!(
        (check["status"].as_str(), check["required"].as_bool()),
        (Some("down"), Some(false)),
        "{health}"
    );
    assert!(
        check["error"].as_str().unwrap().contains("unreachable"),
        "{health}"
    );
    assert_eq!(health["checks"]["profileDataSor"]["status"], "up");
}

#[tokio::test]
async fn a_bor_is_unready_while_its_profile_data_sor_is_unreachable() {
    // Port 1 refuses connections: the required dependency is down.
    let settings = process(&[
        ("FUNCTION", Function::FleetSearchV1.name()),
        ("PROFILE_DATA_URL", "http://127.0.0.1:1"),
    ]);
    let address = spawn_server(settings).await;
    let client = Client::new();
    let res = client
        .get(format!("{address}/health/ready"))
        .send()
        .await
        .unwrap();
    // The probe says down and nothing more: no address, no error text.
    let ready = json_with_status(res, 503).await;
    assert_eq!(ready, serde_json::json!({"status": "down"}));
    let res = client
        .get(format!("{address}/health"))
        .send()
        .await
        .unwrap();
    let health = json_with_status(res, 503).await;
    assert_eq!(health["status"], "unhealthy");
    let check = &health["checks"]["profileDataSor"];
    assert_eq!(check["required"], true);
    assert_eq!(check["status"], "down");
    assert_eq!(
        check["error"],
        "Profile Data SOR at 127.0.0.1:1 is unreachable"
    );
}

//! A split deployment with tokens answers like the all-in-one process with tokens: every SOR
//! requires a token, and the BOR sends `SOR_TOKEN` to each.

use pyroscope_functions::app::settings::{Function, Settings};
use reqwest::StatusCode;
use secrecy::SecretString;

use crate::access::{client_with, with_tokens, READ_TOKEN, WRITE_TOKEN};
use crate::helpers::TestDatabase;
use crate::split::{assert_same, encoded, on_db, process, seed, spawn_ready, SorUrls};
use crate::stubs::generated::{self, APPS, CURRENT_FROM, CURRENT_TO};

fn locked(mut settings: Settings) -> Settings {
    with_tokens(&mut settings);
    settings
}

/// A SOR that knows `SOR_TOKEN`, which the deployment's processes send each other: what a BOR
/// relays with it (who it authenticated) is kept, not taken for a claim.
fn relaying(mut settings: Settings) -> Settings {
    settings.sors.token = Some(SecretString::from(WRITE_TOKEN));
    settings
}

#[tokio::test]
async fn a_split_deployment_with_tokens_answers_like_the_all_in_one_process() {
    let db = TestDatabase::create().await;
    let pyroscope = generated::start().await;
    let all = locked(process(&[
        ("FUNCTION", "all"),
        ("DATABASE_URL", db.url.as_str()),
        ("PYROSCOPE_URL", &pyroscope.uri()),
    ]));
    let all = spawn_ready(all).await;
    let profile_data = process(&[
        ("FUNCTION", Function::ProfileDataSor.name()),
        ("PYROSCOPE_URL", &pyroscope.uri()),
    ]);
    let sors = SorUrls {
        profile_data: spawn_ready(locked(profile_data)).await,
        baseline: spawn_ready(locked(on_db(&db, Function::BaselineSor))).await,
        history: spawn_ready(relaying(locked(on_db(&db, Function::HistorySor)))).await,
        registry: spawn_ready(locked(on_db(&db, Function::RegistrySor))).await,
    };
    let mut bor = locked(sors.bor(Function::TriageV2));
    bor.sors.token = Some(SecretString::from(WRITE_TOKEN));
    let triage = spawn_ready(bor).await;

    // The SORs are locked: without a token they answer 401.
    let anonymous = reqwest::Client::new();
    let profiles = format!(
        "{}/profiles/{}?type=cpu&from={CURRENT_FROM}&to={CURRENT_TO}",
        sors.profile_data,
        encoded(APPS[0])
    );
    let res = anonymous.get(&profiles).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = anonymous
        .get(format!("{}/baselines/{}", sors.baseline, encoded(APPS[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let client = client_with(WRITE_TOKEN);
    seed(&client, &sors).await;
    for app in APPS {
        let path = format!(
            "/triage/{}?from={CURRENT_FROM}&to={CURRENT_TO}&types=cpu,alloc",
            encoded(app)
        );
        let body = assert_same(&client, &all, &triage, &path).await;
        assert!(
            body.contains("\"baselineViolations\":[{"),
            "the BOR read the locked Baseline SOR: {body}"
        );
    }
    // The BOR's readiness reaches every SOR (the probes are exempt, and say up or down only).
    let ready = crate::split::get_json(&client, format!("{triage}/health/ready")).await;
    assert_eq!(ready, serde_json::json!({"status": "up"}));

    // The audit across processes: the History SOR keeps whom the BOR authenticated (the read
    // token), with the claim beside it, though the BOR stored the record with SOR_TOKEN.
    let last = APPS[APPS.len() - 1];
    let reader = client_with(READ_TOKEN);
    let res = reader
        .get(format!(
            "{triage}/triage/{}?from={CURRENT_FROM}&to={CURRENT_TO}&types=cpu",
            encoded(last)
        ))
        .header("X-Requested-By", "mallory")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let history = format!("{}/history/{}", sors.history, encoded(last));
    crate::helpers::eventually(10, "the relayed record is stored", || async {
        let listed = crate::split::get_json(&reader, history.clone()).await;
        listed["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["requestedBy"] == "dashboards" && r["onBehalfOf"] == "mallory")
    })
    .await;
}

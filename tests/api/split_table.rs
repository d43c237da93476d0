//! The module table in split mode (SPEC §38): a process whose function needs contracts hosted
//! elsewhere starts with their remote clients, and refuses to start — before it opens anything,
//! naming the `*_URL` — when one it cannot do without is neither hosted here nor named.

use std::time::{Duration, Instant};

use pyroscope_functions::app::settings::Function;
use pyroscope_functions::app::Application;

use crate::helpers::{health_of, spawn_profile_data_sor, TestDatabase};
use crate::split::{on_db, process, spawn_ready};

#[tokio::test]
async fn a_function_with_remote_needs_starts_on_their_urls_and_refuses_naming_a_missing_one() {
    let pyroscope = wiremock::MockServer::start().await;
    let pyroscope_url = url::Url::parse(&pyroscope.uri()).unwrap();
    let profiles = spawn_profile_data_sor(move |s| s.pyroscope.url = Some(pyroscope_url)).await;
    let db = TestDatabase::create().await;

    // The watcher and a v2 triage: Profile Data is required, hosted elsewhere and not named.
    for function in [Function::Watch, Function::TriageV2] {
        let mut settings = on_db(&db, function);
        // A database nobody listens on: a start that got as far as opening it would hang on
        // its retries, not answer at once.
        settings.database.url = Some(secrecy::SecretString::from(
            "postgres://nobody@127.0.0.1:1/none".to_owned(),
        ));
        let began = Instant::now();
        let refused = Application::build(settings).await;
        let error = refused
            .err()
            .expect("no Profile Data, no start")
            .to_string();
        assert!(error.contains("PROFILE_DATA_URL"), "{function}: {error}");
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "{function} refused only after {:?}",
            began.elapsed()
        );
    }

    // Named: the watcher starts on the remote Profile Data, its check required and up; the
    // optional contracts it may use (baselines, the registry) are not named, so not checked.
    let watcher = process(&[
        ("FUNCTION", Function::Watch.name()),
        ("DATABASE_URL", db.url.as_str()),
        ("PROFILE_DATA_URL", profiles.address.as_str()),
    ]);
    let watcher = spawn_ready(watcher).await;
    let health = health_of(&watcher).await;
    let checks = &health["checks"];
    assert_eq!(checks["profileDataSor"]["status"], "up", "{health}");
    assert_eq!(checks["profileDataSor"]["required"], true, "{health}");
    assert!(checks.get("baselineSor").is_none(), "{health}");
    assert!(checks.get("registrySor").is_none(), "{health}");
}

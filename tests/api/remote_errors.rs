//! The HTTP SOR clients against a stub: error answers keep their meaning, idempotent calls are
//! retried on transient failures, POST never is, and path segments are percent-encoded.

use std::sync::Arc;
use std::time::Duration;

use pf_baselines::{BaselinePatch, BaselineSor, RemoteBaselineStore};
use pf_history::{AssessmentSeverity, HistorySor, NewHistoryRecord, RecordKey, RemoteHistoryStore};
use pf_infra::sor::remote::RemoteSor;
use pf_infra::sor::SorError;
use pf_infra::telemetry::{Metrics, CURRENT_REQUEST_ID};
use pf_model::ProfileType;
use serde_json::json;
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::contract::{app, ODD_APP};

fn client(base: &str, timeout: Duration) -> RemoteSor {
    client_with(base, timeout, Metrics::new(None).unwrap())
}

fn client_with(base: &str, timeout: Duration, metrics: Arc<Metrics>) -> RemoteSor {
    RemoteSor::new(
        "Baseline",
        "baselineSor",
        Url::parse(base).unwrap(),
        timeout,
        metrics,
    )
    .unwrap()
}

fn baselines(server: &MockServer) -> RemoteBaselineStore {
    RemoteBaselineStore::new(client(&server.uri(), Duration::from_secs(5)))
}

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"error": message, "code": "x"}))
}

fn patch() -> BaselinePatch {
    BaselinePatch {
        max_self_percent: Some(20.0),
        severity: None,
    }
}

#[tokio::test]
async fn error_statuses_map_back_to_the_sor_error_with_the_remote_message() {
    let server = MockServer::start().await;
    let cases = [
        (404, SorError::NotFound("baseline 1 not found".into())),
        (400, SorError::Invalid("bad threshold".into())),
        (409, SorError::Conflict("already there".into())),
        (502, SorError::Upstream("Pyroscope answered 500".into())),
    ];
    for (id, (status, expected)) in (1..).zip(cases) {
        let message = expected.to_string();
        Mock::given(method("PUT"))
            .and(path(format!("/baselines/{id}")))
            .respond_with(error(status, &message))
            .mount(&server)
            .await;
        assert_eq!(
            baselines(&server).update(id, patch()).await.unwrap_err(),
            expected
        );
    }
}

#[tokio::test]
async fn idempotent_calls_are_retried_on_503_and_post_is_not() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(error(503, "database is down"))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"appName": ODD_APP, "baselines": []})),
        )
        .mount(&server)
        .await;
    let store = baselines(&server);
    let listed = CURRENT_REQUEST_ID
        .scope("req-42".into(), store.list(app(ODD_APP), None))
        .await
        .unwrap();
    assert!(listed.is_empty());
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3, "two retries, then success");
    // Every path segment is percent-encoded: the name reaches the route as one segment.
    assert_eq!(
        requests[0].url.path(),
        "/baselines/team%20a%2F%CE%B2%231%3Fx"
    );

    Mock::given(method("POST"))
        .and(path("/history"))
        .respond_with(error(503, "database is down"))
        .expect(1)
        .mount(&server)
        .await;
    let history = RemoteHistoryStore::new(client(&server.uri(), Duration::from_secs(5)));
    let record = NewHistoryRecord {
        labels: Default::default(),
        key: RecordKey::new(),
        app_name: app("checkout"),
        profile_types: "cpu".into(),
        diagnosis: "gc_pressure".into(),
        severity: AssessmentSeverity::Low,
        top_functions: None,
        recommendation: None,
        requested_by: None,
        on_behalf_of: None,
    };
    let err = history.create(record).await.unwrap_err();
    assert_eq!(err, SorError::Unavailable("database is down".into()));
}

#[tokio::test]
async fn persistent_504s_give_up_after_the_retries_with_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(error(504, "Pyroscope did not answer in time"))
        .expect(3)
        .mount(&server)
        .await;
    let err = baselines(&server)
        .list(app("checkout"), Some(ProfileType::Cpu))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SorError::Timeout("Pyroscope did not answer in time".into())
    );
}

#[tokio::test]
async fn unreachable_slow_and_garbled_sors_are_unavailable_timeout_and_upstream() {
    // Port 1 refuses connections at once.
    let down = RemoteBaselineStore::new(client("http://127.0.0.1:1", Duration::from_secs(5)));
    let err = down.delete(1).await.unwrap_err();
    assert_eq!(
        err,
        SorError::Unavailable("Baseline SOR at 127.0.0.1:1 is unreachable".into())
    );

    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>not json</html>"))
        .mount(&server)
        .await;
    let slow = RemoteBaselineStore::new(client(&server.uri(), Duration::from_secs(1)));
    let err = slow.delete(1).await.unwrap_err();
    assert!(matches!(err, SorError::Timeout(_)), "{err:?}");
    let err = baselines(&server).update(1, patch()).await.unwrap_err();
    assert!(
        matches!(&err, SorError::Upstream(m) if m.contains("unreadable body")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_stored_row_the_sor_cannot_read_maps_back_to_unreadable() {
    let server = MockServer::start().await;
    let message = "reading baselines: the stored row cannot be read back";
    Mock::given(method("PUT"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"error": message, "code": SorError::UNREADABLE_CODE})),
        )
        .mount(&server)
        .await;
    assert_eq!(
        baselines(&server).update(1, patch()).await.unwrap_err(),
        SorError::Unreadable(message.into())
    );
}

#[tokio::test]
async fn every_attempt_is_timed_under_the_sor_name() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(error(503, "store down"))
        .mount(&server)
        .await;
    let metrics = Metrics::new(None).unwrap();
    let store = RemoteBaselineStore::new(client_with(
        &server.uri(),
        Duration::from_secs(5),
        metrics.clone(),
    ));
    assert!(store.delete(1).await.is_err());
    // A DELETE is idempotent: the first try and two retries, each timed.
    let text = metrics.render().unwrap();
    let line = r#"upstream_request_duration_seconds_count{outcome="error",target="baselineSor"} 3"#;
    assert!(text.contains(line), "no `{line}` in:\n{text}");
}

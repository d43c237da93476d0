//! What the service answers when Pyroscope fails, is slow or unreachable, or the request is bad.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

use super::{
    error_for, java_graph, modern_app, window, Api, FROM, LABEL_VALUES, SELECT, SERIES, TO,
};
use crate::helpers::{free_port, spawn_profile_data_sor};

/// What a 502's message must say.
enum Says {
    /// Every one of these fragments.
    All(&'static [&'static str]),
    /// This prefix.
    StartsWith(&'static str),
}

const UNREADABLE: Says = Says::StartsWith("Pyroscope returned an unreadable flame graph: ");

/// One upstream failure: the request it hits, its answer, the calls it takes, what the 502 says.
struct Failure {
    case: &'static str,
    api: Api,
    /// The path asked of the service.
    path: String,
    upstream: MockBuilder,
    answer: ResponseTemplate,
    /// Upstream calls expected: 3 for a transient failure (one attempt plus max_retries 2).
    calls: u64,
    says: Says,
}

fn unreadable(app_name: &'static str, body: &'static str) -> Failure {
    Failure {
        case: app_name,
        api: Api::Modern,
        path: format!("/profiles/{app_name}?{}", window(FROM, TO)),
        upstream: Api::Modern.cpu_read(app_name),
        answer: ResponseTemplate::new(200).set_body_raw(body, "application/json"),
        calls: 1,
        says: UNREADABLE,
    }
}

#[tokio::test]
async fn pyroscope_failures_are_502s_naming_pyroscope_and_only_transient_ones_are_retried() {
    let profile = |app_name: &str| format!("/profiles/{app_name}?{}", window(FROM, TO));
    let cases = [
        // A 429 or 503 is Pyroscope asking for time: waited out, then a 503 of the service's
        // own (`pyroscope_limits`); a gateway's 502 is a failure, retried as it is.
        Failure {
            case: "502 on a profile read",
            api: Api::Modern,
            path: profile("checkout-service"),
            upstream: Api::Modern.cpu_read("checkout-service"),
            answer: ResponseTemplate::new(502)
                .set_body_json(json!({"code": "unavailable", "message": "no healthy ingesters"})),
            calls: 3,
            says: Says::All(&["Pyroscope", "502", "no healthy ingesters"]),
        },
        Failure {
            case: "500 on the app list",
            api: Api::Modern,
            path: format!("/profiles/apps?{}", window(FROM, TO)),
            upstream: Mock::given(method("POST")).and(path(LABEL_VALUES)),
            answer: ResponseTemplate::new(500),
            calls: 1,
            says: Says::All(&["Pyroscope"]),
        },
        unreadable("truncated-json", r#"{"flamegraph":{"names":["total""#),
        unreadable(
            "bad-name-index",
            r#"{"flamegraph":{"names":["total"],"levels":[{"values":["0","10","0","5"]}],"total":"10"}}"#,
        ),
        unreadable(
            "not-int64",
            r#"{"flamegraph":{"names":["total"],"levels":[{"values":["0","1.5","0","0"]}],"total":"1"}}"#,
        ),
        unreadable("html", "<html>gateway</html>"),
        Failure {
            case: "unreadable app list",
            api: Api::Modern,
            path: "/profiles/apps".to_owned(),
            upstream: Mock::given(method("POST")).and(path(LABEL_VALUES)),
            answer: ResponseTemplate::new(200).set_body_raw("[1,2", "application/json"),
            calls: 1,
            says: Says::All(&["Pyroscope", "unreadable"]),
        },
        Failure {
            case: "legacy 502 on a profile read",
            api: Api::Legacy,
            path: profile("down"),
            upstream: Api::Legacy.cpu_read("down"),
            answer: ResponseTemplate::new(502),
            calls: 3,
            says: Says::All(&["Pyroscope"]),
        },
        Failure {
            case: "legacy diff-format flame graph",
            api: Api::Legacy,
            path: profile("diff"),
            upstream: Api::Legacy.cpu_read("diff"),
            answer: ResponseTemplate::new(200).set_body_json(json!({
                "flamebearer": {"names": ["total"], "levels": [[0, 1, 0, 0, 1, 0, 0]], "numTicks": 1},
                "metadata": {"format": "double"}
            })),
            calls: 1,
            says: UNREADABLE,
        },
    ];
    let (modern, legacy) = (MockServer::start().await, MockServer::start().await);
    let modern_app = Api::Modern.app(&modern, |_| {}).await;
    let legacy_app = Api::Legacy.app(&legacy, |_| {}).await;
    for Failure {
        case,
        api,
        path,
        upstream,
        answer,
        calls,
        says,
    } in cases
    {
        let (server, app) = match api {
            Api::Modern => (&modern, &modern_app),
            Api::Legacy => (&legacy, &legacy_app),
        };
        // Verified when the guard drops at the end of this case.
        let _upstream = upstream
            .respond_with(answer)
            .expect(calls)
            .named(case)
            .mount_as_scoped(server)
            .await;
        let message = error_for(case, app.get(&path).await, 502, "upstream_error").await;
        match says {
            Says::All(fragments) => {
                for fragment in fragments {
                    assert!(
                        message.contains(fragment),
                        "{case}: {fragment:?} not in {message}"
                    );
                }
            }
            Says::StartsWith(prefix) => {
                assert!(message.starts_with(prefix), "{case}: {message}");
            }
        }
    }
}

#[tokio::test]
async fn an_unreachable_pyroscope_answers_502() {
    let port = free_port();
    let app = spawn_profile_data_sor(|s| {
        s.pyroscope.url = Some(Url::parse(&format!("http://127.0.0.1:{port}")).unwrap());
    })
    .await;
    let path = format!("/profiles/checkout-service?{}", window(FROM, TO));
    let message = error_for("unreachable", app.get(&path).await, 502, "upstream_error").await;
    assert!(message.contains("Pyroscope"), "{message}");
    assert!(message.contains("unreachable"), "{message}");
}

#[tokio::test]
async fn a_slow_pyroscope_answers_504_within_the_configured_timeout() {
    let server = MockServer::start().await;
    let slow = ResponseTemplate::new(200)
        .set_body_json(java_graph().connect())
        .set_delay(Duration::from_secs(6));
    Mock::given(method("POST"))
        .and(path(SELECT))
        .respond_with(slow.clone())
        .mount(&server)
        .await;
    // The profile-type lookup is slow too: it must not add its own timeout to the wait.
    Mock::given(method("POST"))
        .and(path(SERIES))
        .respond_with(slow)
        .mount(&server)
        .await;
    let app = Api::Modern
        .app(&server, |s| {
            s.pyroscope.request_timeout_secs = Duration::from_secs(1)
        })
        .await;

    for query in ["type=cpu", "type=alloc"] {
        let started = Instant::now();
        let path = format!("/profiles/checkout-service?{query}&{}", window(FROM, TO));
        let res = app.get(&path).await;
        let elapsed = started.elapsed();
        let message = error_for(query, res, 504, "upstream_timeout").await;
        assert!(message.contains("Pyroscope"), "{query}: {message}");
        assert!(
            elapsed < Duration::from_secs(2),
            "{query}: answered after {elapsed:?}, limit 1 s + 1 s"
        );
    }
}

#[tokio::test]
async fn invalid_requests_are_4xx_and_never_reach_pyroscope() {
    let server = MockServer::start().await;
    let app = modern_app(&server).await;
    let long_name = format!("/profiles/{}", "x".repeat(256));
    let get = Method::GET;
    let cases = [
        (
            &get,
            "/profiles/checkout?type=stack",
            400,
            "invalid_profile_type",
        ),
        (&get, "/profiles/checkout?limit=0", 400, "invalid_limit"),
        (&get, "/profiles/checkout?limit=1001", 400, "invalid_limit"),
        (&get, "/profiles/checkout?limit=-5", 400, "invalid_limit"),
        (
            &get,
            "/profiles/checkout?from=200&to=100",
            400,
            "invalid_time_window",
        ),
        (
            &get,
            "/profiles/checkout?from=-1&to=100",
            400,
            "invalid_time_window",
        ),
        (&get, "/profiles/checkout?from=abc", 400, "invalid_query"),
        (
            &get,
            "/profiles/checkout/diff?limit=5001",
            400,
            "invalid_limit",
        ),
        (
            &get,
            "/profiles/checkout/diff?type=nope",
            400,
            "invalid_profile_type",
        ),
        (
            &get,
            "/profiles/checkout/diff?from=100&to=7300",
            400,
            "invalid_time_window",
        ),
        (
            &get,
            "/profiles/checkout/diff?baselineFrom=500&baselineTo=400",
            400,
            "invalid_time_window",
        ),
        (
            &get,
            "/profiles/checkout/diff?slices=61",
            400,
            "invalid_slices",
        ),
        (
            &get,
            "/profiles/checkout/diff?slices=-1",
            400,
            "invalid_slices",
        ),
        (
            &get,
            "/profiles/checkout/diff?slices=ten",
            400,
            "invalid_query",
        ),
        (
            &get,
            "/profiles/apps?from=10&to=10",
            400,
            "invalid_time_window",
        ),
        (&get, "/profiles/%20", 400, "invalid_app_name"),
        (&get, "/profiles/a%07b", 400, "invalid_app_name"),
        (&get, long_name.as_str(), 400, "invalid_app_name"),
        (
            &Method::POST,
            "/profiles/checkout",
            405,
            "method_not_allowed",
        ),
    ];
    for (method, path, status, code) in cases {
        let case = format!("{method} {path}");
        let res = app.request(method.clone(), path, None).await;
        error_for(&case, res, status, code).await;
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

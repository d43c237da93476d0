//! Bad requests are Connect's `invalid_argument` (400), never a 500; the door is the read
//! routes' door; reading Pyroscope, the routes send Grafana there.

use pf_formats::formats::pyroscope_api::{
    ProfileTypesRequest, SelectMergeStacktracesRequest, SelectMergeStacktracesResponse,
};
use prost::Message;
use serde_json::Value;

use super::{call, profiles_answer, pushed_go_app, send, CPU};
use crate::access::{client_with, with_tokens, READ_TOKEN};
use crate::helpers::{spawn_app_with, TestApp};

fn stacks(id: &str, selector: &str, start: i64, end: i64) -> SelectMergeStacktracesRequest {
    SelectMergeStacktracesRequest {
        profile_type_id: id.into(),
        label_selector: selector.into(),
        start,
        end,
        ..Default::default()
    }
}

/// Sends `request` in both encodings; each answer is `status` with Connect's `code`.
async fn refused(
    app: &TestApp,
    method: &str,
    request: &SelectMergeStacktracesRequest,
    status: u16,
    code: &str,
) {
    for (media, body) in [
        ("application/proto", request.encode_to_vec()),
        ("application/json", serde_json::to_vec(request).unwrap()),
    ] {
        let (got, _, body) = send(app, method, media, body).await;
        let error: Value = serde_json::from_slice(&body).expect("Connect's error JSON");
        assert_eq!(
            (got, error["code"].as_str().unwrap()),
            (status, code),
            "{request:?}: {error}"
        );
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn bad_requests_are_invalid_arguments_and_never_500() {
    let dir = tempfile::tempdir().unwrap();
    let (app, t) = pushed_go_app(dir.path()).await;
    let (start, end) = (t * 1000, (t + 30) * 1000);
    let hostile = [
        r#"{service_name="goapp"} or 1=1"#,
        "{service_name=\"goapp\"\n}",
        r#"{service_name=~"("}"#,
        r#"{1name="x"}"#,
        r#"service_name="goapp""#,
        r#"{service_name="goapp\"}"#,
    ];
    for selector in hostile {
        refused(
            &app,
            "SelectMergeStacktraces",
            &stacks(CPU, selector, start, end),
            400,
            "invalid_argument",
        )
        .await;
    }
    let long = format!("{{service_name=~\"{}\"}}", "a|".repeat(5_000));
    refused(
        &app,
        "SelectMergeStacktraces",
        &stacks(CPU, &long, start, end),
        400,
        "invalid_argument",
    )
    .await;
    for id in [
        "process_cpu:nope:nanoseconds:cpu:nanoseconds",
        "cpu",
        "::::",
        "x:cpu:nanoseconds:cpu:nanoseconds",
    ] {
        refused(
            &app,
            "SelectMergeStacktraces",
            &stacks(id, "{}", start, end),
            400,
            "invalid_argument",
        )
        .await;
    }
    // A reversed window, and none.
    for (from, to) in [(end, start), (0, 0)] {
        let request = stacks(CPU, "{}", from, to);
        refused(
            &app,
            "SelectMergeStacktraces",
            &request,
            400,
            "invalid_argument",
        )
        .await;
    }
    let mut negative = stacks(CPU, "{}", start, end);
    negative.max_nodes = Some(-1);
    refused(
        &app,
        "SelectMergeStacktraces",
        &negative,
        400,
        "invalid_argument",
    )
    .await;
    // Bytes that are no message, and a body that is neither encoding.
    let (status, _, body) = send(
        &app,
        "SelectMergeStacktraces",
        "application/proto",
        vec![0xff; 7],
    )
    .await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    let (status, _, _) = send(
        &app,
        "SelectMergeStacktraces",
        "application/json",
        b"{\"start\":".to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _, body) = send(&app, "ProfileTypes", "text/plain", b"{}".to_vec()).await;
    let error: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, error["code"].as_str().unwrap()),
        (415, "unimplemented")
    );

    // A window reaching past the 14 days kept (to 1970, to the end of time) answers with what is
    // kept, as one within them does: /profiles' numbers (Grafana's "last 30 days").
    const DAY_MS: i64 = 86_400_000;
    let (total, _) = profiles_answer(&app, "goapp", "cpu", t, t + 30).await;
    for (from, to) in [
        (end - 13 * DAY_MS, end),
        (end - 15 * DAY_MS, end),
        (1, end),
        (1, i64::MAX),
    ] {
        let wide = stacks(CPU, r#"{service_name="goapp"}"#, from, to);
        let answer: SelectMergeStacktracesResponse =
            call(&app, "SelectMergeStacktraces", &wide).await;
        assert_eq!(
            answer.flamegraph.unwrap().total as u64,
            total,
            "[{from}, {to})"
        );
    }
}

#[tokio::test]
async fn the_query_api_takes_a_read_token_as_bearer_or_basic_and_nothing_less() {
    let app = spawn_app_with(with_tokens).await;
    let url = app.url("/querier.v1.QuerierService/ProfileTypes");
    let body = ProfileTypesRequest {
        start: 1000,
        end: 4000,
    }
    .encode_to_vec();
    let post = |client: reqwest::Client| {
        let (url, body) = (url.clone(), body.clone());
        async move {
            client
                .post(url)
                .header("content-type", "application/proto")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(post(reqwest::Client::new()).await, 401);
    assert_eq!(post(client_with("not-a-token")).await, 401);
    assert_eq!(
        post(client_with(READ_TOKEN)).await,
        200,
        "a read token reads"
    );
    // Grafana's data source sends basic auth: the token is the password.
    let basic = reqwest::Client::new()
        .post(url.clone())
        .basic_auth("grafana", Some(READ_TOKEN))
        .header("content-type", "application/proto")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 200);
}

#[tokio::test]
async fn reading_pyroscope_the_query_api_sends_grafana_there() {
    let app =
        spawn_app_with(|s| s.pyroscope.url = Some("http://127.0.0.1:1".parse().unwrap())).await;
    let (status, _, body) = send(&app, "ProfileTypes", "application/json", b"{}".to_vec()).await;
    let error: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, error["code"].as_str().unwrap()),
        (409, "failed_precondition")
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("http://127.0.0.1:1"),
        "{error}"
    );
}

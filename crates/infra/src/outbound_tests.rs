//! Retries, the bearer token, and the address guard of outbound calls.

use super::*;

#[test]
fn only_silence_and_busy_gateways_are_worth_another_attempt() {
    let status = |code: u16| Failure::Status {
        status: StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT),
        body: Bytes::new(),
        retry_after: None,
    };
    assert!(Failure::Timeout.retryable());
    assert!(Failure::Unreachable {
        cause: "refused".into(),
        connect: true,
        denied: false,
    }
    .retryable());
    for code in [502, 503, 504] {
        assert!(status(code).retryable(), "{code}");
    }
    for code in [400, 404, 409, 500] {
        assert!(!status(code).retryable(), "{code}");
    }
}

mod guarded {
    use wiremock::matchers::{header, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::address_guard::tests::guard_with;

    async fn receiver() -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        server
    }

    fn client(names: &[(&'static str, &[&str])]) -> Outbound {
        let metrics = Metrics::new(None).unwrap();
        Outbound::guarded(
            "webhook",
            Duration::from_secs(2),
            guard_with(names),
            metrics,
        )
        .unwrap()
    }

    async fn post(outbound: &Outbound, url: String) -> Result<Bytes, Failure> {
        let deadline = Instant::now() + Duration::from_secs(5);
        outbound
            .send(deadline, Backoff::NONE, || {
                outbound.client().post(url.clone())
            })
            .await
    }

    /// The name is resolved by the guard and the connection goes to the address it returned
    /// (the receiver listens on 127.0.0.1; no DNS knows `hook.test`).
    #[tokio::test]
    async fn a_name_is_called_at_the_address_the_guard_checked() {
        let server = receiver().await;
        let port = server.address().port();
        let outbound = client(&[("hook.test", &["127.0.0.1"])]);
        let sent = post(&outbound, format!("http://hook.test:{port}/hook")).await;
        assert!(sent.is_ok(), "{sent:?}");
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }

    /// Rebinding: the name that passed on save resolves to metadata when called; nothing is
    /// sent, and the failure is final.
    #[tokio::test]
    async fn a_name_resolving_to_a_denied_address_when_called_is_refused() {
        let outbound = client(&[("rebound.test", &["169.254.169.254"])]);
        let failure = post(&outbound, "http://rebound.test/latest/meta-data".into())
            .await
            .unwrap_err();
        let Failure::Unreachable {
            cause,
            denied: true,
            ..
        } = &failure
        else {
            panic!("not denied: {failure:?}");
        };
        assert!(
            cause.contains("rebound.test resolves to 169.254.169.254"),
            "{cause}"
        );
        assert!(!failure.retryable());
    }

    #[tokio::test]
    async fn a_denied_literal_is_refused_before_any_connection() {
        let outbound = client(&[]);
        let failure = post(&outbound, "http://169.254.169.254/latest/meta-data".into())
            .await
            .unwrap_err();
        assert!(
            matches!(failure, Failure::Unreachable { denied: true, .. }),
            "{failure:?}"
        );
        let text = outbound.metrics.render().unwrap();
        assert!(
            text.contains(
                "upstream_request_duration_seconds_count{outcome=\"denied\",target=\"webhook\"} 1"
            ),
            "{text}"
        );
    }

    #[tokio::test]
    async fn a_configured_token_goes_as_a_bearer_header() {
        let server = MockServer::start().await;
        Mock::given(header("authorization", "Bearer s3cret"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let metrics = Metrics::new(None).unwrap();
        let outbound = Outbound::new("sor", Duration::from_secs(2), HeaderMap::new(), metrics)
            .unwrap()
            .bearer(Some(SecretString::from("s3cret")));
        let sent = post(&outbound, format!("{}/x", server.uri())).await;
        assert!(sent.is_ok(), "{sent:?}");
    }
}

//! How much the service asks of Pyroscope: coalescing, caching, and asking again with more nodes.

use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{
    detailed_graph, heavily_truncated_graph, java_graph, json_for, ok_json, window, Api, FROM,
    SELECT, TO,
};
use crate::profile_data::testdata;

/// The value of the first sample of `name` whose labels include every one of `labels`.
fn metric(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .find(|l| labels.iter().all(|label| l.contains(label)))
        .and_then(|l| l.rsplit(' ').next())
        .map_or(0.0, |v| v.parse().unwrap())
}

#[tokio::test]
async fn fifty_concurrent_identical_requests_make_one_upstream_call() {
    let server = MockServer::start().await;
    let graph = testdata::generate(3_000, 7).to_connect_json();
    Mock::given(method("POST"))
        .and(path(SELECT))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(graph, "application/json")
                // Long enough that all fifty requests arrive while the first is in flight.
                .set_delay(Duration::from_millis(500)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let app = Api::Modern
        .app(&server, |s| {
            s.pyroscope.truncation_threshold_percent = 100.0
        })
        .await;

    let path = format!("/profiles/checkout-service?{}", window(FROM, TO));
    let answers =
        futures_util::future::join_all((0..50).map(|_| async { app.get(&path).await })).await;
    let mut bodies = Vec::new();
    for (i, res) in answers.into_iter().enumerate() {
        bodies.push(json_for(&format!("request {i}"), res, 200).await);
    }
    assert!(bodies.iter().all(|b| b == &bodies[0]));
    assert_eq!(bodies[0]["functions"].as_array().unwrap().len(), 50);

    let metrics = app.get("/metrics").await.text().await.unwrap();
    let lookups = |result: &str| {
        metric(
            &metrics,
            "cache_lookups_total",
            &["cache=\"profile\"", &format!("result=\"{result}\"")],
        )
    };
    assert_eq!(lookups("miss"), 1.0, "{metrics}");
    assert_eq!(lookups("coalesced") + lookups("hit"), 49.0, "{metrics}");
    let upstream = metric(
        &metrics,
        "upstream_request_duration_seconds_count",
        &["outcome=\"ok\"", "target=\"pyroscope\""],
    );
    assert_eq!(upstream, 1.0, "{metrics}");
}

#[tokio::test]
async fn a_zero_ttl_still_coalesces_but_does_not_cache() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SELECT))
        .respond_with(ok_json(java_graph().connect()).set_delay(Duration::from_millis(500)))
        .expect(2)
        .mount(&server)
        .await;
    let app = Api::Modern
        .app(&server, |s| s.pyroscope.cache_ttl_secs = Duration::ZERO)
        .await;
    let path = format!("/profiles/checkout-service?{}", window(FROM, TO));
    let answers =
        futures_util::future::join_all((0..20).map(|_| async { app.get(&path).await })).await;
    for (i, res) in answers.into_iter().enumerate() {
        json_for(&format!("request {i}"), res, 200).await;
    }
    // Nothing was stored: the next identical request asks Pyroscope again (2nd call).
    json_for("after the burst", app.get(&path).await, 200).await;
}

/// One truncation scenario: the first answer leaves 40 % of the samples in `other`.
struct TruncationCase {
    case: &'static str,
    api: Api,
    max_nodes_limit: Option<u32>,
    /// Whether the 16 384-node read is followed by a 65 536-node one (answered in detail).
    asks_again: bool,
    truncated_percent: f64,
    second_function: Value,
}

#[tokio::test]
async fn a_heavily_truncated_profile_is_asked_again_with_more_nodes_up_to_the_limit() {
    let handle = json!({"name": "com/example/checkout/CheckoutService.handle", "selfPercent": 38.0, "selfSamples": 380, "totalSamples": 380});
    // Pyroscope's `other` (40 % here) is the remainder, `truncatedPercent`: never a function.
    let after_the_remainder = json!({"name": "java/lang/Thread.run", "selfPercent": 0.0, "selfSamples": 0, "totalSamples": 1000});
    let cases = [
        TruncationCase {
            case: "modern API, default limit: asked again",
            api: Api::Modern,
            max_nodes_limit: None,
            asks_again: true,
            truncated_percent: 2.0,
            second_function: handle.clone(),
        },
        TruncationCase {
            case: "legacy API, default limit: asked again",
            api: Api::Legacy,
            max_nodes_limit: None,
            asks_again: true,
            truncated_percent: 2.0,
            second_function: handle,
        },
        TruncationCase {
            case: "modern API, limit 16384: reported as it comes",
            api: Api::Modern,
            max_nodes_limit: Some(16384),
            asks_again: false,
            truncated_percent: 40.0,
            second_function: after_the_remainder.clone(),
        },
        TruncationCase {
            case: "legacy API, limit 16384: reported as it comes",
            api: Api::Legacy,
            max_nodes_limit: Some(16384),
            asks_again: false,
            truncated_percent: 40.0,
            second_function: after_the_remainder,
        },
    ];
    for c in cases {
        let server = MockServer::start().await;
        let answers = [
            (16384, heavily_truncated_graph(), 1),
            (65536, detailed_graph(), u64::from(c.asks_again)),
        ];
        for (max_nodes, graph, calls) in answers {
            c.api
                .read_with_max_nodes(max_nodes)
                .respond_with(c.api.answer(&graph))
                .expect(calls)
                .named(format!("{}: maxNodes {max_nodes}", c.case))
                .mount(&server)
                .await;
        }
        let app = c
            .api
            .app(&server, |s| {
                if let Some(limit) = c.max_nodes_limit {
                    s.pyroscope.max_nodes_limit = limit;
                }
            })
            .await;
        let path = format!("/profiles/checkout-service?{}", window(FROM, TO));
        let body = json_for(c.case, app.get(&path).await, 200).await;
        assert_eq!(body["truncatedPercent"], c.truncated_percent, "{}", c.case);
        assert_eq!(body["functions"][1], c.second_function, "{}", c.case);
        let functions = body["functions"].as_array().unwrap();
        assert!(functions.iter().all(|f| f["name"] != "other"), "{}", c.case);
    }
}

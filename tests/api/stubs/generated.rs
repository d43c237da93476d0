//! A wiremock Pyroscope (modern API) serving realistic generated flame graphs for a few apps,
//! with a different graph in the baseline window so diffs have something to report.

use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{LABEL_VALUES, SELECT};
use crate::profile_data::testdata;

/// The current hour of every split and contract request.
pub const CURRENT_FROM: i64 = 1_700_003_600;
pub const CURRENT_TO: i64 = 1_700_007_200;
/// The hour before, the baseline of the diffs: a different graph.
pub const BASELINE_FROM: i64 = 1_700_000_000;
pub const BASELINE_TO: i64 = 1_700_003_600;

/// The apps Pyroscope knows; names that need percent-encoding in a path on purpose.
pub const APPS: [&str; 3] = ["checkout-service", "inventory service", "payments-β"];

const SERIES: &str = "/querier.v1.QuerierService/Series";

/// Every profile-type ID the default settings may pick, so type resolution finds its first choice.
const TYPE_IDS: [&str; 4] = [
    "process_cpu:cpu:nanoseconds:cpu:nanoseconds",
    "memory:alloc_in_new_tlab_bytes:bytes:space:bytes",
    "mutex:contentions:count:mutex:count",
    "wall:wall:nanoseconds:wall:nanoseconds",
];

fn graph(seed: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        testdata::generate(600, seed).to_connect_json(),
        "application/json",
    )
}

/// Starts the stub.
pub async fn start() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LABEL_VALUES))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "names": APPS })))
        .mount(&server)
        .await;
    let labels: Vec<_> = TYPE_IDS
        .iter()
        .map(|id| json!({"labels": [{"name": "__profile_type__", "value": id}]}))
        .collect();
    Mock::given(method("POST"))
        .and(path(SERIES))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "labelsSet": labels })))
        .mount(&server)
        .await;
    for (i, app) in APPS.iter().enumerate() {
        let selector = format!("{{service_name=\"{app}\"}}");
        let seed = i as u64 + 1;
        // Mounted first, so it wins for the baseline window.
        Mock::given(method("POST"))
            .and(path(SELECT))
            .and(body_partial_json(
                json!({"labelSelector": selector, "start": BASELINE_FROM * 1000}),
            ))
            .respond_with(graph(seed + 100))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(SELECT))
            .and(body_partial_json(json!({ "labelSelector": selector })))
            .respond_with(graph(seed))
            .mount(&server)
            .await;
    }
    server
}

//! `/profiles` against a stub Pyroscope (wiremock), in both API styles.
//!
//! Scenarios that differ only in their data (often just the API style, [`Api`]) are tables of
//! cases looped inside one test; in a table every assertion and every wiremock expectation names
//! its case, so a failure says which row broke.

mod failures;
mod profile_types;
mod reads;
mod service;
mod upstream_load;

use pf_profiles::PyroscopeApi;
use pyroscope_functions::app::settings::Settings;
use reqwest::Response;
use serde_json::{json, Value};
use url::Url;
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

use crate::helpers::{spawn_profile_data_sor, TestApp};

const FROM: i64 = 1_700_000_000;
const TO: i64 = 1_700_003_600;
const HOUR: i64 = 3600;
const CPU_ID: &str = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
const TLAB_ID: &str = "memory:alloc_in_new_tlab_bytes:bytes:space:bytes";
const ALLOC_SPACE_ID: &str = "memory:alloc_space:bytes:space:bytes";
const SELECT: &str = "/querier.v1.QuerierService/SelectMergeStacktraces";
const SERIES: &str = "/querier.v1.QuerierService/Series";
const LABEL_VALUES: &str = "/querier.v1.QuerierService/LabelValues";
/// Where the legacy API is served: under the `/pyroscope` path prefix of the stub.
const RENDER: &str = "/pyroscope/render";

// ---------------------------------------------------------------------------------------------
// Flame graphs

/// A flame graph as names plus delta-encoded `[offset, total, self, name]` levels.
struct Graph {
    names: &'static [&'static str],
    levels: Vec<Vec<i64>>,
    total: i64,
}

impl Graph {
    /// Connect JSON, int64 values as strings as Pyroscope 1.x sends them.
    fn connect(&self) -> Value {
        let levels: Vec<Value> = self
            .levels
            .iter()
            .map(|l| json!({ "values": l.iter().map(i64::to_string).collect::<Vec<_>>() }))
            .collect();
        json!({"flamegraph": {
            "names": self.names, "levels": levels,
            "total": self.total.to_string(), "maxSelf": "670"
        }})
    }

    /// Legacy flamebearer JSON as Pyroscope OG's `/render?format=json` sends it.
    fn legacy(&self) -> Value {
        json!({
            "version": 1,
            "flamebearer": {"names": self.names, "levels": self.levels, "numTicks": self.total, "maxSelf": 670},
            "metadata": {"format": "single", "spyName": "javaspy", "sampleRate": 100, "units": "samples", "name": "cpu"},
            "timeline": {"startTime": FROM, "samples": [1, 2], "durationDelta": 10}
        })
    }
}

/// A Java service: `HashMap.resize` reached from two call sites, GC threads, a little `other`.
///
/// ```text
/// total 1001
/// ├─ java/lang/Thread.run 800
/// │  ├─ CheckoutService.handle 600 (self 100)
/// │  │  ├─ java/util/HashMap.resize 470
/// │  │  └─ other 30
/// │  └─ java/util/HashMap.resize 200
/// └─ G1 Young Generation 201
/// ```
fn java_graph() -> Graph {
    Graph {
        names: &[
            "total",
            "java/lang/Thread.run",
            "com/example/checkout/CheckoutService.handle",
            "java/util/HashMap.resize",
            "G1 Young Generation",
            "other",
        ],
        levels: vec![
            vec![0, 1001, 0, 0],
            vec![0, 800, 0, 1, 0, 201, 201, 4],
            vec![0, 600, 100, 2, 0, 200, 200, 3],
            vec![0, 470, 470, 3, 0, 30, 30, 5],
        ],
        total: 1001,
    }
}

/// The ranking of [`java_graph`], as the API answers it: its `other` is the remainder of a cut
/// graph (`truncatedPercent`), not a function.
fn java_functions() -> Value {
    json!([
        {"name": "java/util/HashMap.resize", "selfPercent": 66.93, "selfSamples": 670, "totalSamples": 670},
        {"name": "G1 Young Generation", "selfPercent": 20.08, "selfSamples": 201, "totalSamples": 201},
        {"name": "com/example/checkout/CheckoutService.handle", "selfPercent": 9.99, "selfSamples": 100, "totalSamples": 600},
        {"name": "java/lang/Thread.run", "selfPercent": 0.0, "selfSamples": 0, "totalSamples": 800},
    ])
}

/// The first `n` functions of [`java_functions`].
fn top_java_functions(n: usize) -> Value {
    Value::Array(java_functions().as_array().unwrap()[..n].to_vec())
}

/// 40 % of the samples folded into `other`, as with too small a node budget.
fn heavily_truncated_graph() -> Graph {
    Graph {
        names: &[
            "total",
            "java/lang/Thread.run",
            "java/util/HashMap.resize",
            "other",
        ],
        levels: vec![
            vec![0, 1000, 0, 0],
            vec![0, 1000, 0, 1],
            vec![0, 600, 600, 2, 0, 400, 400, 3],
        ],
        total: 1000,
    }
}

/// The same profile with more nodes: only 2 % left in `other`.
fn detailed_graph() -> Graph {
    Graph {
        names: &[
            "total",
            "java/lang/Thread.run",
            "java/util/HashMap.resize",
            "other",
            "com/example/checkout/CheckoutService.handle",
        ],
        levels: vec![
            vec![0, 1000, 0, 0],
            vec![0, 1000, 0, 1],
            vec![0, 600, 600, 2, 0, 380, 380, 4, 0, 20, 20, 3],
        ],
        total: 1000,
    }
}

// ---------------------------------------------------------------------------------------------
// The two Pyroscope API styles

/// Which Pyroscope API the service reads: the table column of most tests here.
#[derive(Clone, Copy, Debug)]
enum Api {
    /// Pyroscope 1.x Connect API (`POST /querier.v1.QuerierService/…`).
    Modern,
    /// Pyroscope OG (`GET /render`), served under the `/pyroscope` path prefix.
    Legacy,
}

impl Api {
    /// A profile-data process reading `server` with this API.
    async fn app(self, server: &MockServer, customize: impl FnOnce(&mut Settings)) -> TestApp {
        let (url, api) = match self {
            Api::Modern => (server.uri(), PyroscopeApi::Modern),
            Api::Legacy => (format!("{}/pyroscope", server.uri()), PyroscopeApi::Legacy),
        };
        let url = Url::parse(&url).unwrap();
        spawn_profile_data_sor(move |s| {
            s.pyroscope.url = Some(url);
            s.pyroscope.api = api;
            customize(s);
        })
        .await
    }

    /// The upstream request reading the CPU profile of `app_name`.
    fn cpu_read(self, app_name: &str) -> MockBuilder {
        match self {
            Api::Modern => Mock::given(method("POST")).and(path(SELECT)).and(body_partial_json(
                json!({"profileTypeID": CPU_ID, "labelSelector": format!("{{service_name=\"{app_name}\"}}")}),
            )),
            Api::Legacy => Mock::given(method("GET"))
                .and(path(RENDER))
                .and(query_param("query", format!("{app_name}.cpu{{}}"))),
        }
    }

    /// Any upstream profile read asking for at most `max_nodes` nodes.
    fn read_with_max_nodes(self, max_nodes: u32) -> MockBuilder {
        match self {
            Api::Modern => Mock::given(method("POST"))
                .and(path(SELECT))
                .and(body_partial_json(json!({ "maxNodes": max_nodes }))),
            Api::Legacy => Mock::given(method("GET"))
                .and(path(RENDER))
                .and(query_param("max-nodes", max_nodes.to_string())),
        }
    }

    /// `graph` in this API's wire format.
    fn answer(self, graph: &Graph) -> ResponseTemplate {
        ok_json(match self {
            Api::Modern => graph.connect(),
            Api::Legacy => graph.legacy(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Set-up and answers

async fn modern_app(server: &MockServer) -> TestApp {
    Api::Modern.app(server, |_| {}).await
}

fn ok_json(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn window(from: i64, to: i64) -> String {
    format!("from={from}&to={to}")
}

/// Reads a JSON body, asserting the status first; failures name `case` and show the body.
async fn json_for(case: &str, res: Response, status: u16) -> Value {
    let actual = res.status().as_u16();
    let text = res.text().await.expect("a body");
    assert_eq!(actual, status, "{case}: unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{case}: not JSON ({e}): {text}"))
}

/// Asserts an error answer for `case`: status, `code`, and a non-empty `error` message (returned).
async fn error_for(case: &str, res: Response, status: u16, code: &str) -> String {
    let body = json_for(case, res, status).await;
    assert_eq!(body["code"], code, "{case}: wrong error code in {body}");
    let message = body["error"].as_str().unwrap_or_default().to_owned();
    assert!(!message.is_empty(), "{case}: no error message in {body}");
    message
}

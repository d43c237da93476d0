//! The test side of the Pyroscope stand-in: real-looking pprofs to push or keep, and a plain
//! Connect client (binary or JSON) to push to it and ask it directly, without the service.

use std::collections::HashMap;

use pf_formats::formats::pyroscope_api::profile::Profile;
use pf_formats::formats::pyroscope_api::{
    paths, FlameGraph, LabelValuesRequest, LabelValuesResponse, ProfileFormat,
    SelectMergeProfileRequest, SelectMergeStacktracesRequest, SelectMergeStacktracesResponse,
};
use pf_pprof::{parse_file, Limits};
use prost::Message;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::standin::{PyroscopeStandIn, PUSH};
use crate::profile_data::pprof::encode::{profile_of_frames, to_bytes, Frame, Header, Stack};
use crate::push_proto::{LabelPair, PushRequest, RawSample, Series};

/// The CPU sampling period: 100 Hz, as Go's runtime samples.
pub const PERIOD_NANOS: i64 = 10_000_000;

/// A gzipped CPU pprof of `stacks` as Go writes one: sample types `samples/count` and
/// `cpu/nanoseconds` (count × period), period type `cpu/nanoseconds`, taken at `time_nanos`
/// (0: no time). A stack is its frames root first, `;` between them, each `name (file:line)`
/// (or a bare name), with its sample count; each function starts two lines above the first
/// line it is sampled at. Every sample carries the string `labels`.
pub fn cpu_pprof(time_nanos: i64, stacks: &[(&str, i64)], labels: &[(&str, &str)]) -> Vec<u8> {
    let header = Header {
        sample_types: vec![
            ("samples".into(), "count".into()),
            ("cpu".into(), "nanoseconds".into()),
        ],
        period_type: Some(("cpu".into(), "nanoseconds".into())),
        period: PERIOD_NANOS,
        time_nanos,
        duration_nanos: if time_nanos > 0 { 10_000_000_000 } else { 0 },
        labels: labels.iter().map(|&(k, v)| (k.into(), v.into())).collect(),
    };
    let stacks: Vec<Stack> = stacks
        .iter()
        .map(|&(frames, count)| Stack {
            frames: frames.split(';').map(str::to_owned).collect(),
            values: vec![count, count * PERIOD_NANOS],
        })
        .collect();
    let mut profile = profile_of_frames(&header, &stacks, Frame::placed);
    let mut first_line: HashMap<u64, i64> = HashMap::new();
    for line in profile.location.iter().flat_map(|l| &l.line) {
        if line.line > 0 {
            let first = first_line.entry(line.function_id).or_insert(line.line);
            *first = (*first).min(line.line);
        }
    }
    for function in &mut profile.function {
        if let Some(line) = first_line.get(&function.id) {
            function.start_line = (line - 2).max(1);
        }
    }
    to_bytes(&profile, true)
}

/// The body an SDK pushes: one series of `labels` with one raw profile.
pub fn push_request(labels: &[(&str, &str)], pprof: Vec<u8>) -> PushRequest {
    PushRequest {
        series: vec![Series {
            labels: labels
                .iter()
                .map(|&(name, value)| LabelPair {
                    name: name.into(),
                    value: value.into(),
                })
                .collect(),
            samples: vec![RawSample {
                raw_profile: pprof,
                id: String::new(),
            }],
        }],
    }
}

/// The two encodings of Connect's unary calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Proto,
    Json,
}

impl Encoding {
    pub const BOTH: [Encoding; 2] = [Encoding::Proto, Encoding::Json];

    pub fn mime(self) -> &'static str {
        match self {
            Encoding::Proto => "application/proto",
            Encoding::Json => "application/json",
        }
    }
}

/// POSTs `message` to `path` of the stand-in in `encoding`.
pub async fn send<Q: Message + Serialize>(
    standin: &PyroscopeStandIn,
    path: &str,
    encoding: Encoding,
    message: &Q,
) -> reqwest::Response {
    let body = match encoding {
        Encoding::Proto => message.encode_to_vec(),
        Encoding::Json => serde_json::to_vec(message).unwrap(),
    };
    post(standin, path, encoding.mime(), body).await
}

/// POSTs `body` to `path` of the stand-in as `content_type`.
pub async fn post(
    standin: &PyroscopeStandIn,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(standin.url().join(path).unwrap())
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// The answer (200, in the request's encoding) to `message` on `path`.
pub async fn ask<Q, A>(standin: &PyroscopeStandIn, path: &str, encoding: Encoding, message: &Q) -> A
where
    Q: Message + Serialize,
    A: Message + Default + DeserializeOwned,
{
    let res = send(standin, path, encoding, message).await;
    let status = res.status();
    let mime = res.headers()["content-type"].to_str().unwrap().to_owned();
    let body = res.bytes().await.unwrap();
    assert_eq!(
        status,
        200,
        "{path} in {encoding:?}: {}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(mime, encoding.mime(), "{path}");
    match encoding {
        Encoding::Proto => A::decode(body).unwrap(),
        Encoding::Json => serde_json::from_slice(&body).unwrap(),
    }
}

/// Pushes one pprof with `labels` and checks Pyroscope's empty answer.
pub async fn push(
    standin: &PyroscopeStandIn,
    encoding: Encoding,
    labels: &[(&str, &str)],
    pprof: Vec<u8>,
) {
    let request = push_request(labels, pprof);
    let body = match encoding {
        Encoding::Proto => request.encode_to_vec(),
        // push_proto has no JSON form: Connect's, written here.
        Encoding::Json => serde_json::to_vec(&push_json(&request)).unwrap(),
    };
    let res = post(standin, PUSH, encoding.mime(), body).await;
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert_eq!(body, if encoding == Encoding::Json { "{}" } else { "" });
}

/// A push request in Connect's JSON form.
fn push_json(request: &PushRequest) -> serde_json::Value {
    use base64::Engine as _;
    let base64 = base64::engine::general_purpose::STANDARD;
    let series: Vec<_> = request
        .series
        .iter()
        .map(|s| {
            let labels: Vec<_> = s
                .labels
                .iter()
                .map(|l| serde_json::json!({"name": l.name, "value": l.value}))
                .collect();
            let samples: Vec<_> = s
                .samples
                .iter()
                .map(|r| serde_json::json!({"rawProfile": base64.encode(&r.raw_profile)}))
                .collect();
            serde_json::json!({"labels": labels, "samples": samples})
        })
        .collect();
    serde_json::json!({ "series": series })
}

/// A `SelectMergeStacktraces` request of `type_id` and `selector` over `[start, end)` (ms).
pub fn select(
    type_id: &str,
    selector: &str,
    format: ProfileFormat,
    (start, end): (i64, i64),
) -> SelectMergeStacktracesRequest {
    SelectMergeStacktracesRequest {
        profile_type_id: type_id.into(),
        label_selector: selector.into(),
        start,
        end,
        format: format as i32,
        ..Default::default()
    }
}

/// The flame graph `SelectMergeStacktraces` answers `request` with.
pub async fn flame_graph(
    standin: &PyroscopeStandIn,
    encoding: Encoding,
    request: &SelectMergeStacktracesRequest,
) -> FlameGraph {
    let path = paths::SELECT_MERGE_STACKTRACES;
    let answer: SelectMergeStacktracesResponse = ask(standin, path, encoding, request).await;
    assert!(answer.pprof.is_none() && answer.tree.is_empty());
    answer.flamegraph.expect("a flame graph")
}

/// The pprof `SelectMergeStacktraces` answers `request` with, checked to read with the
/// project's pprof reader (unless empty).
pub async fn merged_pprof(
    standin: &PyroscopeStandIn,
    encoding: Encoding,
    request: &SelectMergeStacktracesRequest,
) -> Profile {
    let path = paths::SELECT_MERGE_STACKTRACES;
    let answer: SelectMergeStacktracesResponse = ask(standin, path, encoding, request).await;
    assert!(answer.flamegraph.is_none());
    let bytes = answer.pprof.and_then(|p| p.profile).expect("a pprof");
    let limits = Limits {
        max_decoded_bytes: 1 << 30,
        max_stack_depth: 1024,
    };
    if !bytes.is_empty() {
        parse_file(&bytes, limits).expect("the project's reader reads the merged pprof");
    }
    Profile::decode(bytes).unwrap()
}

/// `(name, [offset, total, self])` of each node of a flame graph's level `depth`.
pub fn level(graph: &FlameGraph, depth: usize) -> Vec<(&str, [i64; 3])> {
    let node = |n: &[i64]| (graph.names[n[3] as usize].as_str(), [n[0], n[1], n[2]]);
    graph.levels[depth].values.chunks(4).map(node).collect()
}

/// A `SelectMergeProfile` request of `type_id` and `selector` over `[start, end)` (ms).
pub fn merge_profile(
    type_id: &str,
    selector: &str,
    (start, end): (i64, i64),
) -> SelectMergeProfileRequest {
    let (profile_type_id, label_selector) = (type_id.into(), selector.into());
    SelectMergeProfileRequest {
        profile_type_id,
        label_selector,
        start,
        end,
        ..Default::default()
    }
}

/// The values `LabelValues` lists of label `name` in the series `matchers` pick.
pub async fn label_values(
    standin: &PyroscopeStandIn,
    encoding: Encoding,
    (name, matchers): (&str, &[&str]),
    (start, end): (i64, i64),
) -> Vec<String> {
    let matchers = matchers.iter().map(|m| m.to_string()).collect();
    let q = LabelValuesRequest {
        name: name.into(),
        matchers,
        start,
        end,
    };
    let answer: LabelValuesResponse = ask(standin, paths::LABEL_VALUES, encoding, &q).await;
    answer.names
}

/// The status, code and message of a Connect error.
pub async fn connect_error(res: reqwest::Response) -> (u16, String, String) {
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.expect("a Connect error in JSON");
    let text = |key: &str| body[key].as_str().unwrap_or_default().to_owned();
    (status, text("code"), text("message"))
}

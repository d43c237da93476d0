//! The stand-in's push door: `push.v1.PusherService/Push` in binary (the tests' `push_proto`
//! messages) or Connect JSON (`rawProfile` in base64), each raw pprof kept with its series'
//! labels; a push with one bad profile keeps nothing, as Pyroscope refuses it whole.

use pf_formats::formats::pyroscope_api::json::base64_bytes;
use pf_formats::formats::pyroscope_api::LabelPair;
use prost::Message;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wiremock::ResponseTemplate;

use super::standin::now_ms;
use super::standin_connect::{Call, Fault};
use super::standin_store::Store;
use crate::push_proto;

/// `push.v1.PushRequest` in Connect's JSON form.
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct PushJson {
    series: Vec<SeriesJson>,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct SeriesJson {
    labels: Vec<LabelPair>,
    samples: Vec<SampleJson>,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct SampleJson {
    #[serde(rename = "rawProfile", alias = "raw_profile", with = "base64_bytes")]
    raw_profile: bytes::Bytes,
    #[serde(rename = "ID", skip_serializing_if = "String::is_empty")]
    id: String,
}

/// `push.v1.PushResponse`: no fields.
#[derive(Clone, PartialEq, Message, Serialize)]
struct PushResponse {}

/// `Push`: each series' raw profiles kept with its labels; all or nothing, as a failed push is
/// retried whole.
pub fn push(store: &mut Store, call: &Call, record: &mut Value) -> Result<ResponseTemplate, Fault> {
    let request: PushJson = if call.json() {
        call.json_message()?
    } else {
        let binary: push_proto::PushRequest = call.proto_message()?;
        let series = binary.series.into_iter().map(|s| SeriesJson {
            labels: s
                .labels
                .into_iter()
                .map(|l| LabelPair {
                    name: l.name,
                    value: l.value,
                })
                .collect(),
            samples: s
                .samples
                .into_iter()
                .map(|r| SampleJson {
                    raw_profile: r.raw_profile.into(),
                    id: r.id,
                })
                .collect(),
        });
        PushJson {
            series: series.collect(),
        }
    };
    *record = serde_json::to_value(&request).unwrap_or(Value::Null);
    let mut kept = Store::default();
    let now = now_ms();
    for series in &request.series {
        let labels: Vec<(String, String)> = series
            .labels
            .iter()
            .map(|l| (l.name.clone(), l.value.clone()))
            .collect();
        for sample in &series.samples {
            kept.keep(&labels, &sample.raw_profile, now)
                .map_err(Fault::invalid)?;
        }
    }
    store.absorb(kept);
    Ok(call.answer(&PushResponse {}))
}

//! The push routes' wire forms as the OpenAPI document shows them (documentation only: the
//! routes read the bytes with the protobuf and JSON decoders of `ingest/`).

use serde::Serialize;
use utoipa::ToSchema;

/// An OTLP `ExportProfilesServiceRequest` in JSON (documentation of the wire form; see
/// opentelemetry-proto's `profiles/v1development`).
#[derive(Debug, Serialize, ToSchema)]
pub struct OtlpRequestJson {
    #[serde(rename = "resourceProfiles")]
    pub resource_profiles: Vec<serde_json::Value>,
    pub dictionary: Option<serde_json::Value>,
}

/// An OTLP `ExportProfilesServiceResponse` in JSON.
#[derive(Debug, Serialize, ToSchema)]
pub struct OtlpResponseJson {
    /// Present when some profiles were rejected: `{rejectedProfiles, errorMessage}`.
    #[serde(rename = "partialSuccess")]
    pub partial_success: Option<serde_json::Value>,
}

/// A `push.v1.PushRequest` in Connect's JSON (documentation of the wire form).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"series": [{"labels": [{"name": "service_name", "value": "checkout"},
    {"name": "__name__", "value": "process_cpu"}], "samples": [{"rawProfile": "H4sIAAAAAAAA/wMAAAAAAAAAAAA=", "ID": "1"}]}]}))]
pub struct PushRequestJson {
    pub series: Vec<PushSeriesJson>,
}

/// One series: its labels (`service_name` names the application) and its profiles.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushSeriesJson {
    pub labels: Vec<PushLabelJson>,
    pub samples: Vec<PushSampleJson>,
}

/// A label of a series.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushLabelJson {
    pub name: String,
    pub value: String,
}

/// One profile of a series.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushSampleJson {
    /// The pprof, gzip or raw, base64-encoded.
    #[serde(rename = "rawProfile")]
    #[schema(format = Byte)]
    pub raw_profile: String,
    #[serde(rename = "ID")]
    pub id: Option<String>,
}

/// Connect's error body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectErrorBody {
    /// A Connect code: invalid_argument, resource_exhausted, unavailable, …
    pub code: String,
    pub message: String,
}

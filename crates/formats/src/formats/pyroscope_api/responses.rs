//! The response messages of Pyroscope's `api/querier/v1/querier.proto` (package `querier.v1`).
//!
//! Mirrors `ProfileTypesResponse`, `SeriesResponse`, `SelectSeriesResponse`,
//! `SelectMergeStacktracesResponse` with its `FlameGraph`, `Level` and `PprofProfile`,
//! `AsyncQueryResponse` and the enum `AsyncQueryStatus`; `SelectMergeProfile` answers with a
//! `google.v1.Profile` ([`SelectMergeProfileResponse`]).

use serde::{Deserialize, Serialize};

use super::json;
use super::types::{Labels, ProfileType, Series};

/// The answer of `SelectMergeProfile`: a `google.v1.Profile` itself. In binary the body is the
/// encoded pprof (uncompressed), so a stand-in may write its encoder's bytes directly.
pub type SelectMergeProfileResponse = super::profile::Profile;

/// `querier.v1.ProfileTypesResponse`.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProfileTypesResponse {
    #[prost(message, repeated, tag = "1")]
    #[serde(alias = "profile_types", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profile_types: Vec<ProfileType>,
}

/// `querier.v1.SeriesResponse`: the label sets, at tag 2 (there is no tag 1).
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SeriesResponse {
    #[prost(message, repeated, tag = "2")]
    #[serde(alias = "labels_set", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels_set: Vec<Labels>,
}

/// `querier.v1.SelectSeriesResponse`.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SelectSeriesResponse {
    #[prost(message, repeated, tag = "1")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub series: Vec<Series>,
}

/// `querier.v1.SelectMergeStacktracesResponse`: one of its fields is set, by the request's
/// `format`.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SelectMergeStacktracesResponse {
    /// For `PROFILE_FORMAT_UNSPECIFIED` and `PROFILE_FORMAT_FLAMEGRAPH`.
    #[prost(message, optional, tag = "1")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flamegraph: Option<FlameGraph>,
    /// For `PROFILE_FORMAT_TREE`: Pyroscope's tree serialization (base64 in JSON).
    #[prost(bytes = "bytes", tag = "2")]
    #[serde(
        with = "json::base64_bytes",
        skip_serializing_if = "bytes::Bytes::is_empty"
    )]
    pub tree: bytes::Bytes,
    /// For `PROFILE_FORMAT_DOT`: a Graphviz graph.
    #[prost(string, tag = "3")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub dot: String,
    /// (experimental) The state of an asynchronous query.
    #[prost(message, optional, tag = "4")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#async: Option<AsyncQueryResponse>,
    /// For `PROFILE_FORMAT_PPROF`.
    #[prost(message, optional, tag = "5")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pprof: Option<PprofProfile>,
}

/// `querier.v1.PprofProfile`: a merged profile, kept encoded (see the module notes).
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PprofProfile {
    /// The encoded `google.v1.Profile`, uncompressed. On the wire these bytes are the embedded
    /// message (`Some` of no bytes: an empty profile, present); in JSON they are written and
    /// read as the profile's object.
    #[prost(bytes = "bytes", optional, tag = "1")]
    #[serde(with = "json::pprof_message", skip_serializing_if = "Option::is_none")]
    pub profile: Option<bytes::Bytes>,
}

/// `querier.v1.FlameGraph`: a flame graph in Pyroscope's names-and-levels form.
///
/// `names[0]` is `total`, the root. Each level holds four integers per node, left to right:
/// the offset from the end of the previous node on the level (from 0 for the first), the
/// node's total, its self value, and its index in `names`. Nodes cut off by `max_nodes` are
/// merged into one node named `other` under their parent.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FlameGraph {
    #[prost(string, repeated, tag = "1")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub names: Vec<String>,
    #[prost(message, repeated, tag = "2")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub levels: Vec<Level>,
    #[prost(int64, tag = "3")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub total: i64,
    /// The largest self value of any node.
    #[prost(int64, tag = "4")]
    #[serde(alias = "max_self", with = "json::int64")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub max_self: i64,
}

/// `querier.v1.Level`: one depth of a [`FlameGraph`].
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Level {
    #[prost(int64, repeated, tag = "1")]
    #[serde(with = "json::int64_list", skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<i64>,
}

/// `querier.v1.AsyncQueryResponse` (experimental).
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AsyncQueryResponse {
    #[prost(string, tag = "1")]
    #[serde(alias = "request_id", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub request_id: String,
    /// An [`AsyncQueryStatus`]; read it with `status()`.
    #[prost(enumeration = "AsyncQueryStatus", tag = "2")]
    #[serde(serialize_with = "json::enum_name::<AsyncQueryStatus, _>")]
    #[serde(deserialize_with = "json::enum_value::<AsyncQueryStatus, _>")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub status: i32,
    /// Set when the query failed.
    #[prost(string, tag = "3")]
    #[serde(alias = "error_message", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub error_message: String,
}

proto_enum! {
    /// `querier.v1.AsyncQueryStatus` (experimental).
    AsyncQueryStatus {
        Unknown = 0 => "ASYNC_QUERY_STATUS_UNKNOWN",
        InProgress = 1 => "ASYNC_QUERY_STATUS_IN_PROGRESS",
        Success = 2 => "ASYNC_QUERY_STATUS_SUCCESS",
        Failure = 3 => "ASYNC_QUERY_STATUS_FAILURE",
    }
}

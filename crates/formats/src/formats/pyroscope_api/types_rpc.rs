//! The request and response bodies Pyroscope's querier takes from `api/types/v1/types.proto`.
//!
//! Mirrors `LabelNamesRequest`/`LabelNamesResponse`, `LabelValuesRequest`/`LabelValuesResponse`,
//! `GetProfileStatsRequest`/`GetProfileStatsResponse`, and the `StackTraceSelector` (with its
//! `Location` and `GoPGO`) that the select requests carry.

use serde::{Deserialize, Serialize};

use super::json;

/// `types.v1.LabelNamesRequest`, the body of `LabelNames`.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelNamesRequest {
    /// Series selectors such as `{service_name="x"}`; none: every series.
    #[prost(string, repeated, tag = "1")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub matchers: Vec<String>,
    /// Epoch milliseconds.
    #[prost(int64, tag = "2")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub start: i64,
    /// Epoch milliseconds.
    #[prost(int64, tag = "3")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub end: i64,
}

/// `types.v1.LabelNamesResponse`.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelNamesResponse {
    #[prost(string, repeated, tag = "1")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub names: Vec<String>,
}

/// `types.v1.LabelValuesRequest`, the body of `LabelValues`.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelValuesRequest {
    /// The label whose values are asked for.
    #[prost(string, tag = "1")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    /// Series selectors; none: every series.
    #[prost(string, repeated, tag = "2")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub matchers: Vec<String>,
    /// Epoch milliseconds.
    #[prost(int64, tag = "3")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub start: i64,
    /// Epoch milliseconds.
    #[prost(int64, tag = "4")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub end: i64,
}

/// `types.v1.LabelValuesResponse`: the values, in the field named `names`.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelValuesResponse {
    #[prost(string, repeated, tag = "1")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub names: Vec<String>,
}

/// `types.v1.GetProfileStatsRequest`: no fields.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GetProfileStatsRequest {}

/// `types.v1.GetProfileStatsResponse`: whether the tenant ever sent data, and its time span.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GetProfileStatsResponse {
    #[prost(bool, tag = "1")]
    #[serde(alias = "data_ingested", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub data_ingested: bool,
    /// Epoch milliseconds.
    #[prost(int64, tag = "2")]
    #[serde(alias = "oldest_profile_time", with = "json::int64")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub oldest_profile_time: i64,
    /// Epoch milliseconds.
    #[prost(int64, tag = "3")]
    #[serde(alias = "newest_profile_time", with = "json::int64")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub newest_profile_time: i64,
}

/// `types.v1.StackTraceSelector`: keeps only the stacks under a call site, or shapes the
/// profile for Go PGO (then `call_site` is ignored).
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StackTraceSelector {
    /// The call site's frames, root first; only stacks starting with them are kept. Empty: no
    /// filter.
    #[prost(message, repeated, tag = "1")]
    #[serde(alias = "call_site", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub call_site: Vec<Location>,
    #[prost(message, optional, tag = "2")]
    #[serde(alias = "go_pgo", skip_serializing_if = "Option::is_none")]
    pub go_pgo: Option<GoPgo>,
}

/// `types.v1.Location`: one frame of a call site, by function name.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Location {
    #[prost(string, tag = "1")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
}

/// `types.v1.GoPGO`: the Go PGO shape of a merged profile.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GoPgo {
    /// How many leaf locations of each stack to keep.
    #[prost(uint32, tag = "1")]
    #[serde(alias = "keep_locations", with = "json::int32")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub keep_locations: u32,
    /// Ignore the leaf location's line number, merging the samples of all its callees.
    #[prost(bool, tag = "2")]
    #[serde(alias = "aggregate_callees", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub aggregate_callees: bool,
}

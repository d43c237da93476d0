//! The request messages of Pyroscope's `api/querier/v1/querier.proto` (package `querier.v1`).
//!
//! Mirrors `ProfileTypesRequest`, `SeriesRequest`, `SelectMergeStacktracesRequest`,
//! `SelectMergeProfileRequest`, `SelectSeriesRequest`, `AsyncQueryRequest`, and the enums
//! `ProfileFormat` and `AsyncQueryType`. Times are epoch milliseconds.

use serde::{Deserialize, Serialize};

use super::json;
use super::types::{ExemplarType, TimeSeriesAggregationType};
use super::types_rpc::StackTraceSelector;

/// `querier.v1.ProfileTypesRequest`, the body of `ProfileTypes`.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProfileTypesRequest {
    #[prost(int64, tag = "1")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub start: i64,
    #[prost(int64, tag = "2")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub end: i64,
}

/// `querier.v1.SeriesRequest`, the body of `Series`.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SeriesRequest {
    /// Series selectors such as `{namespace="x"}`.
    #[prost(string, repeated, tag = "1")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub matchers: Vec<String>,
    /// The labels to answer with; empty: all of them.
    #[prost(string, repeated, tag = "2")]
    #[serde(alias = "label_names", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub label_names: Vec<String>,
    #[prost(int64, tag = "3")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub start: i64,
    #[prost(int64, tag = "4")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub end: i64,
}

/// `querier.v1.SelectMergeStacktracesRequest`, the body of `SelectMergeStacktraces`.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SelectMergeStacktracesRequest {
    /// `<name>:<sample_type>:<sample_unit>:<period_type>:<period_unit>`; the .proto field is
    /// `profile_typeID`, its JSON name `profileTypeID`.
    #[prost(string, tag = "1")]
    #[serde(rename = "profileTypeID", alias = "profile_typeID")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub profile_type_id: String,
    #[prost(string, tag = "2")]
    #[serde(alias = "label_selector", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub label_selector: String,
    #[prost(int64, tag = "3")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub start: i64,
    #[prost(int64, tag = "4")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub end: i64,
    /// proto3 `optional`: the node limit of the answer; unset or 0: the server's default.
    #[prost(int64, optional, tag = "5")]
    #[serde(alias = "max_nodes", with = "json::int64_opt")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_nodes: Option<i64>,
    /// A [`ProfileFormat`]; read it with `format()`.
    #[prost(enumeration = "ProfileFormat", tag = "6")]
    #[serde(serialize_with = "json::enum_name::<ProfileFormat, _>")]
    #[serde(deserialize_with = "json::enum_value::<ProfileFormat, _>")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub format: i32,
    #[prost(message, optional, tag = "7")]
    #[serde(
        alias = "stack_trace_selector",
        skip_serializing_if = "Option::is_none"
    )]
    pub stack_trace_selector: Option<StackTraceSelector>,
    /// Profile UUIDs to merge.
    #[prost(string, repeated, tag = "8")]
    #[serde(alias = "profile_id_selector", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profile_id_selector: Vec<String>,
    /// (experimental) Asks for, or polls, an asynchronous query.
    #[prost(message, optional, tag = "9")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#async: Option<AsyncQueryRequest>,
    /// Trace IDs (32 hex characters) whose samples are kept.
    #[prost(string, repeated, tag = "10")]
    #[serde(alias = "trace_id_selector", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace_id_selector: Vec<String>,
    /// Span IDs (16 hex characters) whose samples are kept; not together with trace IDs.
    #[prost(string, repeated, tag = "11")]
    #[serde(alias = "span_selector", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub span_selector: Vec<String>,
}

/// `querier.v1.SelectMergeProfileRequest`, the body of `SelectMergeProfile` (answered with a
/// pprof).
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SelectMergeProfileRequest {
    #[prost(string, tag = "1")]
    #[serde(rename = "profileTypeID", alias = "profile_typeID")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub profile_type_id: String,
    #[prost(string, tag = "2")]
    #[serde(alias = "label_selector", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub label_selector: String,
    #[prost(int64, tag = "3")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub start: i64,
    #[prost(int64, tag = "4")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub end: i64,
    #[prost(int64, optional, tag = "5")]
    #[serde(alias = "max_nodes", with = "json::int64_opt")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_nodes: Option<i64>,
    #[prost(message, optional, tag = "6")]
    #[serde(
        alias = "stack_trace_selector",
        skip_serializing_if = "Option::is_none"
    )]
    pub stack_trace_selector: Option<StackTraceSelector>,
    #[prost(string, repeated, tag = "7")]
    #[serde(alias = "profile_id_selector", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profile_id_selector: Vec<String>,
    #[prost(string, repeated, tag = "8")]
    #[serde(alias = "trace_id_selector", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace_id_selector: Vec<String>,
}

/// `querier.v1.SelectSeriesRequest`, the body of `SelectSeries`.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SelectSeriesRequest {
    #[prost(string, tag = "1")]
    #[serde(rename = "profileTypeID", alias = "profile_typeID")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub profile_type_id: String,
    #[prost(string, tag = "2")]
    #[serde(alias = "label_selector", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub label_selector: String,
    #[prost(int64, tag = "3")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub start: i64,
    #[prost(int64, tag = "4")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub end: i64,
    /// Labels to group the series by.
    #[prost(string, repeated, tag = "5")]
    #[serde(alias = "group_by", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_by: Vec<String>,
    /// The step in seconds (a double).
    #[prost(double, tag = "6")]
    #[serde(with = "json::double", skip_serializing_if = "json::is_default")]
    pub step: f64,
    /// proto3 `optional` [`TimeSeriesAggregationType`]; read it with `aggregation()`.
    #[prost(enumeration = "TimeSeriesAggregationType", optional, tag = "7")]
    #[serde(serialize_with = "json::enum_name_opt::<TimeSeriesAggregationType, _>")]
    #[serde(deserialize_with = "json::enum_value_opt::<TimeSeriesAggregationType, _>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregation: Option<i32>,
    #[prost(message, optional, tag = "8")]
    #[serde(
        alias = "stack_trace_selector",
        skip_serializing_if = "Option::is_none"
    )]
    pub stack_trace_selector: Option<StackTraceSelector>,
    /// proto3 `optional`: keep the top N series by total.
    #[prost(int64, optional, tag = "9")]
    #[serde(with = "json::int64_opt", skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// An [`ExemplarType`]; read it with `exemplar_type()`.
    #[prost(enumeration = "ExemplarType", tag = "10")]
    #[serde(alias = "exemplar_type")]
    #[serde(serialize_with = "json::enum_name::<ExemplarType, _>")]
    #[serde(deserialize_with = "json::enum_value::<ExemplarType, _>")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub exemplar_type: i32,
}

/// `querier.v1.AsyncQueryRequest` (experimental).
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AsyncQueryRequest {
    /// Set when polling a query already started.
    #[prost(string, tag = "1")]
    #[serde(alias = "request_id", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub request_id: String,
    /// An [`AsyncQueryType`]; read it with `r#type()`.
    #[prost(enumeration = "AsyncQueryType", tag = "2")]
    #[serde(serialize_with = "json::enum_name::<AsyncQueryType, _>")]
    #[serde(deserialize_with = "json::enum_value::<AsyncQueryType, _>")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub r#type: i32,
}

proto_enum! {
    /// `querier.v1.ProfileFormat`: what `SelectMergeStacktraces` answers with.
    ProfileFormat {
        /// The same as `Flamegraph`.
        Unspecified = 0 => "PROFILE_FORMAT_UNSPECIFIED",
        /// `flamegraph`: names and levels.
        Flamegraph = 1 => "PROFILE_FORMAT_FLAMEGRAPH",
        /// `tree`: Pyroscope's function-name tree serialization.
        Tree = 2 => "PROFILE_FORMAT_TREE",
        /// `dot`: a Graphviz graph.
        Dot = 3 => "PROFILE_FORMAT_DOT",
        /// `pprof`: the merged profile.
        Pprof = 4 => "PROFILE_FORMAT_PPROF",
    }
}

proto_enum! {
    /// `querier.v1.AsyncQueryType` (experimental).
    AsyncQueryType {
        Disabled = 0 => "ASYNC_QUERY_TYPE_DISABLED",
        Force = 1 => "ASYNC_QUERY_TYPE_FORCE",
    }
}

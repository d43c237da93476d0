//! The pprof profile as Pyroscope's query API declares it, for Connect's JSON of a merged profile.
//!
//! Mirrors `Profile`, `ValueType`, `Sample`, `Label`, `Mapping`, `Location`, `Line` and
//! `Function` of Pyroscope's `api/google/v1/profile.proto` (package `google.v1`, pprof's
//! schema in proto3), every field. The service's own pprof reader (`formats::pprof::proto`)
//! declares only what it reads and has no JSON form; these types are what a merged profile's
//! JSON object is read into and written from. Strings are UTF-8, as proto3 requires.

use serde::{Deserialize, Serialize};

use super::json;

/// `google.v1.Profile`: a whole profile. Numbers named after tables are indexes into
/// `string_table`, whose first entry is `""`.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Profile {
    #[prost(message, repeated, tag = "1")]
    #[serde(alias = "sample_type", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sample_type: Vec<ValueType>,
    #[prost(message, repeated, tag = "2")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub sample: Vec<Sample>,
    #[prost(message, repeated, tag = "3")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub mapping: Vec<Mapping>,
    #[prost(message, repeated, tag = "4")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub location: Vec<Location>,
    #[prost(message, repeated, tag = "5")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub function: Vec<Function>,
    #[prost(string, repeated, tag = "6")]
    #[serde(alias = "string_table", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub string_table: Vec<String>,
    #[prost(int64, tag = "7")]
    #[serde(alias = "drop_frames", with = "json::int64")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub drop_frames: i64,
    #[prost(int64, tag = "8")]
    #[serde(alias = "keep_frames", with = "json::int64")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub keep_frames: i64,
    #[prost(int64, tag = "9")]
    #[serde(alias = "time_nanos", with = "json::int64")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub time_nanos: i64,
    #[prost(int64, tag = "10")]
    #[serde(alias = "duration_nanos", with = "json::int64")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub duration_nanos: i64,
    #[prost(message, optional, tag = "11")]
    #[serde(alias = "period_type", skip_serializing_if = "Option::is_none")]
    pub period_type: Option<ValueType>,
    #[prost(int64, tag = "12")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub period: i64,
    #[prost(int64, repeated, tag = "13")]
    #[serde(with = "json::int64_list", skip_serializing_if = "Vec::is_empty")]
    pub comment: Vec<i64>,
    #[prost(int64, tag = "14")]
    #[serde(alias = "default_sample_type", with = "json::int64")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub default_sample_type: i64,
}

/// `google.v1.ValueType`: a type and unit such as `cpu`/`nanoseconds`.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ValueType {
    #[prost(int64, tag = "1")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub r#type: i64,
    #[prost(int64, tag = "2")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub unit: i64,
}

/// `google.v1.Sample`: one stack, leaf first, with a value per sample type.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Sample {
    #[prost(uint64, repeated, tag = "1")]
    #[serde(alias = "location_id", with = "json::int64_list")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub location_id: Vec<u64>,
    #[prost(int64, repeated, tag = "2")]
    #[serde(with = "json::int64_list", skip_serializing_if = "Vec::is_empty")]
    pub value: Vec<i64>,
    #[prost(message, repeated, tag = "3")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub label: Vec<Label>,
}

/// `google.v1.Label`: a string or numeric label of a sample.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Label {
    #[prost(int64, tag = "1")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub key: i64,
    #[prost(int64, tag = "2")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub str: i64,
    #[prost(int64, tag = "3")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub num: i64,
    #[prost(int64, tag = "4")]
    #[serde(alias = "num_unit", with = "json::int64")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub num_unit: i64,
}

/// `google.v1.Mapping`: a mapped binary.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Mapping {
    #[prost(uint64, tag = "1")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub id: u64,
    #[prost(uint64, tag = "2")]
    #[serde(alias = "memory_start", with = "json::int64")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub memory_start: u64,
    #[prost(uint64, tag = "3")]
    #[serde(alias = "memory_limit", with = "json::int64")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub memory_limit: u64,
    #[prost(uint64, tag = "4")]
    #[serde(alias = "file_offset", with = "json::int64")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub file_offset: u64,
    #[prost(int64, tag = "5")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub filename: i64,
    #[prost(int64, tag = "6")]
    #[serde(alias = "build_id", with = "json::int64")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub build_id: i64,
    #[prost(bool, tag = "7")]
    #[serde(alias = "has_functions", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub has_functions: bool,
    #[prost(bool, tag = "8")]
    #[serde(alias = "has_filenames", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub has_filenames: bool,
    #[prost(bool, tag = "9")]
    #[serde(alias = "has_line_numbers", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub has_line_numbers: bool,
    #[prost(bool, tag = "10")]
    #[serde(alias = "has_inline_frames", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub has_inline_frames: bool,
}

/// `google.v1.Location`: an address and the source lines it stands for, innermost first.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Location {
    #[prost(uint64, tag = "1")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub id: u64,
    #[prost(uint64, tag = "2")]
    #[serde(alias = "mapping_id", with = "json::int64")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub mapping_id: u64,
    #[prost(uint64, tag = "3")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub address: u64,
    #[prost(message, repeated, tag = "4")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub line: Vec<Line>,
    #[prost(bool, tag = "5")]
    #[serde(alias = "is_folded", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub is_folded: bool,
}

/// `google.v1.Line`: a function and a line in it.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Line {
    #[prost(uint64, tag = "1")]
    #[serde(alias = "function_id", with = "json::int64")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub function_id: u64,
    #[prost(int64, tag = "2")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub line: i64,
}

/// `google.v1.Function`: a function's names, file and first line.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Function {
    #[prost(uint64, tag = "1")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub id: u64,
    #[prost(int64, tag = "2")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub name: i64,
    #[prost(int64, tag = "3")]
    #[serde(alias = "system_name", with = "json::int64")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub system_name: i64,
    #[prost(int64, tag = "4")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub filename: i64,
    #[prost(int64, tag = "5")]
    #[serde(alias = "start_line", with = "json::int64")]
    #[serde(skip_serializing_if = "json::is_default")]
    pub start_line: i64,
}

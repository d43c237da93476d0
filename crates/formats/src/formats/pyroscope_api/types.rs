//! The shared data messages of Pyroscope's `api/types/v1/types.proto` (package `types.v1`).
//!
//! Mirrors `LabelPair`, `Labels`, `ProfileType`, `Series`, `Point`, `ProfileAnnotation`,
//! `Exemplar` and the enums `TimeSeriesAggregationType` and `ExemplarType`.

use serde::{Deserialize, Serialize};

use super::json;

/// `types.v1.LabelPair`: one label of a series.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelPair {
    #[prost(string, tag = "1")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[prost(string, tag = "2")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub value: String,
}

/// `types.v1.Labels`: the label set of one series.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Labels {
    #[prost(message, repeated, tag = "1")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub labels: Vec<LabelPair>,
}

/// `types.v1.ProfileType`: a profile type and its ID,
/// `<name>:<sample_type>:<sample_unit>:<period_type>:<period_unit>`. Tag 3 is unused.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProfileType {
    /// The field is named `ID` in the .proto, which is also its JSON name.
    #[prost(string, tag = "1")]
    #[serde(rename = "ID", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[prost(string, tag = "2")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[prost(string, tag = "4")]
    #[serde(alias = "sample_type", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sample_type: String,
    #[prost(string, tag = "5")]
    #[serde(alias = "sample_unit", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sample_unit: String,
    #[prost(string, tag = "6")]
    #[serde(alias = "period_type", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub period_type: String,
    #[prost(string, tag = "7")]
    #[serde(alias = "period_unit", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub period_unit: String,
}

/// `types.v1.Series`: one time series of `SelectSeries`, its labels and points.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Series {
    #[prost(message, repeated, tag = "1")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub labels: Vec<LabelPair>,
    #[prost(message, repeated, tag = "2")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub points: Vec<Point>,
}

/// `types.v1.Point`: one value of a series at a time in epoch milliseconds.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Point {
    #[prost(double, tag = "1")]
    #[serde(with = "json::double", skip_serializing_if = "json::is_default")]
    pub value: f64,
    /// Epoch milliseconds.
    #[prost(int64, tag = "2")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub timestamp: i64,
    #[prost(message, repeated, tag = "3")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub annotations: Vec<ProfileAnnotation>,
    #[prost(message, repeated, tag = "4")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub exemplars: Vec<Exemplar>,
}

/// `types.v1.ProfileAnnotation`: a key and value a distributor attached to a profile (not
/// usable in selectors; keys may repeat).
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProfileAnnotation {
    #[prost(string, tag = "1")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub key: String,
    #[prost(string, tag = "2")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub value: String,
}

/// `types.v1.Exemplar`: one profile behind a point of a series.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Exemplar {
    /// Epoch milliseconds.
    #[prost(int64, tag = "1")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub timestamp: i64,
    /// The profile's UUID.
    #[prost(string, tag = "2")]
    #[serde(alias = "profile_id", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub profile_id: String,
    #[prost(string, tag = "3")]
    #[serde(alias = "span_id", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub span_id: String,
    #[prost(int64, tag = "4")]
    #[serde(with = "json::int64", skip_serializing_if = "json::is_default")]
    pub value: i64,
    /// Labels of the exemplar that its series does not already carry.
    #[prost(message, repeated, tag = "5")]
    #[serde(
        deserialize_with = "json::or_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub labels: Vec<LabelPair>,
    /// 32 lowercase hex characters.
    #[prost(string, tag = "6")]
    #[serde(alias = "trace_id", deserialize_with = "json::or_default")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub trace_id: String,
}

proto_enum! {
    /// `types.v1.TimeSeriesAggregationType`: how `SelectSeries` folds the values in a step.
    TimeSeriesAggregationType {
        Sum = 0 => "TIME_SERIES_AGGREGATION_TYPE_SUM",
        Average = 1 => "TIME_SERIES_AGGREGATION_TYPE_AVERAGE",
    }
}

proto_enum! {
    /// `types.v1.ExemplarType`: which exemplars `SelectSeries` attaches to its points.
    ExemplarType {
        Unspecified = 0 => "EXEMPLAR_TYPE_UNSPECIFIED",
        None = 1 => "EXEMPLAR_TYPE_NONE",
        Individual = 2 => "EXEMPLAR_TYPE_INDIVIDUAL",
        Span = 3 => "EXEMPLAR_TYPE_SPAN",
    }
}

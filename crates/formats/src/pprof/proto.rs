//! The pprof message types (github.com/google/pprof, `proto/profile.proto`), declared by hand
//! with `prost` derives and the tags of that file: no protoc and no build script. Only what the
//! service reads is declared; prost skips every other field (mappings, labels, comments), so
//! files from newer or sloppier writers still decode. Strings stay bytes: a name that is not
//! UTF-8 is read lossily rather than failing the whole file.

/// A whole profile: sample types, samples and the tables they point into.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Profile {
    #[prost(message, repeated, tag = "1")]
    pub sample_type: Vec<ValueType>,
    #[prost(message, repeated, tag = "2")]
    pub sample: Vec<Sample>,
    #[prost(message, repeated, tag = "4")]
    pub location: Vec<Location>,
    #[prost(message, repeated, tag = "5")]
    pub function: Vec<Function>,
    /// Index 0 must be the empty string.
    #[prost(bytes = "vec", repeated, tag = "6")]
    pub string_table: Vec<Vec<u8>>,
    #[prost(int64, tag = "9")]
    pub time_nanos: i64,
    #[prost(int64, tag = "10")]
    pub duration_nanos: i64,
    #[prost(message, optional, tag = "11")]
    pub period_type: Option<ValueType>,
    #[prost(int64, tag = "12")]
    pub period: i64,
}

/// What the service decodes with prost: a [`Profile`] without its samples, which prost then
/// skips; `walk.rs` reads them one at a time straight into the stack tree.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ProfileTables {
    #[prost(message, repeated, tag = "1")]
    pub sample_type: Vec<ValueType>,
    #[prost(message, repeated, tag = "4")]
    pub location: Vec<Location>,
    #[prost(message, repeated, tag = "5")]
    pub function: Vec<Function>,
    #[prost(bytes = "vec", repeated, tag = "6")]
    pub string_table: Vec<Vec<u8>>,
    #[prost(int64, tag = "9")]
    pub time_nanos: i64,
    #[prost(int64, tag = "10")]
    pub duration_nanos: i64,
    #[prost(message, optional, tag = "11")]
    pub period_type: Option<ValueType>,
    /// Read only to write a pushed profile again (`decoded.rs`).
    #[prost(int64, tag = "12")]
    pub period: i64,
}

/// What the PGO merge (`merge.rs`) decodes with prost: the small tables without locations and
/// samples, which it reads off the wire into reused buffers (a day of pushes is millions of
/// locations, one allocation each through prost).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ProfileHeader {
    #[prost(message, repeated, tag = "1")]
    pub sample_type: Vec<ValueType>,
    #[prost(message, repeated, tag = "5")]
    pub function: Vec<Function>,
    #[prost(bytes = "vec", repeated, tag = "6")]
    pub string_table: Vec<Vec<u8>>,
    #[prost(int64, tag = "9")]
    pub time_nanos: i64,
    #[prost(int64, tag = "10")]
    pub duration_nanos: i64,
    #[prost(message, optional, tag = "11")]
    pub period_type: Option<ValueType>,
    #[prost(int64, tag = "12")]
    pub period: i64,
}

/// A sample type such as `cpu/nanoseconds`: indexes into the string table.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ValueType {
    #[prost(int64, tag = "1")]
    pub r#type: i64,
    #[prost(int64, tag = "2")]
    pub unit: i64,
}

/// One stack with one value per sample type. `location_id[0]` is the leaf.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sample {
    #[prost(uint64, repeated, tag = "1")]
    pub location_id: Vec<u64>,
    #[prost(int64, repeated, tag = "2")]
    pub value: Vec<i64>,
    /// Written by the encoder; the reader takes labels straight off the wire (`walk.rs`).
    #[prost(message, repeated, tag = "3")]
    pub label: Vec<Label>,
}

/// A string label of a sample, `key = str` (indexes into the string table).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Label {
    #[prost(int64, tag = "1")]
    pub key: i64,
    #[prost(int64, tag = "2")]
    pub str: i64,
}

/// A program counter with the source lines it stands for; `line[0]` is the innermost inlined
/// callee, the last line the function that holds the instruction.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Location {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(uint64, tag = "3")]
    pub address: u64,
    #[prost(message, repeated, tag = "4")]
    pub line: Vec<Line>,
}

/// One source line of a location.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Line {
    #[prost(uint64, tag = "1")]
    pub function_id: u64,
    #[prost(int64, tag = "2")]
    pub line: i64,
}

/// A function: indexes into the string table, and where it starts in its file.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Function {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(int64, tag = "2")]
    pub name: i64,
    #[prost(int64, tag = "3")]
    pub system_name: i64,
    #[prost(int64, tag = "4")]
    pub filename: i64,
    /// The line it starts at in `filename`; 0 when the writer does not say.
    #[prost(int64, tag = "5")]
    pub start_line: i64,
}

//! Pyroscope's query API (`querier.v1.QuerierService`) messages, in protobuf (prost) and Connect JSON (serde).
//!
//! Generated at build time (build.rs: protox, prost-build, pbjson-build) from
//! `crates/formats/proto/{querier,types,google}/v1/*.proto`, which declare the messages this
//! service uses with the tags, types and names of Pyroscope's `api/querier/v1/querier.proto`,
//! `api/types/v1/types.proto` and `api/google/v1/profile.proto` (checked at commit `3fe6a457`,
//! August 2026). Covered: the requests and responses of `ProfileTypes`, `LabelNames`,
//! `LabelValues`, `Series`, `SelectSeries`, `SelectMergeStacktraces`, `SelectMergeProfile` and
//! `GetProfileStats`; not `SelectMergeSpanProfile`, `SelectHeatmap`, `Diff`, `AnalyzeQuery`.
//!
//! - Binary: `prost::Message::decode(body)` and `message.encode_to_vec()`.
//! - JSON: `serde_json::from_slice(body)` and `serde_json::to_vec(&message)`. Fields take
//!   their proto3 JSON names (`profileTypeID`, `labelSelector`; the .proto names are accepted
//!   too), 64-bit integers are written as strings and read from strings or numbers, enums are
//!   written by name and read by name or number, bytes are base64, default values are left
//!   out, `null` and missing fields read as defaults, unknown fields and enum names are
//!   ignored (as Connect's Go codec does; [`json`] says where pbjson's code is made lenient).
//! - Enum fields are `i32`, as prost keeps them; prost's getters give the enum
//!   (`request.format()` is a [`ProfileFormat`], an unknown number reading as the default).
//! - A `google.v1.Profile` inside a message ([`PprofProfile::profile`]) is kept as its encoded
//!   bytes, which on the wire are exactly the embedded message: a stand-in puts the output of
//!   `pprof::encode::to_bytes(&profile, false)` there (uncompressed), and a client hands the
//!   bytes to the pprof reader. Only JSON decodes them, into [`profile::Profile`], to write the
//!   profile's object (and encodes the object it reads): `pprof_json.rs`. `SelectMergeProfile`
//!   answers with the profile itself: in binary its body is the encoded pprof, in JSON a
//!   [`SelectMergeProfileResponse`] (an alias of [`profile::Profile`]).

/// The generated code, one module per .proto package (prost's cross-package paths are
/// `super::super::<package>`).
#[allow(clippy::all, clippy::pedantic, missing_docs, rustdoc::all)]
mod generated {
    pub mod google {
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/google.v1.rs"));
            include!(concat!(env!("OUT_DIR"), "/google.v1.serde.rs"));
        }
    }
    pub mod types {
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/types.v1.rs"));
            include!(concat!(env!("OUT_DIR"), "/types.v1.serde.rs"));
        }
    }
    pub mod querier {
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/querier.v1.rs"));
            include!(concat!(env!("OUT_DIR"), "/querier.v1.serde.rs"));
        }
    }
    pub mod push {
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/push.v1.rs"));
            include!(concat!(env!("OUT_DIR"), "/push.v1.serde.rs"));
        }
    }
}

pub mod json;
mod pprof_json;

/// `google.v1`: the pprof profile as Pyroscope's API declares it (every field, strings UTF-8),
/// what a merged profile's JSON object is read into and written from.
pub mod profile {
    pub use super::generated::google::v1::{
        Function, Label, Line, Location, Mapping, Profile, Sample, ValueType,
    };
}

/// `push.v1`: the body of Pyroscope's `PusherService/Push` (`rawProfile` base64 in JSON).
pub mod push {
    pub use super::generated::push::v1::{PushRequest, PushResponse, RawProfileSeries, RawSample};
}

pub use generated::querier::v1::{
    AsyncQueryRequest, AsyncQueryResponse, AsyncQueryStatus, AsyncQueryType, FlameGraph, Level,
    PprofProfile, ProfileFormat, ProfileTypesRequest, ProfileTypesResponse,
    SelectMergeProfileRequest, SelectMergeStacktracesRequest, SelectMergeStacktracesResponse,
    SelectSeriesRequest, SelectSeriesResponse, SeriesRequest, SeriesResponse,
};
pub use generated::types::v1::{
    Exemplar, ExemplarType, GetProfileStatsRequest, GetProfileStatsResponse, GoPgo,
    LabelNamesRequest, LabelNamesResponse, LabelPair, LabelValuesRequest, LabelValuesResponse,
    Labels, Location, Point, ProfileAnnotation, ProfileType, Series, StackTraceSelector,
    TimeSeriesAggregationType,
};

/// The answer of `SelectMergeProfile`: a `google.v1.Profile` itself. In binary the body is the
/// encoded pprof (uncompressed), so a stand-in may write its encoder's bytes directly.
pub type SelectMergeProfileResponse = profile::Profile;

/// The Connect service of every method here.
pub const SERVICE: &str = "querier.v1.QuerierService";

/// The Connect path (`POST`, `application/proto` or `application/json`) of each method.
pub mod paths {
    pub const PROFILE_TYPES: &str = "/querier.v1.QuerierService/ProfileTypes";
    pub const LABEL_NAMES: &str = "/querier.v1.QuerierService/LabelNames";
    pub const LABEL_VALUES: &str = "/querier.v1.QuerierService/LabelValues";
    pub const SERIES: &str = "/querier.v1.QuerierService/Series";
    pub const SELECT_SERIES: &str = "/querier.v1.QuerierService/SelectSeries";
    pub const SELECT_MERGE_STACKTRACES: &str = "/querier.v1.QuerierService/SelectMergeStacktraces";
    pub const SELECT_MERGE_PROFILE: &str = "/querier.v1.QuerierService/SelectMergeProfile";
    pub const GET_PROFILE_STATS: &str = "/querier.v1.QuerierService/GetProfileStats";
}

#[cfg(test)]
mod tests;

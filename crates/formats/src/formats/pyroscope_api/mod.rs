//! Pyroscope's query API (`querier.v1.QuerierService`) messages, in protobuf (prost) and Connect JSON (serde).
//!
//! Declared by hand, as the pprof and push types are (no protoc, no build script), with the
//! tags, types and JSON names of Pyroscope's `api/querier/v1/querier.proto`,
//! `api/types/v1/types.proto` and `api/google/v1/profile.proto` at commit `3fe6a457` (August
//! 2026, after v2.2.1). Covered: the requests and responses of `ProfileTypes`, `LabelNames`,
//! `LabelValues`, `Series`, `SelectSeries`, `SelectMergeStacktraces`, `SelectMergeProfile` and
//! `GetProfileStats`; not `SelectMergeSpanProfile`, `SelectHeatmap`, `Diff`, `AnalyzeQuery`.
//!
//! - Binary: `prost::Message::decode(body)` and `message.encode_to_vec()`.
//! - JSON: `serde_json::from_slice(body)` and `serde_json::to_vec(&message)`. Fields take
//!   their proto3 JSON names (`profileTypeID`, `labelSelector`; the .proto names are accepted
//!   too), 64-bit integers are written as strings and read from strings or numbers, enums are
//!   written by name and read by name or number, bytes are base64, default values are left
//!   out, `null` and missing fields read as defaults, unknown fields and enum names are
//!   ignored (as Connect's Go codec does).
//! - Enum fields are `i32`, as prost keeps them; prost's getters give the enum
//!   (`request.format()` is a [`ProfileFormat`], an unknown number reading as the default).
//! - A `google.v1.Profile` inside a message ([`PprofProfile::profile`]) is kept as its encoded
//!   bytes, which on the wire are exactly the embedded message: a stand-in puts the output of
//!   `pprof::encode::to_bytes(&profile, false)` there (uncompressed), and a client hands the
//!   bytes to the pprof reader. Only JSON decodes them, into [`profile::Profile`], to write the
//!   profile's object (and encodes the object it reads). `SelectMergeProfile` answers with the
//!   profile itself: in binary its body is the encoded pprof, in JSON a
//!   [`SelectMergeProfileResponse`] (an alias of [`profile::Profile`]).

/// Declares a protobuf enum as prost's derive wants it (the zero value first), with the names
/// Connect's JSON uses for its values.
macro_rules! proto_enum {
    ($(#[$meta:meta])* $name:ident {
        $($(#[$vmeta:meta])* $variant:ident = $value:literal => $text:literal,)+
    }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
        #[repr(i32)]
        pub enum $name {
            $($(#[$vmeta])* $variant = $value,)+
        }

        impl $name {
            /// The value's name in the .proto, which Connect's JSON writes.
            pub fn as_str_name(&self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// The value with this name in the .proto.
            pub fn from_str_name(name: &str) -> Option<Self> {
                match name {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl $crate::formats::pyroscope_api::json::ProtoEnum for $name {
            fn name_of(value: i32) -> Option<&'static str> {
                Self::try_from(value).ok().map(|v| v.as_str_name())
            }

            fn value_of(name: &str) -> Option<i32> {
                Self::from_str_name(name).map(|v| v as i32)
            }
        }
    };
}

pub mod json;
mod json_enum;
pub mod profile;
mod querier;
mod responses;
mod types;
mod types_rpc;

pub use querier::{
    AsyncQueryRequest, AsyncQueryType, ProfileFormat, ProfileTypesRequest,
    SelectMergeProfileRequest, SelectMergeStacktracesRequest, SelectSeriesRequest, SeriesRequest,
};
pub use responses::{
    AsyncQueryResponse, AsyncQueryStatus, FlameGraph, Level, PprofProfile, ProfileTypesResponse,
    SelectMergeProfileResponse, SelectMergeStacktracesResponse, SelectSeriesResponse,
    SeriesResponse,
};
pub use types::{
    Exemplar, ExemplarType, LabelPair, Labels, Point, ProfileAnnotation, ProfileType, Series,
    TimeSeriesAggregationType,
};
pub use types_rpc::{
    GetProfileStatsRequest, GetProfileStatsResponse, GoPgo, LabelNamesRequest, LabelNamesResponse,
    LabelValuesRequest, LabelValuesResponse, Location, StackTraceSelector,
};

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

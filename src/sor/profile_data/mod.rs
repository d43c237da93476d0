//! Profile Data SOR: the one place that reads profiles, from Pyroscope or from pprof files,
//! and the one that takes what agents push (`ingest/`, `intake.rs`, `store/`).
//!
//! [`FileProfileData`] merges the pprof files of a directory (`pprof/`) into the same call
//! tree a flame graph gives, and ranks it with the same aggregation.
//! [`PyroscopeProfileData`] resolves which Pyroscope profile type to read, asks for the merged
//! flame graph (again with more nodes when too much of it was truncated), and ranks functions.
//! Answers are coalesced and cached in front of Pyroscope.

mod file_choice;
mod file_parts;
mod file_profile_data;
pub mod flamegraph;
pub mod ingest;
pub mod ingest_routes;
mod ingest_wire_docs;
pub mod intake;
pub mod label_routes;
mod labelled_files;
pub mod model;
pub mod pprof;
pub mod pyroscope;
mod pyroscope_profile_data;
mod ranking;
pub mod remote;
pub mod routes;
mod snapshots;
pub mod store;
#[cfg(test)]
#[path = "../../../tests/common/testdata.rs"]
mod testdata;
pub mod tree_routes;
mod type_tables;
mod window_source;

pub use file_profile_data::FileProfileData;
pub use model::{
    AppList, DiffTrees, Profile, ProfileDiff, ProfileDiffQuery, ProfileQuery, ProfileWindow,
    WindowPart,
};
pub use pyroscope_profile_data::PyroscopeProfileData;

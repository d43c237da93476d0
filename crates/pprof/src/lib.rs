//! pprof, pure: message types (generated from proto/pprof by build.rs), decoding (gzip within a
//! bound, JFR recordings made into pprof first), the stack tree, merging and encoding. The
//! statistics come from the flame-graph path's aggregation (`pf_formats`' `tree_stats`), so a
//! file and Pyroscope's flame graph of the same stacks give the same numbers.

mod decode;
mod decoded;
pub mod encode;
mod error;
mod file_tree;
pub mod gzip;
mod hash;
pub mod jfr;
mod merge;
mod of_tree;
mod profile;
pub mod proto;
mod sites;
mod stack_set;
mod tables;
mod tree;
mod walk;
mod wire;

pub use decode::{decompress, parse_file, parse_file_where};
pub use decoded::DecodedPprof;
pub use error::PprofError;
pub use file_tree::FileTree;
pub use merge::CpuMerge;
pub use of_tree::{cpu_profile_of_tree, stacks_of_tree};
pub use profile::{FileLabels, Limits, ParsedProfile, SampleType};
pub use sites::function_sites;
pub use tree::{StackTree, Weight};
pub use walk::SampleFilter;

#[cfg(any(test, feature = "testing"))]
pub mod test_profiles;
#[cfg(test)]
mod tests;
// The shared test profiles name `super::pprof` and `super::flamegraph`.
#[cfg(test)]
use crate as pprof;
#[cfg(test)]
use pf_formats::formats::flamegraph;
// Each includer uses a different part of it.
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../../tests/common/testdata.rs"]
mod testdata;

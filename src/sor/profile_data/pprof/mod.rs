//! pprof files as a profile source: message types, decoding, the stack tree and the directory
//! of files. The statistics come from the flame-graph path's aggregation (`tree_stats`), so a
//! file and Pyroscope's flame graph of the same stacks give the same numbers.

pub mod check;
mod decode;
pub mod encode;
mod error;
mod hash;
pub mod proto;
pub mod source;
mod tree;
mod wire;

pub use decode::{decompress, parse_file, Limits, ParsedProfile, SampleType};
pub use error::PprofError;
pub use tree::StackTree;

#[cfg(test)]
mod tests;

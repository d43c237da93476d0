//! Profile formats, pure, other than pprof (`crates/formats/src/pprof/`): Pyroscope's flame graphs and the
//! messages of its Connect APIs.

pub mod flamegraph;
pub mod pyroscope_api;
// The shared test profiles name `super::pprof`.
#[cfg(test)]
use crate::pprof;
#[cfg(test)]
#[path = "../../../../tests/common/testdata.rs"]
pub(crate) mod testdata;

//! Pyroscope's formats: its flame graphs and the messages of its Connect APIs.

pub mod flamegraph;
pub mod pyroscope_api;
// The shared test profiles name `super::pprof` (their pprof form is the pprof crate's tests').
#[cfg(test)]
use pf_pprof as pprof;
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../../../tests/common/testdata.rs"]
pub(crate) mod testdata;

//! The synthetic flame graphs of `tests/common/testdata.rs` for the black-box tests and the
//! benches. The library includes that file only into its unit tests, so it ships in no release
//! build and is no source of the library; this module gives it the one library item it needs, `super::flamegraph`.

pub use pf_formats::{formats::flamegraph, pprof};

// Each includer uses a different part of it.
#[allow(dead_code)]
#[path = "testdata.rs"]
pub mod testdata;

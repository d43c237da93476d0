//! The synthetic flame graphs of `tests/common/testdata.rs` for the black-box tests and the
//! benches. The library includes that file only into its unit tests, so it ships in no release
//! build and is no source of the library; this module gives it the library items it needs,
//! `super::flamegraph` and `super::pprof`.

pub use pf_formats::formats::flamegraph;
pub use pf_pprof as pprof;

// Each includer uses a different part of it.
#[allow(dead_code)]
#[path = "testdata.rs"]
pub mod testdata;

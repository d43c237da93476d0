//! The synthetic flame graphs of `src/sor/profile_data/testdata.rs` for the black-box tests and
//! the benches. The library compiles that file only into its unit tests, so it ships in no
//! release build; this module gives it the one library item it needs, `super::flamegraph`.

pub use pyroscope_functions::sor::profile_data::{flamegraph, pprof};

// Each includer uses a different part of it.
#[allow(dead_code)]
#[path = "../../src/sor/profile_data/testdata.rs"]
pub mod testdata;

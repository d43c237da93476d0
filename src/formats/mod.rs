//! Profile formats, pure: pprof (read, encode, merge), Pyroscope's flame graphs,
//! and Java Flight Recorder recordings turned into pprof.

pub mod flamegraph;
pub mod gzip;
pub mod jfr;
pub mod pprof;
pub mod pyroscope_api;
#[cfg(test)]
#[path = "../../tests/common/testdata.rs"]
pub(crate) mod testdata;

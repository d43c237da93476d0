//! Pyroscope's formats, pure: its flame graphs (`formats/flamegraph/`: read in one pass, their
//! statistics, merged, written) and the messages of its Connect APIs (`formats/pyroscope_api/`,
//! generated from proto/ by build.rs). pprof is the crate `pf-pprof`, over this one: a pprof's
//! statistics are the flame graph's.

pub mod formats;

//! The profile formats, pure: pprof (`pprof/`: decoded within bounds, JFR made into pprof,
//! merged, encoded) and the others Pyroscope speaks (`formats/`: its flame graphs and the
//! messages of its Connect APIs). One crate because each reads the other: a flame graph's
//! statistics are pprof's, and Pyroscope's messages carry pprof.

pub mod formats;
pub mod pprof;

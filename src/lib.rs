//! Profiling functions service: turns Grafana Pyroscope profiles into answers. The capabilities
//! are crates (`crates/`); this crate is the composition root over them: the module table
//! (`app/`), the settings, and the binary.

pub mod app;
pub mod settings;

#[cfg(test)]
mod threshold_tests;

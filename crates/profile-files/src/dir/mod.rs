//! The directories of pprof files as a profile source: listed, read and checked.

pub mod app_dir;
pub mod check;
pub mod listed;
pub mod read;
pub mod source;

#[cfg(test)]
mod tests;

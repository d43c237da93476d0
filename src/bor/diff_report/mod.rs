//! Diff Report.

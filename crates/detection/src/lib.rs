//! Detection, pure: the tests that turn a series of slice summaries into event changes, without
//! I/O. `share/` finds a function whose share of the profile grew (docs/regressions.md), `leaks/`
//! a function whose in-use memory only grows (docs/regressions.md#memory-that-only-grows);
//! `model.rs` holds what both decide with (settings, findings, open events, changes), `cost.rs`
//! what a change of share costs. The events they change are kept and announced by
//! `regressions/`.

pub mod cost;
pub mod leaks;
pub mod model;
pub mod share;
#[cfg(test)]
pub(crate) mod test_events;

pub use model::{
    Change, Confirmation, DetectorSettings, EventKind, EventState, Finding, OpenEvent, UnknownName,
    VersionChange,
};

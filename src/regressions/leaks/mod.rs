//! Memory that only grows (SPEC §22), pure: the in-use series of one app, split at restarts,
//! each kept function's bytes over the last `window_slices` tested for a monotonic trend
//! (Mann–Kendall, Benjamini–Hochberg over the functions), its rate measured (Theil–Sen with its
//! interval), and the leak events' changes decided.

mod model;

use std::collections::HashSet;

pub use model::{Leak, LeakSettings};

use crate::model::trend::SliceSummary;
use crate::regressions::model::{Change, OpenEvent};

/// What one examination of an in-use series decided.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LeakExamination {
    /// Decisions on the open leak events (by id), then new suspicions (by function name).
    pub changes: Vec<Change>,
    /// The summed slopes of every function whose test holds at the newest slice, bytes per
    /// second: the rate `limitReachedAt` is computed at.
    pub growth_per_sec: f64,
}

/// Examines the newest summary of an in-use series (the last of `history`, ascending by start):
/// `open` are its open leak events, `blocked` the functions another open event watches.
pub fn examine(
    history: &[SliceSummary],
    open: &[OpenEvent],
    blocked: &HashSet<&str>,
    settings: &LeakSettings,
) -> LeakExamination {
    let _ = (history, open, blocked, settings);
    LeakExamination::default()
}

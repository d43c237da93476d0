//! Memory that only grows (docs/regressions.md#memory-that-only-grows), pure: the in-use series of
//! one app, split at restarts, each kept function's bytes over the last `window_slices` tested for
//! a monotonic trend (Mann–Kendall, Benjamini–Hochberg over the functions), its rate measured
//! (Theil–Sen with its interval), and the leak events' changes decided.
//!
//! The rules, as [`examine`] applies them:
//! - `history` is ascending by start, newest last; an empty history decides nothing.
//! - **Restarts.** Slice i ≥ 1 starts a new segment when its total is at most half of the slice
//!   before's. Only the segment since the last restart is tested.
//! - **The window** is the slices whose start ≥ T0 = newest.start − (window_slices − 1)·secs.
//!   It is *testable* when the segment's first slice starts at or before T0 and the window
//!   holds at least ¾ of `window_slices` summaries (a few missed pushes do not matter).
//! - **The functions tested** are those kept in the newest summary and not `blocked`, plus the
//!   functions of the open events. A function's value in a slice is its self bytes, or when the
//!   slice did not keep it, the slice's upper bound (0 when it kept fewer than `top_functions`,
//!   else its smallest kept value), as the regression detector counts. x is the slice's start
//!   in seconds from T0, so the fitted intercept is the level at T0.
//! - **The test** of a function: Mann–Kendall's two-sided p, Benjamini–Hochberg at `fdr` over
//!   every tested function, Theil–Sen's slope (bytes per second) with its 95 % interval. The
//!   growth is slope·(newest.start − T0). The test *holds* when the trend is BH-significant,
//!   the interval's low end is above 0, and the growth at that low end (low·(newest.start −
//!   T0)) is at least `min_growth_bytes` and at least `min_relative` of the fitted level at T0
//!   (a level ≤ 0 passes). Taken at the slope itself, noise of 0.28 of every function's level
//!   (AR φ 0.27) confirmed 51 false leaks in 1 000 series-days; at the low end, 2.
//! - **The prefilter** (exact): Theil–Sen's growth is at most f·(max − min) of a function's
//!   values, f from the window's times alone, and the fitted level at T0 is at least
//!   min − growth; a function whose bound fails a growth gate cannot hold, and its statistics
//!   are skipped. Benjamini–Hochberg is run with its p at 1 and at 0: the tests it rejects
//!   either way are exact; only when a function that passes its gates is rejected one way and
//!   not the other are the skipped p-values computed. So the outcome is the unfiltered one.
//! - **Changes**, decisions on the open events by id, then new suspicions by function name:
//!   a Suspected event went away at the first slice its test does not hold (or its window is
//!   not testable: a restart); once newest.start ≥ suspected_at + confirm_slices·secs it is
//!   confirmed when the window is testable and its test holds, else it went away. A Confirmed event is resolved when the window is testable and its slope's
//!   interval reaches 0 (low ≤ 0); across a restart or while still growing nothing happens,
//!   and it is never settled. A function kept in the newest summary, not blocked, without an
//!   open event, whose test holds is suspected with `first_recent` = T0.
//! - **A finding**: `changed_at` is T0 for a suspicion, the event's for a decision; the shares
//!   at the window's first and newest summaries; the delta's low/high scaled by the slope's
//!   interval (delta·low/slope, delta·high/slope, ordered; delta when the slope is 0);
//!   Mann–Kendall's p; and the [`Leak`] with the line. A Suspected event decided without a
//!   testable window went away with the event's change point and before share, its share now,
//!   low = high = delta, p = 1 and no `leak`.

mod decide;
mod fit;
pub mod model;
mod segment;

use std::collections::HashSet;

pub use model::{Leak, LeakSettings};

use crate::model::{Change, EventState, OpenEvent};
use decide::Tested;
use pf_model::trend::SliceSummary;
use segment::Window;

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
    let Some(window) = Window::of(history, settings) else {
        return LeakExamination::default();
    };
    let Some(newest) = window.newest() else {
        return LeakExamination::default();
    };
    let mut events: Vec<&OpenEvent> = open
        .iter()
        .filter(|e| matches!(e.state, EventState::Suspected | EventState::Confirmed))
        .collect();
    events.sort_by_key(|e| e.id);
    let tested = window
        .testable
        .then(|| Tested::new(&window, newest, &events, blocked, settings));
    let mut changes: Vec<Change> = events
        .iter()
        .filter_map(|event| decide::decision(tested.as_ref(), &window, event, settings))
        .collect();
    let Some(tested) = tested else {
        return LeakExamination {
            changes,
            growth_per_sec: 0.0,
        };
    };
    changes.extend(tested.suspicions(open, blocked));
    LeakExamination {
        changes,
        growth_per_sec: tested.growth_per_sec(),
    }
}

#[cfg(test)]
mod decision_tests;
#[cfg(test)]
mod prefilter_tests;
#[cfg(test)]
mod simulation;
#[cfg(test)]
mod simulation_tests;
#[cfg(test)]
mod tests;

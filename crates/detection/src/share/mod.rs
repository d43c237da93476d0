//! The regression detector of docs/regressions.md, pure: one series' summaries in, the event
//! changes out.

mod change_point;
mod cusum;
mod explain;
mod index;
mod sequential;
mod two_windows;
mod yesterday;

use std::collections::HashSet;

use pf_model::trend::SliceSummary;

pub use crate::model::{
    Change, Confirmation, DetectorSettings, EventKind, EventState, Finding, OpenEvent, UnknownName,
    VersionChange,
};
use index::SeriesIndex;
use yesterday::Yesterday;

/// Examines the newest summary of a series (the last of `history`, ascending by start).
pub fn examine(
    history: &[SliceSummary],
    open: &[OpenEvent],
    settings: &DetectorSettings,
) -> Vec<Change> {
    examine_beside(history, open, &HashSet::new(), settings)
}

/// As [`examine`], where the functions `watched` otherwise (an in-use series' by the leak
/// detector) are not suspected; their open events are still decided.
pub fn examine_beside(
    history: &[SliceSummary],
    open: &[OpenEvent],
    watched: &HashSet<&str>,
    settings: &DetectorSettings,
) -> Vec<Change> {
    // Decisions on open events come first (by id), then new suspicions (by function name). A
    // function with an open event is not suspected in this call even if the event went away
    // or settled: the caller stores one change per function and call.
    let Some(newest) = history.last() else {
        return Vec::new();
    };
    let (earlier, history) = tested(history, newest.start, settings);
    let index = SeriesIndex::new(history, settings.top_functions);
    // The series' reference rows, read once at this call with the one correlation they are
    // whitened by, for its decisions and its suspicions alike.
    let series = sequential::Layout::of(index.rows(), settings).map_or_else(
        sequential::SeriesReference::default,
        |layout| {
            let yesterday = Yesterday::of(earlier, &index, &layout, settings);
            sequential::SeriesReference::of(&index, newest, &layout, yesterday)
        },
    );
    let mut events: Vec<&OpenEvent> = open.iter().collect();
    events.sort_by_key(|e| e.id);
    let mut changes: Vec<Change> = events
        .into_iter()
        .filter_map(|event| match event.state {
            EventState::Suspected => change_point::decide(&index, event, &series, settings),
            EventState::Confirmed => change_point::resolution(&index, event, settings)
                .or_else(|| change_point::settlement(&index, event, settings)),
            EventState::WentAway | EventState::Resolved | EventState::Settled => None,
        })
        .collect();
    let blocked: HashSet<&str> = open
        .iter()
        .map(|e| e.function.as_str())
        .chain(watched.iter().copied())
        .collect();
    changes.extend(sequential::suspicions(
        &index, newest, &blocked, &series, settings,
    ));
    changes
}

/// `history` split at the summaries a call tests, the last `tested_slices()` in time to
/// `newest` (the start of its newest): those before them are read only for yesterday's same
/// hours.
fn tested<'h>(
    history: &'h [SliceSummary],
    newest: i64,
    settings: &DetectorSettings,
) -> (&'h [SliceSummary], &'h [SliceSummary]) {
    let reach = i64::try_from(settings.tested_slices().saturating_sub(1)).unwrap_or(i64::MAX);
    let from = newest.saturating_sub(reach.saturating_mul(settings.slices.slice_secs.secs()));
    history.split_at(history.partition_point(|s| s.start < from))
}

#[cfg(test)]
mod decision_tests;
#[cfg(test)]
mod deploy_tests;
#[cfg(test)]
mod drift;
#[cfg(test)]
mod drift_tests;
#[cfg(test)]
mod false_alarm_tests;
#[cfg(test)]
mod settle_tests;
#[cfg(test)]
mod simulation;
#[cfg(test)]
mod simulation_store;
#[cfg(test)]
mod simulation_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod yesterday_tests;

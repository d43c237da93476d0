//! What the caller stores of the detector's changes, and the runs that feed it slices.

use std::collections::HashMap;
use std::ops::Deref;

use pf_model::trend::SliceSummary;

use super::examine;
use super::simulation::Model;
use crate::model::{Change, Confirmation, DetectorSettings, Finding};
use crate::test_events::OpenEvents;

/// A confirmed event as the store keeps it: the detector's confirmation, read through.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::share) struct Confirmed {
    /// The slice whose call confirmed it.
    pub(in crate::share) slice: usize,
    pub(in crate::share) confirmation: Confirmation,
}

impl Deref for Confirmed {
    type Target = Confirmation;

    fn deref(&self) -> &Confirmation {
        &self.confirmation
    }
}

/// What the caller stores: open events, and everything that happened to each.
#[derive(Debug, Default)]
pub(in crate::share) struct Store {
    pub(in crate::share) open: OpenEvents,
    /// Function of every event id ever created.
    pub(in crate::share) functions: HashMap<i64, String>,
    pub(in crate::share) suspected: Vec<(usize, Finding)>,
    pub(in crate::share) confirmed: Vec<Confirmed>,
    pub(in crate::share) went_away: Vec<(usize, String)>,
    pub(in crate::share) resolved: Vec<(usize, String)>,
    pub(in crate::share) settled: Vec<(usize, String)>,
}

impl Store {
    /// Applies the changes of the call made after slice `k`.
    pub(in crate::share) fn apply(&mut self, k: usize, changes: Vec<Change>) {
        for change in changes {
            match change {
                Change::Suspected {
                    suspected_at,
                    first_recent,
                    finding,
                } => {
                    let id = self.open.suspect(suspected_at, first_recent, &finding);
                    self.functions.insert(id, finding.function.clone());
                    self.suspected.push((k, finding));
                }
                Change::Confirmed(confirmation) => {
                    let c = &confirmation;
                    let event = self.open.confirm(c);
                    // As the watcher's store does, the event takes the change point and the share before it
                    // from the confirmation.
                    event.changed_at = c.finding.changed_at;
                    event.before_percent = c.finding.before_percent;
                    self.confirmed.push(Confirmed {
                        slice: k,
                        confirmation,
                    });
                }
                Change::WentAway { id, .. } => self.went_away.push((k, self.open.close(id))),
                Change::Resolved { id, .. } => self.resolved.push((k, self.open.close(id))),
                Change::Settled { id, .. } => self.settled.push((k, self.open.close(id))),
                Change::Remeasured { .. } => unreachable!("the share detector measures no leak"),
            }
        }
    }
}

/// Runs the detector after each of `slices` slices of `model`, as the caller would.
pub(in crate::share) fn run(
    model: &Model,
    seed: u64,
    slices: usize,
    settings: &DetectorSettings,
) -> Store {
    run_after(model, seed, 0, slices, settings)
}

/// As [`run`], after `warm_up` slices that only fill the history: slices `warm_up..warm_up +
/// slices` are examined (with `warm_up ≥ history_slices()`, each with a full history).
pub(in crate::share) fn run_after(
    model: &Model,
    seed: u64,
    warm_up: usize,
    slices: usize,
    settings: &DetectorSettings,
) -> Store {
    let drawn = model.series(seed, warm_up + slices);
    let summaries: Vec<SliceSummary> = drawn.into_iter().map(|d| d.summary).collect();
    watch_slices(&summaries, warm_up, settings)
}

/// Runs the detector after each of `slices` from `warm_up` on, with the last
/// `history_slices()` of them as its history, as the caller would.
pub(in crate::share) fn watch_slices(
    slices: &[SliceSummary],
    warm_up: usize,
    settings: &DetectorSettings,
) -> Store {
    let keep = settings.history_slices();
    let mut store = Store::default();
    for k in warm_up..slices.len() {
        let history = &slices[(k + 1).saturating_sub(keep)..=k];
        let changes = examine(history, &store.open, settings);
        store.apply(k, changes);
    }
    store
}

//! What the caller stores of the detector's changes, and the runs that feed it slices.

use std::collections::HashMap;
use std::ops::Deref;

use crate::model::trend::SliceSummary;

use super::examine;
use super::simulation::{Model, SplitMix};
use crate::regressions::model::{
    Change, Confirmation, DetectorSettings, EventState, Finding, OpenEvent,
};

/// A confirmed event as the store keeps it: the detector's confirmation, read through.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::regressions::detector) struct Confirmed {
    /// The slice whose call confirmed it.
    pub(in crate::regressions::detector) slice: usize,
    pub(in crate::regressions::detector) confirmation: Confirmation,
}

impl Deref for Confirmed {
    type Target = Confirmation;

    fn deref(&self) -> &Confirmation {
        &self.confirmation
    }
}

/// What the caller stores: open events, and everything that happened to each.
#[derive(Debug, Default)]
pub(in crate::regressions::detector) struct Store {
    pub(in crate::regressions::detector) open: Vec<OpenEvent>,
    next_id: i64,
    /// Function of every event id ever created.
    pub(in crate::regressions::detector) functions: HashMap<i64, String>,
    pub(in crate::regressions::detector) suspected: Vec<(usize, Finding)>,
    pub(in crate::regressions::detector) confirmed: Vec<Confirmed>,
    pub(in crate::regressions::detector) went_away: Vec<(usize, String)>,
    pub(in crate::regressions::detector) resolved: Vec<(usize, String)>,
    pub(in crate::regressions::detector) settled: Vec<(usize, String)>,
}

impl Store {
    /// Applies the changes of the call made after slice `k`.
    pub(in crate::regressions::detector) fn apply(&mut self, k: usize, changes: Vec<Change>) {
        for change in changes {
            match change {
                Change::Suspected {
                    suspected_at,
                    first_recent,
                    finding,
                } => {
                    self.next_id += 1;
                    self.functions
                        .insert(self.next_id, finding.function.clone());
                    self.open.push(OpenEvent::suspected(
                        self.next_id,
                        suspected_at,
                        first_recent,
                        &finding,
                    ));
                    self.suspected.push((k, finding));
                }
                Change::Confirmed(confirmation) => {
                    let c = &confirmation;
                    let event = self.open.iter_mut().find(|e| e.id == c.id).expect("open");
                    assert_eq!(event.state, EventState::Suspected, "confirmed twice");
                    event.state = EventState::Confirmed;
                    event.confirmed_at = Some(c.at);
                    event.changed_at = c.finding.changed_at;
                    event.before_percent = c.finding.before_percent;
                    self.confirmed.push(Confirmed {
                        slice: k,
                        confirmation,
                    });
                }
                Change::WentAway { id, .. } => {
                    let function = self.close(id);
                    self.went_away.push((k, function));
                }
                Change::Resolved { id, .. } => {
                    let function = self.close(id);
                    self.resolved.push((k, function));
                }
                Change::Settled { id, .. } => {
                    let function = self.close(id);
                    self.settled.push((k, function));
                }
                Change::Remeasured { .. } => unreachable!("the share detector measures no leak"),
            }
        }
    }

    /// Removes open event `id`; its function.
    fn close(&mut self, id: i64) -> String {
        let at = self.open.iter().position(|e| e.id == id).expect("open");
        self.open.remove(at).function
    }
}

/// Runs the detector after each of `slices` slices of `model`, as the caller would.
pub(in crate::regressions::detector) fn run(
    model: &Model,
    seed: u64,
    slices: usize,
    settings: &DetectorSettings,
) -> Store {
    run_after(model, seed, 0, slices, settings)
}

/// As [`run`], after `warm_up` slices that only fill the history: slices `warm_up..warm_up +
/// slices` are examined (with `warm_up ≥ history_slices()`, each with a full history).
pub(in crate::regressions::detector) fn run_after(
    model: &Model,
    seed: u64,
    warm_up: usize,
    slices: usize,
    settings: &DetectorSettings,
) -> Store {
    let mut rng = SplitMix(seed);
    let keep = settings.history_slices();
    let mut history: Vec<SliceSummary> = Vec::with_capacity(keep + 1);
    let mut store = Store::default();
    for k in 0..warm_up + slices {
        history.push(model.slice(&mut rng, k));
        if history.len() > keep {
            history.remove(0);
        }
        if k >= warm_up {
            let changes = examine(&history, &store.open, settings);
            store.apply(k, changes);
        }
    }
    store
}

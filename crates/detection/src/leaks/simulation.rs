//! Seeded in-use series for the simulation tests, and a tiny store that applies the detector's
//! changes as the watcher's caller does.

use std::collections::HashSet;

use super::{examine, LeakSettings};
use crate::model::{Change, EventState, Finding};
use crate::test_events::OpenEvents;
pub(super) use pf_model::random::SplitMix as Mix;
use pf_model::trend::{KeptFunction, SliceSummary};

/// Start of slice 0, epoch seconds (2024-01-01 00:00 UTC).
pub(super) const EPOCH: i64 = 1_704_067_200;
pub(super) const MIB: f64 = 1_048_576.0;

/// One function's true bytes growing `per_slice` from `base` over slices `from..until`, flat
/// before and after.
#[derive(Debug, Clone, Copy)]
pub(super) struct Growth {
    pub(super) base: f64,
    pub(super) per_slice: f64,
    pub(super) from: usize,
    pub(super) until: usize,
}

/// A process's in-use profile: stable functions, maybe one growing, noise with AR(1)
/// correlation `phi` between slices: multiplicative with coefficient of variation `cv`, and a
/// heap sampler's (one sample per `sampling` bytes: variance `sampling × level`).
pub(super) struct Series {
    names: Vec<String>,
    levels: Vec<f64>,
    growth: Option<Growth>,
    cv: f64,
    phi: f64,
    sampling: f64,
    noise: Vec<f64>,
}

impl Series {
    /// `functions` stable functions at levels log-uniform from 64 KiB to 2 GiB.
    pub(super) fn stable(mix: &mut Mix, functions: usize, cv: f64, phi: f64) -> Self {
        let (low, high) = ((64.0 * 1024.0f64).ln(), (2048.0 * MIB).ln());
        Series {
            names: (0..functions).map(|f| format!("main.stable{f}")).collect(),
            levels: (0..functions)
                .map(|_| (low + (high - low) * mix.uniform()).exp())
                .collect(),
            growth: None,
            cv,
            phi,
            sampling: 0.0,
            noise: vec![0.0; functions],
        }
    }

    /// The series read through a heap sampler taking one sample per `bytes` on average.
    pub(super) fn sampled(mut self, bytes: f64) -> Self {
        self.sampling = bytes;
        self
    }

    /// The series with one more function, "main.grows", following `growth`.
    pub(super) fn with_growth(mut self, growth: Growth) -> Self {
        self.names.push("main.grows".to_owned());
        self.levels.push(growth.base);
        self.noise.push(0.0);
        self.growth = Some(growth);
        self
    }

    /// Slice k's summary (k ascending from 0, one call per slice: the noise carries over).
    pub(super) fn slice(&mut self, mix: &mut Mix, k: usize) -> SliceSummary {
        let innovation = (1.0 - self.phi * self.phi).sqrt();
        let mut functions: Vec<KeptFunction> = (0..self.names.len())
            .map(|f| {
                self.noise[f] = self.phi * self.noise[f] + innovation * mix.normal();
                let mut level = self.levels[f];
                if let (Some(g), true) = (self.growth, f + 1 == self.names.len()) {
                    let steps = k.clamp(g.from, g.until) - g.from;
                    level = g.base + g.per_slice * steps as f64;
                }
                let sd = (self.cv * self.cv * level * level + self.sampling * level).sqrt();
                let bytes = (level + sd * self.noise[f]).max(0.0) as u64;
                KeptFunction::new(self.names[f].clone(), bytes, bytes)
            })
            .collect();
        functions.sort_unstable_by_key(|f| std::cmp::Reverse(f.self_samples));
        let kept: u64 = functions.iter().map(|f| f.self_samples).sum();
        SliceSummary {
            start: EPOCH + 300 * k as i64,
            total_samples: kept + kept / 4,
            versions: Vec::new(),
            refs: Vec::new(),
            functions,
        }
    }
}

/// What the caller stores: open events, and what happened to each (slice, function).
#[derive(Debug, Default)]
pub(super) struct Store {
    open: OpenEvents,
    pub(super) suspected: Vec<(usize, String)>,
    pub(super) confirmed: Vec<(usize, Finding)>,
    pub(super) went_away: Vec<(usize, String)>,
    pub(super) resolved: Vec<(usize, String)>,
}

impl Store {
    /// Applies the changes of the call made after slice `k`.
    fn apply(&mut self, k: usize, changes: Vec<Change>) {
        for change in changes {
            match change {
                Change::Suspected {
                    suspected_at,
                    first_recent,
                    finding,
                } => {
                    self.open.suspect(suspected_at, first_recent, &finding);
                    self.suspected.push((k, finding.function));
                }
                Change::Confirmed(c) => {
                    self.open.confirm(&c);
                    self.confirmed.push((k, c.finding));
                }
                Change::WentAway { id, .. } => self.went_away.push((k, self.open.close(id))),
                Change::Resolved { id, .. } => self.resolved.push((k, self.open.close(id))),
                Change::Settled { .. } => panic!("a leak is never settled"),
                Change::Remeasured { id, .. } => {
                    let event = self.open.get(id);
                    assert_eq!(event.state, EventState::Confirmed, "measured unconfirmed");
                }
            }
        }
    }
}

/// Runs the detector after each of `slices` slices of `series`, with the history the window
/// needs (and one slice more, to see a restart at its start).
pub(super) fn run(series: &mut Series, seed: u64, slices: usize, settings: &LeakSettings) -> Store {
    let mut mix = Mix(seed);
    let keep = settings.window_slices + 1;
    let mut history: Vec<SliceSummary> = Vec::with_capacity(keep + 1);
    let mut store = Store::default();
    let blocked = HashSet::new();
    for k in 0..slices {
        history.push(series.slice(&mut mix, k));
        if history.len() > keep {
            history.remove(0);
        }
        let found = examine(&history, &store.open, &blocked, settings);
        store.apply(k, found.changes);
    }
    store
}

//! Seeded synthetic series for the tests, and a store that applies the detector's changes the
//! way the caller does.

use std::collections::HashMap;

use crate::profile::trend::SliceSummary;
use crate::profile::FunctionStat;

use super::{
    examine, Change, DetectorSettings, EventKind, EventState, Finding, OpenEvent, VersionChange,
};

/// Start of slice 0 of every simulated series, epoch seconds (2024-01-01 00:00 UTC).
pub(super) const EPOCH: i64 = 1_704_067_200;

/// SplitMix64 (Steele, Lea & Flood 2014), as in `significance_tests.rs`: deterministic noise.
pub(super) struct SplitMix(pub(super) u64);

impl SplitMix {
    /// Uniform in (0, 1] from the top 53 bits, so that its logarithm is finite.
    pub(super) fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (((z ^ (z >> 31)) >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal by Box–Muller.
    pub(super) fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Function `function`'s true share is `share` (a fraction) in slices `from..until`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Step {
    pub(super) function: usize,
    pub(super) from: usize,
    pub(super) until: usize,
    pub(super) share: f64,
}

/// A series' true profile over time: function names, base shares, steps and versions.
#[derive(Debug, Clone)]
pub(super) struct Model {
    pub(super) names: Vec<String>,
    /// True self shares (fractions); the rest of the profile is in functions never kept.
    pub(super) shares: Vec<f64>,
    pub(super) steps: Vec<Step>,
    /// (first slice, value): the version label's value from that slice on.
    pub(super) versions: Vec<(usize, &'static str)>,
    /// σ of the per-slice overdispersion, share × exp(σ·N(0,1)).
    pub(super) jitter: f64,
}

impl Model {
    /// `n` functions `app{app}.f{i}` with shares ∝ 1/(i+1)^0.9 summing to 80 %: from a few
    /// percent down to tenths of a percent.
    pub(super) fn stable(app: usize, n: usize) -> Self {
        let weights: Vec<f64> = (0..n).map(|i| ((i + 1) as f64).powf(-0.9)).collect();
        let sum: f64 = weights.iter().sum();
        Model {
            names: (0..n).map(|i| format!("app{app}.f{i}")).collect(),
            shares: weights.iter().map(|w| 0.8 * w / sum).collect(),
            steps: Vec::new(),
            versions: vec![(0, "1.0.0")],
            jitter: 0.08,
        }
    }

    /// `stable(app, n)` scaled to 1 − `share`, with `app{app}.big` at `share`: a function that
    /// is a large part of its process. Returns the model and the big function's index.
    pub(super) fn with_big(app: usize, n: usize, share: f64) -> (Self, usize) {
        let mut model = Model::stable(app, n);
        for s in &mut model.shares {
            *s *= 1.0 - share;
        }
        let big = model.add(&format!("app{app}.big"));
        model.shares[big] = share;
        (model, big)
    }

    /// From slice `from` on, `function` does `factor` times its work and the rest of the
    /// process the same: its share b becomes f·b / (1 + (f − 1)·b), every other share (the
    /// part never kept too) is divided by 1 + (f − 1)·b.
    pub(super) fn grown(mut self, function: usize, factor: f64, from: usize) -> Self {
        let b = self.shares[function];
        let rest = 1.0 + (factor - 1.0) * b;
        let steps: Vec<Step> = (0..self.shares.len())
            .map(|i| Step {
                function: i,
                from,
                until: usize::MAX,
                share: match i == function {
                    true => factor * b / rest,
                    false => self.shares[i] / rest,
                },
            })
            .collect();
        self.steps.extend(steps);
        self
    }

    /// Adds a function of share 0 (a name the code does not have yet); returns its index.
    pub(super) fn add(&mut self, name: &str) -> usize {
        self.names.push(name.to_owned());
        self.shares.push(0.0);
        self.shares.len() - 1
    }

    /// The true shares of slice `k`.
    fn shares_at(&self, k: usize) -> Vec<f64> {
        let mut shares = self.shares.clone();
        for step in &self.steps {
            if (step.from..step.until).contains(&k) {
                shares[step.function] = step.share;
            }
        }
        shares
    }

    /// Slice `k`: a total of 16 000–24 000 samples, shares jittered and renormalized to their
    /// true sum, self counts binomial by the normal approximation, the top 100 kept.
    pub(super) fn slice(&self, rng: &mut SplitMix, k: usize) -> SliceSummary {
        let total = (16_000.0 + 8_000.0 * rng.uniform()).floor();
        let truth = self.shares_at(k);
        let jittered: Vec<f64> = truth
            .iter()
            .map(|p| p * (self.jitter * rng.normal()).exp())
            .collect();
        let scale = truth.iter().sum::<f64>() / jittered.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        let stats = self
            .names
            .iter()
            .zip(&jittered)
            .map(|(name, p)| {
                let p = (p * scale).clamp(0.0, 1.0);
                let sd = (total * p * (1.0 - p)).sqrt();
                let count = (total * p + sd * rng.normal()).round().max(0.0) as u64;
                stat(name, count)
            })
            .collect();
        let version = self.versions.iter().rev().find(|(from, _)| *from <= k);
        let versions = version
            .map(|(_, v)| vec![(*v).to_owned()])
            .unwrap_or_default();
        SliceSummary::of(start(k), total as u64, versions, stats, 100)
    }
}

/// Start of slice `k`.
pub(super) fn start(k: usize) -> i64 {
    EPOCH + 300 * k as i64
}

/// A function with `count` self (and total) samples.
pub(super) fn stat(name: &str, count: u64) -> FunctionStat {
    FunctionStat {
        name: name.to_owned(),
        self_percent: 0.0,
        self_samples: count,
        total_samples: count,
        part_self_samples: Vec::new(),
    }
}

/// A confirmed event as the store keeps it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Confirmation {
    /// The slice whose call confirmed it.
    pub(super) slice: usize,
    pub(super) finding: Finding,
    pub(super) kind: EventKind,
    pub(super) shifted_from: Option<String>,
    pub(super) version: Option<VersionChange>,
}

/// What the caller stores: open events, and everything that happened to each.
#[derive(Debug, Default)]
pub(super) struct Store {
    pub(super) open: Vec<OpenEvent>,
    next_id: i64,
    /// Function of every event id ever created.
    pub(super) functions: HashMap<i64, String>,
    pub(super) suspected: Vec<(usize, Finding)>,
    pub(super) confirmed: Vec<Confirmation>,
    pub(super) went_away: Vec<(usize, String)>,
    pub(super) resolved: Vec<(usize, String)>,
    pub(super) settled: Vec<(usize, String)>,
}

impl Store {
    /// Applies the changes of the call made after slice `k`.
    pub(super) fn apply(&mut self, k: usize, changes: Vec<Change>) {
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
                    self.open.push(OpenEvent {
                        id: self.next_id,
                        function: finding.function.clone(),
                        state: EventState::Suspected,
                        suspected_at,
                        first_recent,
                        changed_at: finding.changed_at,
                        before_percent: finding.before_percent,
                        confirmed_at: None,
                    });
                    self.suspected.push((k, finding));
                }
                Change::Confirmed {
                    id,
                    at,
                    finding,
                    kind,
                    shifted_from,
                    version,
                } => {
                    let event = self.open.iter_mut().find(|e| e.id == id).expect("open");
                    assert_eq!(event.state, EventState::Suspected, "confirmed twice");
                    event.state = EventState::Confirmed;
                    event.confirmed_at = Some(at);
                    event.changed_at = finding.changed_at;
                    event.before_percent = finding.before_percent;
                    self.confirmed.push(Confirmation {
                        slice: k,
                        finding,
                        kind,
                        shifted_from,
                        version,
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
pub(super) fn run(model: &Model, seed: u64, slices: usize, settings: &DetectorSettings) -> Store {
    let mut rng = SplitMix(seed);
    let keep = settings.history_slices();
    let mut history: Vec<SliceSummary> = Vec::with_capacity(keep + 1);
    let mut store = Store::default();
    for k in 0..slices {
        history.push(model.slice(&mut rng, k));
        if history.len() > keep {
            history.remove(0);
        }
        let changes = examine(&history, &store.open, settings);
        store.apply(k, changes);
    }
    store
}

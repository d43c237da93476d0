//! What the regressions show on `/metrics` (docs/regressions.md): the event transitions this
//! process stored, and the regressions confirmed now.

use prometheus::{IntCounterVec, IntGauge, Opts};

use super::store::{EventWrite, RegressionCounts};
use pf_detection::model::{Change, EventKind, EventState};
use pf_infra::telemetry::Metrics;

/// The regressions' metrics, registered in the process's registry.
#[derive(Debug)]
pub struct RegressionMetrics {
    /// `regressions_total{kind, state}`: event transitions this process stored.
    pub transitions: IntCounterVec,
    /// `regressions_active`: confirmed regressions in the store now (the same on every replica).
    pub active: IntGauge,
    /// `memory_leaks_active`: confirmed leaks (docs/regressions.md#memory-that-only-grows) in the
    /// store now, among the above.
    pub leaks: IntGauge,
}

impl RegressionMetrics {
    /// Registers the regressions' metrics.
    pub fn new(metrics: &Metrics) -> prometheus::Result<Self> {
        let transitions = IntCounterVec::new(
            Opts::new(
                "regressions_total",
                "Regression events that reached a state in this process, by kind and state",
            ),
            &["kind", "state"],
        )?;
        let active = IntGauge::new(
            "regressions_active",
            "Regressions confirmed and not resolved, in the store",
        )?;
        let leaks = IntGauge::new(
            "memory_leaks_active",
            "Memory leaks confirmed and not resolved, in the store",
        )?;
        metrics.register(Box::new(transitions.clone()))?;
        metrics.register(Box::new(active.clone()))?;
        metrics.register(Box::new(leaks.clone()))?;
        Ok(RegressionMetrics {
            transitions,
            active,
            leaks,
        })
    }

    /// Shows the store's `counts`: the confirmed events, and the confirmed leaks among them.
    pub fn show(&self, counts: &RegressionCounts) {
        let gauge = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.active.set(gauge(counts.active));
        let leaks = counts
            .by_kind_and_state
            .iter()
            .filter(|&&(kind, state, _)| kind == EventKind::Leak && state == EventState::Confirmed)
            .map(|&(_, _, n)| n)
            .sum();
        self.leaks.set(gauge(leaks));
    }

    /// Counts the transitions of stored `changes`.
    pub fn count(&self, changes: &[EventWrite]) {
        for write in changes {
            let state = match write.change {
                Change::Suspected { .. } => EventState::Suspected,
                Change::Confirmed(_) => EventState::Confirmed,
                Change::WentAway { .. } => EventState::WentAway,
                Change::Resolved { .. } => EventState::Resolved,
                Change::Settled { .. } => EventState::Settled,
                // Not a transition.
                Change::Remeasured { .. } => continue,
            };
            self.transitions
                .with_label_values(&[write.kind.as_str(), state.as_str()])
                .inc();
        }
    }
}

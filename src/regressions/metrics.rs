//! What the regressions show on `/metrics` (SPEC §15): the event transitions this process
//! stored, and the regressions confirmed now.

use prometheus::{IntCounterVec, IntGauge, Opts};

use super::model::{Change, EventState};
use super::store::EventWrite;
use crate::infra::telemetry::Metrics;

/// The regressions' metrics, registered in the process's registry.
#[derive(Debug)]
pub struct RegressionMetrics {
    /// `regressions_total{kind, state}`: event transitions this process stored.
    pub transitions: IntCounterVec,
    /// `regressions_active`: confirmed regressions in the store now (the same on every replica).
    pub active: IntGauge,
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
        metrics.register(Box::new(transitions.clone()))?;
        metrics.register(Box::new(active.clone()))?;
        Ok(RegressionMetrics {
            transitions,
            active,
        })
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
            };
            self.transitions
                .with_label_values(&[write.kind.as_str(), state.as_str()])
                .inc();
        }
    }
}

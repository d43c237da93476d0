//! What the watcher shows on `/metrics` (SPEC §13): its own progress, and every series' latest
//! summary as gauges, so Prometheus sees profiles as time series without recording rules.

use prometheus::{Gauge, GaugeVec, IntCounterVec, IntGauge, IntGaugeVec, Opts};

use crate::infra::telemetry::Metrics;
use crate::model::percent_of;
use crate::regressions::model::{Change, EventState};
use crate::regressions::store::EventWrite;
use crate::watch::store::SeriesSummary;

/// The watcher's metrics, registered in the process's registry.
pub struct WatchMetrics {
    /// `watch_slices_total{outcome}`: summarized, empty, skipped (summarized before) or error.
    pub slices: IntCounterVec,
    /// `watch_lag_seconds`: age of the end of the oldest slice not summarized yet.
    pub lag: Gauge,
    /// `regressions_total{kind, state}`: event transitions this process stored.
    pub regressions: IntCounterVec,
    /// `regressions_active`: confirmed regressions in the store now (the same on every replica).
    pub regressions_active: IntGauge,
    self_ratio: GaugeVec,
    slice_samples: IntGaugeVec,
    export_functions: usize,
}

impl WatchMetrics {
    /// Registers the watcher's metrics; `export_functions` functions per series are exported.
    pub fn new(metrics: &Metrics, export_functions: usize) -> prometheus::Result<Self> {
        let slices = IntCounterVec::new(
            Opts::new(
                "watch_slices_total",
                "Slices of series handled by the watcher, by outcome",
            ),
            &["outcome"],
        )?;
        let lag = Gauge::new(
            "watch_lag_seconds",
            "Seconds since the end of the oldest slice not summarized yet",
        )?;
        let self_ratio = GaugeVec::new(
            Opts::new(
                "profile_function_self_ratio",
                "Self share (0-1) of a function in its series' latest summary",
            ),
            &["app", "type", "function"],
        )?;
        let slice_samples = IntGaugeVec::new(
            Opts::new(
                "profile_slice_samples",
                "Total samples of a series' latest summary",
            ),
            &["app", "type"],
        )?;
        let regressions = IntCounterVec::new(
            Opts::new(
                "regressions_total",
                "Regression events that reached a state in this process, by kind and state",
            ),
            &["kind", "state"],
        )?;
        let regressions_active = IntGauge::new(
            "regressions_active",
            "Regressions confirmed and not resolved, in the store",
        )?;
        metrics.register(Box::new(regressions.clone()))?;
        metrics.register(Box::new(regressions_active.clone()))?;
        metrics.register(Box::new(slices.clone()))?;
        metrics.register(Box::new(lag.clone()))?;
        metrics.register(Box::new(self_ratio.clone()))?;
        metrics.register(Box::new(slice_samples.clone()))?;
        Ok(WatchMetrics {
            slices,
            lag,
            self_ratio,
            slice_samples,
            export_functions,
            regressions,
            regressions_active,
        })
    }

    /// Counts one slice's outcome.
    pub fn count(&self, outcome: &str) {
        self.slices.with_label_values(&[outcome]).inc();
    }

    /// Counts the transitions of stored `changes`.
    pub fn count_changes(&self, changes: &[EventWrite]) {
        for write in changes {
            let state = match write.change {
                Change::Suspected { .. } => EventState::Suspected,
                Change::Confirmed(_) => EventState::Confirmed,
                Change::WentAway { .. } => EventState::WentAway,
                Change::Resolved { .. } => EventState::Resolved,
                Change::Settled { .. } => EventState::Settled,
            };
            self.regressions
                .with_label_values(&[write.kind.as_str(), state.as_str()])
                .inc();
        }
    }

    /// Shows exactly `latest`: series missing from it disappear.
    pub fn show(&self, latest: &[SeriesSummary]) {
        self.self_ratio.reset();
        self.slice_samples.reset();
        for SeriesSummary { series, summary } in latest {
            let (app, t) = (series.app.as_str(), series.profile_type.as_str());
            let samples = i64::try_from(summary.total_samples).unwrap_or(i64::MAX);
            self.slice_samples.with_label_values(&[app, t]).set(samples);
            for f in summary.functions.iter().take(self.export_functions) {
                let ratio = percent_of(f.self_samples, summary.total_samples) / 100.0;
                self.self_ratio
                    .with_label_values(&[app, t, f.name.as_str()])
                    .set(ratio);
            }
        }
    }
}

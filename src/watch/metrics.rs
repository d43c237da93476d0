//! What the watcher shows on `/metrics` (docs/profiles-over-time.md): its own progress, and every
//! series' latest summary as gauges, so Prometheus sees profiles as time series without recording
//! rules.

use prometheus::{Gauge, GaugeVec, IntCounterVec, IntGaugeVec, Opts};

use crate::infra::telemetry::Metrics;
use crate::model::percent_of;
use crate::watch::store::SeriesSummary;

/// The watcher's metrics, registered in the process's registry.
pub struct WatchMetrics {
    /// `watch_slices_total{outcome}`: summarized, empty, skipped (summarized before) or error.
    pub slices: IntCounterVec,
    /// `watch_lag_seconds`: age of the end of the oldest slice not summarized yet.
    pub lag: Gauge,
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
        })
    }

    /// Counts one slice's outcome.
    pub fn count(&self, outcome: &str) {
        self.slices.with_label_values(&[outcome]).inc();
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

//! What the watcher shows on `/metrics` (docs/profiles-over-time.md): its own progress, and every
//! series' latest summary as gauges, so Prometheus sees profiles as time series without recording
//! rules.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use prometheus::{Gauge, GaugeVec, IntCounterVec, IntGaugeVec, Opts};

use crate::store::{Series, SeriesSummary};
use pf_infra::telemetry::Metrics;
use pf_model::percent_of;

/// The watcher's metrics, registered in the process's registry.
pub struct WatchMetrics {
    /// `watch_slices_total{outcome}`: summarized, empty, skipped (summarized before) or error.
    pub slices: IntCounterVec,
    /// `watch_lag_seconds`: age of the end of the oldest slice not summarized yet.
    pub lag: Gauge,
    self_ratio: GaugeVec,
    slice_samples: IntGaugeVec,
    export_functions: usize,
    /// What the gauges show of each series: its slice and the functions exported of it.
    shown: Mutex<HashMap<Series, Shown>>,
}

/// A series' summary as the gauges show it.
struct Shown {
    start: i64,
    functions: Vec<String>,
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
            shown: Mutex::default(),
        })
    }

    /// Counts one slice's outcome.
    pub fn count(&self, outcome: &str) {
        self.slices.with_label_values(&[outcome]).inc();
    }

    /// Shows each series' newest summary of a slice starting at or after `since`: `written`
    /// holds the summaries written since the last call (every one on the first), a summary
    /// older than the one shown is left out, and a series whose shown slice starts before
    /// `since` disappears. Only what changed is touched: at 10 000 apps, rebuilding every
    /// gauge each refresh took most of a core (docs/performance.md, "The watcher at 10 000
    /// apps").
    pub fn show(&self, written: &[SeriesSummary], since: i64) {
        let mut shown = self.shown.lock().unwrap_or_else(PoisonError::into_inner);
        for SeriesSummary { series, summary } in written {
            if shown.get(series).is_some_and(|s| s.start >= summary.start) {
                continue;
            }
            if let Some(old) = shown.remove(series) {
                self.forget(series, &old);
            }
            let (app, t) = (series.app.as_str(), series.profile_type.as_str());
            let samples = i64::try_from(summary.total_samples).unwrap_or(i64::MAX);
            self.slice_samples.with_label_values(&[app, t]).set(samples);
            let exported = summary.functions.iter().take(self.export_functions);
            for f in exported.clone() {
                let ratio = percent_of(f.self_samples, summary.total_samples) / 100.0;
                self.self_ratio
                    .with_label_values(&[app, t, f.name.as_str()])
                    .set(ratio);
            }
            let functions = exported.map(|f| f.name.clone()).collect();
            let start = summary.start;
            shown.insert(series.clone(), Shown { start, functions });
        }
        shown.retain(|series, s| {
            let keep = s.start >= since;
            if !keep {
                self.forget(series, s);
            }
            keep
        });
    }

    /// Takes `series`' gauges away.
    fn forget(&self, series: &Series, shown: &Shown) {
        let (app, t) = (series.app.as_str(), series.profile_type.as_str());
        // A gauge missing already is what is wanted.
        let _ = self.slice_samples.remove_label_values(&[app, t]);
        for f in &shown.functions {
            let _ = self.self_ratio.remove_label_values(&[app, t, f.as_str()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pf_model::trend::{KeptFunction, SliceSummary};
    use pf_model::ProfileType;

    fn written(app: &str, start: i64, functions: &[(&str, u64)]) -> SeriesSummary {
        SeriesSummary {
            series: Series {
                app: app.parse().unwrap(),
                profile_type: ProfileType::Cpu,
            },
            summary: SliceSummary {
                start,
                total_samples: 100,
                functions: functions
                    .iter()
                    .map(|(name, s)| KeptFunction::new((*name).to_owned(), *s, *s))
                    .collect(),
                versions: Vec::new(),
                refs: Vec::new(),
            },
        }
    }

    /// The `profile_*` lines of `/metrics`, sorted.
    fn lines(metrics: &Metrics) -> Vec<String> {
        let text = metrics.render().unwrap();
        let mut lines: Vec<String> = text
            .lines()
            .filter(|l| l.starts_with("profile_"))
            .map(str::to_owned)
            .collect();
        lines.sort();
        lines
    }

    #[test]
    fn gauges_follow_what_was_written_and_forget_series_not_heard_from() {
        let metrics = Metrics::new(None).unwrap();
        let watch = WatchMetrics::new(&metrics, 2).unwrap();
        watch.show(
            &[
                written("a", 300, &[("f", 50), ("g", 30), ("h", 20)]),
                written("b", 300, &[("x", 10)]),
            ],
            0,
        );
        assert_eq!(
            lines(&metrics),
            [
                r#"profile_function_self_ratio{app="a",function="f",type="cpu"} 0.5"#,
                r#"profile_function_self_ratio{app="a",function="g",type="cpu"} 0.3"#,
                r#"profile_function_self_ratio{app="b",function="x",type="cpu"} 0.1"#,
                r#"profile_slice_samples{app="a",type="cpu"} 100"#,
                r#"profile_slice_samples{app="b",type="cpu"} 100"#,
            ]
        );
        // a's next slice replaces its functions; an older one of b read again changes nothing;
        // nothing new of b.
        watch.show(
            &[
                written("a", 600, &[("k", 70)]),
                written("b", 0, &[("old", 90)]),
            ],
            300,
        );
        assert_eq!(
            lines(&metrics),
            [
                r#"profile_function_self_ratio{app="a",function="k",type="cpu"} 0.7"#,
                r#"profile_function_self_ratio{app="b",function="x",type="cpu"} 0.1"#,
                r#"profile_slice_samples{app="a",type="cpu"} 100"#,
                r#"profile_slice_samples{app="b",type="cpu"} 100"#,
            ]
        );
        // b's newest slice (300) is now before the two slices shown: b disappears.
        watch.show(&[], 600);
        assert_eq!(
            lines(&metrics),
            [
                r#"profile_function_self_ratio{app="a",function="k",type="cpu"} 0.7"#,
                r#"profile_slice_samples{app="a",type="cpu"} 100"#,
            ]
        );
    }
}

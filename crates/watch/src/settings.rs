//! Profile watcher settings (docs/profiles-over-time.md): the slices every app's profiles are
//! summarized in, the leases replicas share the series by, and how long summaries are kept.

use std::num::{NonZeroU32, NonZeroU64, NonZeroUsize};
use std::time::Duration;

use serde::Deserialize;

use pf_infra::durations;
use pf_model::{is_label_name, ProfileType, SliceSecs, Slices};

/// How the fleet's profiles are summarized over time.
#[derive(Debug, Clone, Deserialize)]
pub struct WatchSettings {
    /// Whether a process that hosts the watcher summarizes (off: `/trends` still answers from the store).
    pub enabled: bool,
    /// Length of one slice; slices are aligned to the epoch.
    pub slice_secs: SliceSecs,
    /// How long after a slice ends it is read, so late uploads are in it.
    #[serde(deserialize_with = "durations::secs")]
    pub lag_secs: Duration,
    /// The profile types summarized for every app, read as the domain's types (a name that is
    /// none fails while the settings are read, naming the key).
    pub types: Vec<ProfileType>,
    /// The label whose values name a deploy.
    pub version_label: String,
    /// Functions kept per summary.
    pub top_functions: NonZeroU32,
    /// How long a replica holds a series without renewing it.
    #[serde(deserialize_with = "durations::secs")]
    pub lease_secs: Duration,
    /// Days a summary is kept.
    pub retention_days: NonZeroU64,
    /// Hours an empty store backfills at start-up.
    pub backfill_hours: u64,
    /// Functions per series exported to `/metrics`.
    pub export_functions: u32,
    /// Series summarized at once by one replica.
    pub concurrency: NonZeroUsize,
    /// The regression detector (docs/regressions.md, "A sequential test"): slices each share's
    /// level, noise and correlation are estimated from.
    pub reference_slices: u32,
    /// Slices a step must hold, with `confirm_slices`, before it is confirmed.
    pub recent_slices: u32,
    /// Slices the CUSUM runs over, the newest included.
    pub watched_slices: u32,
    /// Slices after a suspicion before it is decided, and back to normal before a resolution.
    pub confirm_slices: NonZeroU32,
    /// h: the CUSUM's threshold, in standard deviations of a slice's innovation.
    pub cusum_threshold: f64,
    /// k: the CUSUM's drift, in the same units (half the step it is quickest for).
    pub cusum_drift: f64,
    /// Smallest change suspected, in percentage points of the profile.
    pub min_delta_points: f64,
    /// Smallest growth of the function's cost ratio suspected (docs/regressions.md): r ≥ 1 + this.
    pub min_relative: f64,
    /// Whether a confirmed cost shift (cost moved from another function) is delivered.
    pub notify_cost_shifts: bool,
    /// Slices after its confirmation a regression that has not resolved is settled
    /// (docs/regressions.md).
    pub settle_slices: NonZeroU32,
    /// Test builds only: the watcher's round with this number (1 = the first) panics, once in
    /// the process's life, so that tests see the supervisor restart it. 0: never.
    #[cfg(feature = "fault-injection")]
    #[serde(default)]
    pub panic_at_round: u32,
}

impl WatchSettings {
    /// The slice grid: its length, and the lag after which a slice is read.
    pub fn slices(&self) -> Slices {
        Slices {
            slice_secs: self.slice_secs,
            lag_secs: i64::try_from(self.lag_secs.as_secs()).unwrap_or(i64::MAX),
        }
    }

    /// The types, each once, in a stable order.
    pub fn profile_types(&self) -> Vec<ProfileType> {
        let mut types = self.types.clone();
        types.sort_unstable_by_key(|t| t.as_str());
        types.dedup();
        types
    }

    /// The offending key and why, if any.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        let invalid = |key, reason| Err((key, reason));
        if !(10..=86_400).contains(&self.slice_secs.secs()) {
            return invalid("watch.slice_secs", "must be between 10 and 86400");
        }
        if self.lag_secs.as_secs() > 3600 {
            return invalid("watch.lag_secs", "must be at most 3600");
        }
        if self.types.is_empty() {
            return invalid(
                "watch.types",
                "must list at least one profile type: cpu, alloc, lock, wall or inuse",
            );
        }
        if self.version_label.len() > 128 || !is_label_name(&self.version_label) {
            return invalid(
                "watch.version_label",
                "must be a label name ([a-zA-Z_][a-zA-Z0-9_]*)",
            );
        }
        if self.top_functions.get() > 1000 {
            return invalid("watch.top_functions", "must be between 1 and 1000");
        }
        if !(2..=3600).contains(&self.lease_secs.as_secs()) {
            return invalid("watch.lease_secs", "must be between 2 and 3600");
        }
        if self.retention_days.get() > 3650 {
            return invalid("watch.retention_days", "must be between 1 and 3650");
        }
        if self.backfill_hours > self.retention_days.get().saturating_mul(24) {
            return invalid(
                "watch.backfill_hours",
                "must be at most retention_days × 24",
            );
        }
        if self.export_functions > self.top_functions.get() {
            return invalid("watch.export_functions", "must be at most top_functions");
        }
        if self.concurrency.get() > 256 {
            return invalid("watch.concurrency", "must be between 1 and 256");
        }
        self.validate_detector()
    }

    fn validate_detector(&self) -> Result<(), (&'static str, &'static str)> {
        let invalid = |key, reason| Err((key, reason));
        if !(2..=1000).contains(&self.reference_slices) {
            return invalid("watch.reference_slices", "must be between 2 and 1000");
        }
        if !(1..=1000).contains(&self.recent_slices) {
            return invalid("watch.recent_slices", "must be between 1 and 1000");
        }
        if !(2..=1000).contains(&self.watched_slices) {
            return invalid("watch.watched_slices", "must be between 2 and 1000");
        }
        if self.confirm_slices.get() > 1000 {
            return invalid("watch.confirm_slices", "must be between 1 and 1000");
        }
        if !(self.cusum_threshold > 0.0 && self.cusum_threshold <= 1000.0) {
            return invalid("watch.cusum_threshold", "must be above 0 and at most 1000");
        }
        if !(self.cusum_drift >= 0.0 && self.cusum_drift <= 100.0) {
            return invalid("watch.cusum_drift", "must be between 0 and 100");
        }
        if !(self.min_delta_points >= 0.0 && self.min_delta_points <= 100.0) {
            return invalid("watch.min_delta_points", "must be between 0 and 100");
        }
        if !(self.min_relative >= 0.0 && self.min_relative <= 100.0) {
            return invalid("watch.min_relative", "must be between 0 and 100");
        }
        if self.settle_slices.get() > 1_000_000 {
            return invalid("watch.settle_slices", "must be between 1 and 1000000");
        }
        // Settled sooner, the function would be tested against a reference reaching back over
        // its change point (confirmed at least recent + confirm slices after it): the same
        // regression found again.
        let floor = (self.reference_slices.saturating_add(self.watched_slices))
            .saturating_sub(self.recent_slices.saturating_add(self.confirm_slices.get()));
        if self.settle_slices.get() < floor {
            return invalid(
                "watch.settle_slices",
                "must be at least reference_slices + watched_slices - recent_slices - confirm_slices",
            );
        }
        Ok(())
    }
}

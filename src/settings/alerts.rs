//! Alert evaluation and delivery settings (SPEC §10).

use std::time::Duration;

use serde::Deserialize;
use url::Url;

/// How often rules are evaluated, over how much of the recent past, and where alerts go.
#[derive(Debug, Clone, Deserialize)]
pub struct AlertSettings {
    /// Seconds between two evaluations of every enabled rule.
    pub interval_secs: u64,
    /// Seconds of profile each evaluation reads, ending now.
    pub window_secs: u64,
    /// Prometheus Alertmanager (env `ALERTMANAGER_URL`); unset means no Alertmanager.
    pub alertmanager_url: Option<Url>,
    /// How this service is reached by people, for the links in alerts.
    pub public_url: Url,
    /// Bound of one delivery (Alertmanager post or webhook), retries included.
    pub delivery_timeout_secs: u64,
    /// Webhooks in flight at once, per replica.
    pub delivery_concurrency: usize,
    /// Wait before a failed webhook's second attempt, doubled after each further failure.
    pub retry_initial_millis: u64,
    /// The longest wait between two attempts of one webhook.
    pub retry_max_secs: u64,
    /// Attempts of one webhook before it is given up, the first included.
    pub give_up_after_attempts: u32,
    /// Age after which a webhook is not tried again.
    pub give_up_after_secs: u64,
    /// Days a delivered or given-up notification stays in the outbox.
    pub keep_settled_days: u64,
}

impl AlertSettings {
    /// Time between evaluations.
    pub fn interval(&self) -> Duration {
        Duration::from_secs(self.interval_secs)
    }

    /// Bound of one delivery.
    pub fn delivery_timeout(&self) -> Duration {
        Duration::from_secs(self.delivery_timeout_secs)
    }

    /// The offending key and why, if any.
    pub(super) fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        let invalid = |key, reason| Err((key, reason));
        if self.interval_secs == 0 {
            return invalid("alerts.interval_secs", "must be at least 1");
        }
        if self.window_secs == 0 || i64::try_from(self.window_secs).is_err() {
            return invalid("alerts.window_secs", "must be at least 1");
        }
        if self.delivery_timeout_secs == 0 {
            return invalid("alerts.delivery_timeout_secs", "must be at least 1");
        }
        if !(1..=1024).contains(&self.delivery_concurrency) {
            return invalid("alerts.delivery_concurrency", "must be between 1 and 1024");
        }
        if self.retry_initial_millis == 0 {
            return invalid("alerts.retry_initial_millis", "must be at least 1");
        }
        if self.retry_max_secs.saturating_mul(1000) < self.retry_initial_millis {
            return invalid(
                "alerts.retry_max_secs",
                "must be at least retry_initial_millis",
            );
        }
        if self.give_up_after_attempts == 0 {
            return invalid("alerts.give_up_after_attempts", "must be at least 1");
        }
        if !(1..=3650).contains(&self.keep_settled_days) {
            return invalid("alerts.keep_settled_days", "must be between 1 and 3650");
        }
        if self.give_up_after_secs == 0 {
            return invalid("alerts.give_up_after_secs", "must be at least 1");
        }
        if let Some(url) = &self.alertmanager_url {
            if !matches!(url.scheme(), "http" | "https") {
                return invalid("alerts.alertmanager_url", "must be an http(s) URL");
            }
        }
        Ok(())
    }
}

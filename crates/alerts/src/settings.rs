//! Alert evaluation and delivery settings (docs/alerting.md).

use std::num::{NonZeroU32, NonZeroU64, NonZeroUsize};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use pf_delivery::DeliverySettings;
use pf_infra::durations;

/// How often rules are evaluated, over how much of the recent past, and where alerts go.
#[derive(Debug, Clone, Deserialize)]
pub struct AlertSettings {
    /// Time between two evaluations of every enabled rule.
    #[serde(deserialize_with = "durations::positive_secs")]
    pub interval_secs: Duration,
    /// How much of the profile each evaluation reads, ending now.
    #[serde(deserialize_with = "durations::positive_secs")]
    pub window_secs: Duration,
    /// Prometheus Alertmanager (env `ALERTMANAGER_URL`); unset means no Alertmanager.
    pub alertmanager_url: Option<Url>,
    /// How this service is reached by people, for the links in alerts.
    pub public_url: Url,
    /// Bound of one delivery (Alertmanager post or webhook), retries included.
    #[serde(deserialize_with = "durations::positive_secs")]
    pub delivery_timeout_secs: Duration,
    /// Webhooks in flight at once, per replica.
    pub delivery_concurrency: NonZeroUsize,
    /// Wait before a failed webhook's second attempt, doubled after each further failure.
    #[serde(deserialize_with = "durations::positive_millis")]
    pub retry_initial_millis: Duration,
    /// The longest wait between two attempts of one webhook.
    #[serde(deserialize_with = "durations::secs")]
    pub retry_max_secs: Duration,
    /// Attempts of one webhook before it is given up, the first included.
    pub give_up_after_attempts: NonZeroU32,
    /// Age after which a webhook is not tried again.
    #[serde(deserialize_with = "durations::positive_secs")]
    pub give_up_after_secs: Duration,
    /// Days a delivered or given-up notification stays in the outbox.
    pub keep_settled_days: NonZeroU64,
}

impl AlertSettings {
    /// The keys of the section that say where notifications go and how hard each is tried.
    pub fn delivery(&self) -> DeliverySettings {
        DeliverySettings {
            alertmanager_url: self.alertmanager_url.clone(),
            timeout: self.delivery_timeout_secs,
            concurrency: self.delivery_concurrency,
            retry_initial: self.retry_initial_millis,
            retry_max: self.retry_max_secs,
            give_up_after_attempts: self.give_up_after_attempts,
            give_up_after: self.give_up_after_secs,
            keep_settled_days: self.keep_settled_days,
        }
    }

    /// The offending key and why, if any.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        let invalid = |key, reason| Err((key, reason));
        if i64::try_from(self.window_secs.as_secs()).is_err() {
            return invalid("alerts.window_secs", "must be at most 2^63 - 1");
        }
        if self.delivery_concurrency.get() > 1024 {
            return invalid("alerts.delivery_concurrency", "must be between 1 and 1024");
        }
        if self.retry_max_secs < self.retry_initial_millis {
            return invalid(
                "alerts.retry_max_secs",
                "must be at least retry_initial_millis",
            );
        }
        if self.keep_settled_days.get() > 3650 {
            return invalid("alerts.keep_settled_days", "must be between 1 and 3650");
        }
        if let Some(url) = &self.alertmanager_url {
            if !matches!(url.scheme(), "http" | "https") {
                return invalid("alerts.alertmanager_url", "must be an http(s) URL");
            }
        }
        Ok(())
    }
}

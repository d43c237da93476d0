//! Delivery of notifications, beside the work that produces them, never inside it: webhooks
//! from the outbox ([`drain`]), on every replica at once, and alerts to Alertmanager from a
//! queue ([`alertmanager`]), one request at a time. Failures are counted in
//! `alert_notifications_total{target, outcome}` and retried; they never stop a producer.

mod alertmanager;
mod channel;
mod drain;
mod module;
mod outbox;
mod policy;
mod start;
mod status;
mod task;

pub use alertmanager::{AlertmanagerAlert, AlertmanagerQueue};
pub use channel::{link, webhook};
pub use module::DeliveryModule;
pub use outbox::{enqueue, NewNotification, NotificationKind, NotificationOutbox, PgOutbox};
pub use start::{start, Delivery, DeliveryNeeds, DeliverySettings};

use pf_infra::outbound::Failure;
use pf_infra::telemetry::Metrics;

/// Counts one attempt (or a give-up) in `alert_notifications_total`.
fn count(metrics: &Metrics, target: &str, outcome: &str) {
    metrics
        .alert_notifications
        .with_label_values(&[target, outcome])
        .inc();
}

/// A failure in a few words, for logs and the outbox's `last_error`.
fn describe(failure: &Failure) -> String {
    match failure {
        Failure::Timeout => "no answer within the delivery timeout".to_owned(),
        Failure::Unreachable { cause, .. } => cause.clone(),
        Failure::Status { status, .. } | Failure::Throttled { status, .. } => {
            format!("answered {status}")
        }
    }
}

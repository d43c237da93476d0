//! A notification in the outbox: what it is, where it goes, its body, and how often it was tried.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use pf_infra::text_column;

/// What a notification announces. Every kind goes out the same way (a JSON POST to its
/// destination); the kind says what it is in logs, metrics and `/health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A rule's alert fired or resolved (docs/alerting.md).
    AlertWebhook,
    /// A regression found by the profile watcher was confirmed or resolved (docs/regressions.md).
    RegressionWebhook,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::AlertWebhook => "alert_webhook",
            NotificationKind::RegressionWebhook => "regression_webhook",
        }
    }
}

text_column!(NotificationKind);

/// A notification to enqueue, its body already rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    pub kind: NotificationKind,
    /// The `http(s)://` URL it is posted to.
    pub destination: String,
    /// The body, a JSON object; the outbox adds the notification's `id` when it sends it.
    pub payload: Value,
}

/// A notification taken for one attempt.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ClaimedNotification {
    /// Also its `Idempotency-Key`.
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: NotificationKind,
    pub destination: String,
    #[sqlx(json)]
    pub payload: Value,
    /// The number of this attempt, from 1; it fences the settlement of the attempt.
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
}

/// How an attempt ended, for the outbox to record.
#[derive(Debug, Clone, PartialEq)]
pub enum Settlement {
    Delivered,
    /// Try again after the delay (measured on the database's clock).
    Retry {
        after: std::time::Duration,
        error: String,
    },
    GivenUp {
        error: String,
    },
}

/// What `/health` shows of the outbox.
#[derive(Debug, Clone, Default, PartialEq, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct OutboxStats {
    /// Notifications not delivered yet and not given up.
    pub pending: i64,
    /// Notifications given up and not yet pruned (`alerts.keep_settled_days`).
    pub given_up: i64,
    /// When the oldest pending notification was enqueued.
    pub oldest_pending: Option<DateTime<Utc>>,
}

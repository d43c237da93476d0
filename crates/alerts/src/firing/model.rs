//! The evaluator's stored state: one row per pending or firing alert, one per transition.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use pf_delivery::NewNotification;
use pf_infra::text_column;
use pf_model::ProfileType;

/// A stored alert that is not inactive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AlertPhase {
    Pending,
    Firing,
}

impl AlertPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertPhase::Pending => "pending",
            AlertPhase::Firing => "firing",
        }
    }
}

text_column!(AlertPhase);

/// What a transition announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TransitionKind {
    Firing,
    Resolved,
}

impl TransitionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TransitionKind::Firing => "firing",
            TransitionKind::Resolved => "resolved",
        }
    }
}

text_column!(TransitionKind);

/// A rule's pending or firing alert, as the evaluator last saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct StoredAlert {
    pub rule_id: i32,
    pub app_name: String,
    #[sqlx(try_from = "String")]
    pub profile_type: ProfileType,
    #[sqlx(try_from = "String")]
    pub state: AlertPhase,
    /// Pending or firing since.
    pub since: DateTime<Utc>,
    pub value: f64,
    pub threshold: f64,
    pub evaluated_at: DateTime<Utc>,
}

/// One firing or resolution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct AlertTransition {
    pub rule_id: i32,
    pub app_name: String,
    #[sqlx(try_from = "String")]
    pub profile_type: ProfileType,
    #[sqlx(try_from = "String")]
    pub transition: TransitionKind,
    pub value: f64,
    pub threshold: f64,
    pub at: DateTime<Utc>,
    /// The rule's webhook notification of this transition, when it has one: saved with the
    /// transition into the outbox.
    #[serde(skip)]
    #[sqlx(skip)]
    pub notification: Option<NewNotification>,
}

//! `Severity`: how serious crossing a threshold is, shared by baselines, alert rules and triage.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How serious crossing a threshold is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    #[default]
    Warning,
    Critical,
}

impl Severity {
    /// The stored and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// Read from a `varchar` column (`#[sqlx(try_from = "String")]`) in its JSON spelling, as the
/// stores' own enums are (`text_column!`).
impl TryFrom<String> for Severity {
    type Error = serde_json::Error;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        serde_json::from_value(serde_json::Value::String(value))
    }
}

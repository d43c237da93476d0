//! Alert rules for the tests of this crate and of the crates above it.

use chrono::{TimeZone, Utc};

use crate::rules::AlertRule;
use pf_model::{ProfileType, Severity};

/// An alert rule on `checkout`'s CPU, critical, with no channel and no `forSeconds`.
pub fn alert_rule(id: i32, pattern: Option<&str>, threshold: f64, enabled: bool) -> AlertRule {
    let at = Utc
        .timestamp_opt(1_700_000_000, 0)
        .single()
        .unwrap_or_default();
    AlertRule {
        id,
        app_name: "checkout".into(),
        profile_type: ProfileType::Cpu,
        function_pattern: pattern.map(str::to_owned),
        threshold_percent: threshold,
        severity: Severity::Critical,
        notification_channel: None,
        enabled,
        for_seconds: 0,
        created_by: None,
        on_behalf_of: None,
        created_at: at,
        updated_at: at,
    }
}

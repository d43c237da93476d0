//! The checks settings must pass before the service starts; each names the offending key.

use super::{Settings, SettingsError};
use pf_model::ProfileType;

impl Settings {
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        let invalid = |key, reason: &str| {
            Err(SettingsError::Invalid {
                key,
                reason: reason.to_owned(),
            })
        };
        if self.pyroscope.max_nodes_limit < self.pyroscope.max_nodes.get() {
            return invalid(
                "pyroscope.max_nodes_limit",
                "must be at least pyroscope.max_nodes",
            );
        }
        if !(0.0..=100.0).contains(&self.pyroscope.truncation_threshold_percent) {
            return invalid(
                "pyroscope.truncation_threshold_percent",
                "must be within 0..=100",
            );
        }
        // One without the other would be ignored or refused by the gateway, far from the cause.
        match (&self.pyroscope.client_cert, &self.pyroscope.client_key) {
            (Some(_), None) => {
                return invalid(
                    "pyroscope.client_key",
                    "must be set with pyroscope.client_cert (env PYROSCOPE_CLIENT_KEY)",
                )
            }
            (None, Some(_)) => {
                return invalid(
                    "pyroscope.client_cert",
                    "must be set with pyroscope.client_key (env PYROSCOPE_CLIENT_CERT)",
                )
            }
            _ => {}
        }
        if !(0.0..=100.0).contains(&self.triage.min_score) {
            return invalid("triage.min_score", "must be within 0..=100");
        }
        if !(self.diff.warn_regression_points > 0.0 && self.diff.warn_regression_points <= 100.0) {
            return invalid(
                "diff.warn_regression_points",
                "must be within 0 (exclusive) ..=100",
            );
        }
        if !(self.diff.fdr > 0.0 && self.diff.fdr < 1.0) {
            return invalid("diff.fdr", "must be between 0 and 1 (exclusive)");
        }
        if let Err((key, reason)) = self.alerts.validate() {
            return invalid(key, reason);
        }
        if let Err((key, reason)) = self.watch.validate() {
            return invalid(key, reason);
        }
        if let Err((key, reason)) = self.leaks.validate() {
            return invalid(key, reason);
        }
        if self.history_writes.max_delay_ms < self.history_writes.base_delay_ms {
            return invalid(
                "history_writes.max_delay_ms",
                "must be at least history_writes.base_delay_ms",
            );
        }
        if let Err((key, reason)) = self.profiles.validate() {
            return invalid(key, reason);
        }
        if let Err((key, reason)) = self.auth.validate() {
            return invalid(key, &reason);
        }
        for logical in ProfileType::ALL.map(ProfileType::as_str) {
            match self.pyroscope.profile_types.get(logical) {
                Some(ids) if !ids.is_empty() => {}
                _ => {
                    return invalid(
                        "pyroscope.profile_types",
                        "needs candidates for cpu, alloc, lock, wall and inuse",
                    )
                }
            }
            if !self.pyroscope.legacy_suffixes.contains_key(logical) {
                return invalid(
                    "pyroscope.legacy_suffixes",
                    "needs suffixes for cpu, alloc, lock, wall and inuse",
                );
            }
        }
        Ok(())
    }
}

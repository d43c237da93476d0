//! Baselines and baseline stores for the tests of this crate and of the crates above it.

use chrono::{TimeZone, Utc};

use crate::{Baseline, MockBaselineSor};
use pf_infra::sor::SorError;
use pf_model::{ProfileType, Severity};

/// A baseline store whose database is down.
pub fn failing_baselines() -> MockBaselineSor {
    let mut baselines = MockBaselineSor::new();
    baselines
        .expect_list()
        .returning(|_, _| Err(SorError::Unavailable("database down".into())));
    baselines
}

/// A warning baseline of `function` in `app`'s `t`, at `max` percent.
pub fn baseline(app: &str, t: ProfileType, function: &str, max: f64) -> Baseline {
    let at = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
    Baseline {
        id: 1,
        app_name: app.to_owned(),
        profile_type: t,
        function_name: function.to_owned(),
        max_self_percent: max,
        severity: Severity::Warning,
        created_by: None,
        on_behalf_of: None,
        created_at: at,
        updated_at: at,
    }
}

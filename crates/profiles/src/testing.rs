//! Builders of profiles for the tests of this crate and of the crates above it.

use crate::{Profile, ProfileQuery};
use pf_model::{FunctionStat, ProfileType};

/// `app`'s CPU profile of the hour 0–3600: `functions` of 10 000 samples, as [`pct`] counts
/// them.
pub fn cpu_profile(app: &str, functions: Vec<FunctionStat>) -> Profile {
    Profile {
        labels: Default::default(),
        app_name: app.into(),
        profile_type: ProfileType::Cpu,
        from: 0,
        to: 3600,
        profile_type_id: "cpu:id".into(),
        total_samples: 10_000,
        truncated_percent: 0.0,
        functions,
        partial: None,
    }
}

/// Profile Data's answer to `q`, of its app, type and window: `functions` of 1 000 samples, as
/// [`per_mille`] counts them, read as `profile_type_id`.
pub fn per_mille_answer(
    q: ProfileQuery,
    profile_type_id: &str,
    functions: Vec<FunctionStat>,
) -> Profile {
    Profile {
        labels: Default::default(),
        app_name: q.app.into_inner(),
        profile_type: q.profile_type,
        from: q.window.from,
        to: q.window.to,
        profile_type_id: profile_type_id.into(),
        total_samples: 1000,
        truncated_percent: 0.0,
        functions,
        partial: None,
    }
}

//! Regression events the unit tests of this crate and of the front door share.

use crate::store::{EventSignificance, Regression};
use pf_detection::model::{EventKind, EventState};
use pf_model::ProfileType;

/// Event `id` of `function`, confirmed at 0 from 1 %, delivered or not.
pub fn confirmed(id: i64, function: &str, announced: bool) -> Regression {
    Regression {
        id,
        app_name: "ledger".into(),
        profile_type: ProfileType::Cpu,
        function: function.into(),
        state: EventState::Confirmed,
        kind: EventKind::Regression,
        changed_at: 0,
        before_percent: 1.0,
        after_percent: 5.0,
        delta_percent: 4.0,
        cost_ratio: None,
        process_cost_percent: None,
        significance: EventSignificance {
            low: 3.5,
            high: 4.5,
            p_value: 1e-9,
        },
        version: None,
        shifted_from: None,
        suspected_at: 0,
        confirmed_at: Some(0),
        went_away_at: None,
        resolved_at: None,
        settled_at: None,
        announced,
        suspects: Vec::new(),
        range: None,
        suspects_reason: None,
        leak: None,
        first_recent: 0,
    }
}

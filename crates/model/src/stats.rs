//! The analysis vocabulary every source and every business function shares: a function's share
//! of a profile, how a share is computed from integer counts, and how it is rounded for JSON.

use serde::{Deserialize, Serialize, Serializer};
use utoipa::ToSchema;

/// One function's share of a profile, merged over all its call sites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "java/util/HashMap.resize", "selfPercent": 8.21, "selfSamples": 821, "totalSamples": 1200}))]
pub struct FunctionStat {
    /// The name as Pyroscope gave it.
    pub name: String,
    /// selfSamples / profile total × 100, rounded to 2 decimals in JSON.
    #[serde(serialize_with = "round2")]
    pub self_percent: f64,
    /// Samples in the function itself.
    pub self_samples: u64,
    /// Samples in the function and its callees, each stack counted once.
    pub total_samples: u64,
    /// Self samples in each part of the window (`slices`, docs/api.md#how-sure-is-a-diff), aligned
    /// with the window's `parts`, 0 where absent; empty when the window was not cut.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub part_self_samples: Vec<u64>,
}

/// `part / whole × 100` at full precision; 0 for an empty profile. Every share the service
/// reports comes from integer counts through this one function, so a monolith and a split
/// deployment compute the same numbers.
pub fn percent_of(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64 * 100.0
    }
}

/// Rounds a percentage to 2 decimals for JSON; computations keep full precision.
pub fn round2<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(round_percent(*value))
}

/// Whether a share breaches a threshold, both in percent: the one rule of triage, the diff
/// report and the alerts. Compared as shown (rounded to 2 decimals), so that no summary reads
/// "15% > 15%": 15.004 does not breach 15, 15.005 (shown 15.01) does.
pub fn breaches(value: f64, threshold: f64) -> bool {
    round_percent(value) > round_percent(threshold)
}

/// `value` rounded half away from zero to 2 decimals.
pub fn round_percent(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_of_an_empty_profile_are_zero() {
        assert_eq!(percent_of(5, 0), 0.0);
        assert_eq!(percent_of(1, 4), 25.0);
    }

    #[test]
    fn a_threshold_is_breached_only_by_what_shows_above_it() {
        // 14.995 shows as 15.00 (1499.5 rounds away from zero), 15.004 as 15.00, 15.005 as 15.01.
        let cases = [
            (14.995, false),
            (15.0, false),
            (15.004, false),
            (15.005, true),
        ];
        for (value, breached) in cases {
            assert_eq!(breaches(value, 15.0), breached, "{value} against 15");
        }
        assert!(
            !breaches(15.004, 15.004),
            "a threshold is compared as shown too"
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_percent(8.215), 8.22);
        assert_eq!(round_percent(-0.125), -0.13);
    }
}

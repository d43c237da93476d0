//! Profile Data domain types: queries and ranked per-function statistics.

use serde::{Deserialize, Serialize, Serializer};
use utoipa::ToSchema;

use crate::profile::{AppName, ProfileType, TimeWindow};

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
}

/// One app's profile of one type over one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub app_name: String,
    pub profile_type: ProfileType,
    pub from: i64,
    pub to: i64,
    /// The Pyroscope profile-type ID (modern) or query (legacy) that produced it.
    pub profile_type_id: String,
    pub total_samples: u64,
    /// Share of samples Pyroscope folded into synthetic `other` nodes.
    #[serde(serialize_with = "round2")]
    pub truncated_percent: f64,
    pub functions: Vec<FunctionStat>,
}

/// One window of a profile diff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileWindow {
    pub from: i64,
    pub to: i64,
    pub total_samples: u64,
    #[serde(serialize_with = "round2")]
    pub truncated_percent: f64,
    pub functions: Vec<FunctionStat>,
}

/// One app's profile in a baseline and a current window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileDiff {
    pub app_name: String,
    pub profile_type: ProfileType,
    pub profile_type_id: String,
    pub baseline: ProfileWindow,
    pub current: ProfileWindow,
}

/// What to read for `GET /profiles/{appName}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProfileQuery {
    pub app: AppName,
    pub profile_type: ProfileType,
    pub window: TimeWindow,
    pub limit: u32,
}

/// What to read for `GET /profiles/{appName}/diff`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProfileDiffQuery {
    pub app: AppName,
    pub profile_type: ProfileType,
    pub baseline: TimeWindow,
    pub current: TimeWindow,
    pub limit: u32,
}

/// Answer of `GET /profiles/apps`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"apps": ["checkout-service", "inventory-service"]}))]
pub struct AppList {
    pub apps: Vec<String>,
}

/// Rounds a percentage to 2 decimals for JSON; computations keep full precision.
pub fn round2<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(round_percent(*value))
}

/// `value` rounded half away from zero to 2 decimals.
pub fn round_percent(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

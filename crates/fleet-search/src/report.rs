//! Fleet Search answer shapes (v1 and v2 alike), with where each answer came from.

use serde::Serialize;
use utoipa::ToSchema;

use pf_model::{round2, LabelSelector, ProfileType};
use pf_registry::Tier;

/// Where an answer came from (docs/profiles-over-time.md#the-fleet-from-the-summaries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FleetSource {
    /// The profile watcher's summaries of the slices listed in `slices`.
    Summaries,
    /// Pyroscope, one query per app over the whole window.
    Live,
}

/// How an answer from the summaries may differ from a live one over the same slices: exact
/// for the functions every slice kept; a function a slice did not keep had at most that
/// slice's smallest kept self count there, so its self samples fall short by at most the sum
/// of those counts over the app's slices (`maxErrorSamples`, and as a share of the app's
/// total, `maxErrorPercent`), never more.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorBound {
    pub samples: u64,
    /// `samples` / the app's total samples × 100.
    pub percent: f64,
}

/// Serializes a share that may be absent, rounded as every share is.
fn round2_opt<S: serde::Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => round2(v, serializer),
        None => serializer.serialize_none(),
    }
}

/// Where a fleet answer came from
/// (docs/profiles-over-time.md#the-fleet-from-the-summaries), the same in every fleet
/// answer.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    /// `summaries` or `live`.
    pub source: FleetSource,
    /// From the summaries: the starts of the slices read (epoch seconds, ascending; each app's
    /// own are those of its summaries among them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slices: Option<Vec<i64>>,
    /// From the summaries: the largest `maxErrorPercent` of any app answered, i.e. how many
    /// points any selfPercent here may fall short of a live query over the same slices
    /// (a function absent from an app's answer had at most its `maxErrorPercent` there).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "round2_opt")]
    pub max_error_percent: Option<f64>,
}

/// An app that could not be read; the others are still answered.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"app": "legacy-billing", "error": "no answer within 10s"}))]
#[serde(rename_all = "camelCase")]
pub struct FailedApp {
    pub app: String,
    pub error: String,
    /// From the summaries: the starts of the window's slices the profile watcher tried and
    /// could not read for this app (docs/profiles-over-time.md#whole-or-live); absent in a
    /// live answer, where the app's whole window failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_slices: Option<Vec<i64>>,
}

/// Answer of `GET /search`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "query": "HashMap.resize", "profileType": "alloc", "from": 1763805600, "to": 1763809200,
    "matchCount": 2,
    "matches": [
        {"app": "checkout-service", "function": "java/util/HashMap.resize", "selfPercent": 8.21,
         "selfSamples": 821, "teamOwner": "team-payments", "tier": "critical", "notificationChannel": "#payments-oncall"},
        {"app": "inventory-service", "function": "java/util/HashMap.resize", "selfPercent": 3.4, "selfSamples": 340}
    ],
    "appsQueried": 3,
    "failedApps": [{"app": "legacy-billing", "error": "no answer within 10s"}],
    "source": "live"
}))]
pub struct SearchReport {
    pub query: String,
    pub profile_type: ProfileType,
    pub from: i64,
    pub to: i64,
    /// The label matchers applied to every app; absent when none were given.
    #[serde(skip_serializing_if = "LabelSelector::is_empty")]
    #[schema(value_type = Option<String>)]
    pub labels: LabelSelector,
    pub match_count: usize,
    /// By selfPercent, largest first, then app and function.
    pub matches: Vec<SearchMatch>,
    pub apps_queried: usize,
    pub failed_apps: Vec<FailedApp>,
    /// Where the answer came from.
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// A function of one app matching the search.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchMatch {
    pub app: String,
    /// The name as Pyroscope gave it.
    pub function: String,
    #[serde(serialize_with = "round2")]
    pub self_percent: f64,
    pub self_samples: u64,
    /// v2, present when the app is registered (null when the registry has no owner).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub team_owner: Option<Option<String>>,
    /// v2, present when the app is registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    /// v2, present when the app is registered (null when the registry has no channel); a
    /// webhook as its scheme, host and fingerprint only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub notification_channel: Option<Option<String>>,
    /// From the summaries: the most selfSamples may fall short of a live query (see
    /// [`ErrorBound`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_error_samples: Option<u64>,
    /// From the summaries: the same as a share of the app's total samples.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "round2_opt")]
    pub max_error_percent: Option<f64>,
}

/// Answer of `GET /fleet/hotspots`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "profileType": "cpu", "from": 1763805600, "to": 1763809200, "appsQueried": 2, "failedApps": [],
    "source": "summaries", "slices": [1763805600, 1763805900, 1763806200], "maxErrorPercent": 0.4,
    "hotspots": [{
        "function": "com/fasterxml/jackson/databind/ObjectMapper.readValue", "serviceCount": 2,
        "maxSelfPercent": 12.5, "impactScore": 25.0, "criticalServiceCount": 1,
        "services": [
            {"app": "checkout-service", "selfPercent": 12.5, "teamOwner": "team-payments", "tier": "critical", "maxErrorPercent": 0.4},
            {"app": "inventory-service", "selfPercent": 4.1, "maxErrorPercent": 0.25}
        ]
    }]
}))]
pub struct HotspotReport {
    pub profile_type: ProfileType,
    pub from: i64,
    pub to: i64,
    /// The label matchers applied to every app; absent when none were given.
    #[serde(skip_serializing_if = "LabelSelector::is_empty")]
    #[schema(value_type = Option<String>)]
    pub labels: LabelSelector,
    pub apps_queried: usize,
    pub failed_apps: Vec<FailedApp>,
    /// Where the answer came from.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// By impactScore, then serviceCount (both largest first), then function.
    pub hotspots: Vec<Hotspot>,
}

/// A function hot in one or more apps, grouped by normalised name.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Hotspot {
    /// The name as Pyroscope gave it in the first app (by app name) where it appears.
    pub function: String,
    pub service_count: usize,
    #[serde(serialize_with = "round2")]
    pub max_self_percent: f64,
    /// serviceCount × maxSelfPercent.
    #[serde(serialize_with = "round2")]
    pub impact_score: f64,
    /// v2 with the registry: services of tier `critical`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub critical_service_count: Option<usize>,
    /// By selfPercent, largest first, then app.
    pub services: Vec<HotspotService>,
}

/// One app's share of a hotspot.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HotspotService {
    pub app: String,
    #[serde(serialize_with = "round2")]
    pub self_percent: f64,
    /// v2, present when the app is registered (null when the registry has no owner).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub team_owner: Option<Option<String>>,
    /// v2, present when the app is registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    /// From the summaries: the most selfPercent may fall short of a live query (see
    /// [`ErrorBound`]).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "round2_opt")]
    pub max_error_percent: Option<f64>,
}

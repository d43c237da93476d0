//! Fleet Search request parameters and answer shapes.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::profile::{
    parse_limit, round2, AppName, InputError, LabelSelector, ProfileType, TimeWindow,
};
use crate::sor::registry::Tier;

/// Query of `GET /search`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Required: part of a function name; case-insensitive, `/`, `.` and `::` alike.
    #[param(required = true, pattern = r"\S")]
    pub function: Option<String>,
    /// cpu (default), alloc, lock or wall; aliases accepted.
    #[serde(rename = "type")]
    #[param(rename = "type", inline, value_type = Option<crate::profile::ProfileTypeName>)]
    pub profile_type: Option<String>,
    /// Start, epoch seconds; default one hour before `to`.
    #[param(minimum = 0)]
    pub from: Option<i64>,
    /// End, epoch seconds; default now (floored to 10 s).
    #[param(minimum = 0)]
    pub to: Option<i64>,
    /// Comma-separated app names; default every app with profiles in the window.
    #[param(inline, value_type = Option<crate::profile::AppNameList>)]
    pub apps: Option<String>,
    /// Extra label matchers for every app, Prometheus style: `region=~"eu-.*"`.
    #[param(inline, value_type = Option<crate::profile::SelectorText>)]
    pub labels: Option<String>,
}

/// Query of `GET /fleet/hotspots`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HotspotParams {
    /// cpu (default), alloc, lock or wall; aliases accepted.
    #[serde(rename = "type")]
    #[param(rename = "type", inline, value_type = Option<crate::profile::ProfileTypeName>)]
    pub profile_type: Option<String>,
    /// Hotspots listed, 1..=1000; default 20.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Start, epoch seconds; default one hour before `to`.
    #[param(minimum = 0)]
    pub from: Option<i64>,
    /// End, epoch seconds; default now (floored to 10 s).
    #[param(minimum = 0)]
    pub to: Option<i64>,
    /// Comma-separated app names; default every app with profiles in the window.
    #[param(inline, value_type = Option<crate::profile::AppNameList>)]
    pub apps: Option<String>,
    /// Extra label matchers for every app, Prometheus style: `region=~"eu-.*"`.
    #[param(inline, value_type = Option<crate::profile::SelectorText>)]
    pub labels: Option<String>,
}

/// Which apps, which profile type, which window.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetScope {
    pub profile_type: ProfileType,
    pub window: TimeWindow,
    /// `None`: every app Profile Data knows in the window.
    pub apps: Option<Vec<AppName>>,
    /// Joined to each app's selector.
    pub labels: LabelSelector,
}

impl FleetScope {
    fn parse(
        profile_type: Option<&str>,
        from: Option<i64>,
        to: Option<i64>,
        (apps, labels): (Option<&str>, Option<&str>),
        now: i64,
    ) -> Result<Self, InputError> {
        Ok(FleetScope {
            profile_type: profile_type.unwrap_or("cpu").parse()?,
            window: TimeWindow::resolve(from, to, now)?,
            apps: parse_apps(apps)?,
            labels: LabelSelector::parse(labels, "labels")?,
        })
    }
}

/// A comma list of app names, deduplicated and sorted; blank means "all apps".
fn parse_apps(raw: Option<&str>) -> Result<Option<Vec<AppName>>, InputError> {
    let Some(raw) = raw else { return Ok(None) };
    let mut apps = raw
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| AppName::parse_field(a, "apps"))
        .collect::<Result<Vec<_>, _>>()?;
    apps.sort();
    apps.dedup();
    Ok((!apps.is_empty()).then_some(apps))
}

/// A validated search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// The search text, trimmed.
    pub function: String,
    pub scope: FleetScope,
}

impl SearchRequest {
    pub fn parse(params: SearchParams, now: i64) -> Result<Self, InputError> {
        let function = params
            .function
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .ok_or_else(|| {
                InputError::new(
                    "missing_field",
                    "function is required and must not be blank",
                )
            })?
            .to_owned();
        let scope = FleetScope::parse(
            params.profile_type.as_deref(),
            params.from,
            params.to,
            (params.apps.as_deref(), params.labels.as_deref()),
            now,
        )?;
        Ok(SearchRequest { function, scope })
    }
}

/// A validated hotspot query.
#[derive(Debug, Clone, PartialEq)]
pub struct HotspotRequest {
    pub limit: u32,
    pub scope: FleetScope,
}

impl HotspotRequest {
    pub fn parse(params: HotspotParams, now: i64) -> Result<Self, InputError> {
        Ok(HotspotRequest {
            limit: parse_limit(params.limit, 20, 1000)?,
            scope: FleetScope::parse(
                params.profile_type.as_deref(),
                params.from,
                params.to,
                (params.apps.as_deref(), params.labels.as_deref()),
                now,
            )?,
        })
    }
}

/// An app that could not be read; the others are still answered.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"app": "legacy-billing", "error": "no answer within 10s"}))]
pub struct FailedApp {
    pub app: String,
    pub error: String,
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
    "failedApps": [{"app": "legacy-billing", "error": "no answer within 10s"}]
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
    /// v2, present when the app is registered (null when the registry has no channel).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub notification_channel: Option<Option<String>>,
}

/// Answer of `GET /fleet/hotspots`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "profileType": "cpu", "from": 1763805600, "to": 1763809200, "appsQueried": 2, "failedApps": [],
    "hotspots": [{
        "function": "com/fasterxml/jackson/databind/ObjectMapper.readValue", "serviceCount": 2,
        "maxSelfPercent": 12.5, "impactScore": 25.0, "criticalServiceCount": 1,
        "services": [
            {"app": "checkout-service", "selfPercent": 12.5, "teamOwner": "team-payments", "tier": "critical"},
            {"app": "inventory-service", "selfPercent": 4.1}
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
}

//! Fleet Search request parameters, validated into requests.

use serde::Deserialize;
use utoipa::IntoParams;

use pf_model::{
    parse_limit, AppName, InputError, LabelSelector, ProfileType, TimeWindow, WindowBounds,
};

/// Query of `GET /search` and `GET /fleet/hotspots`: which apps, type, window and source.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScopeParams {
    /// cpu (default), alloc, lock or wall; aliases accepted.
    #[serde(rename = "type")]
    #[param(rename = "type", inline, value_type = Option<pf_model::ProfileTypeName>)]
    pub profile_type: Option<String>,
    /// Start, epoch seconds; default one hour before `to`.
    #[param(minimum = 0)]
    pub from: Option<i64>,
    /// End, epoch seconds; default now (floored to 10 s).
    #[param(minimum = 0)]
    pub to: Option<i64>,
    /// Comma-separated app names; default every app with profiles in the window.
    #[param(inline, value_type = Option<pf_model::AppNameList>)]
    pub apps: Option<String>,
    /// Extra label matchers for every app, Prometheus style: `region=~"eu-.*"` (answered
    /// live: summaries are per app).
    #[param(inline, value_type = Option<pf_model::SelectorText>)]
    pub labels: Option<String>,
    /// `live` asks Pyroscope, one query per app; `summaries` (default) answers from the
    /// profile watcher's summaries when it runs and has some in the window, else live.
    #[param(pattern = "^(live|summaries)$")]
    pub source: Option<String>,
}

/// Query of `GET /search` besides its [`ScopeParams`].
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Required: part of a function name; case-insensitive, `/`, `.` and `::` alike.
    #[param(required = true, pattern = r"\S")]
    pub function: Option<String>,
}

/// Query of `GET /fleet/hotspots` besides its [`ScopeParams`].
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HotspotParams {
    /// Hotspots listed, 1..=1000; default 20.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
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
    /// Where the answer may come from.
    pub source: SourceChoice,
}

/// Where a fleet answer may come from
/// (docs/profiles-over-time.md#the-fleet-from-the-summaries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceChoice {
    /// The watcher's summaries when it has some for the window (and no label matchers are
    /// given), else Pyroscope.
    #[default]
    Summaries,
    /// Pyroscope, one query per app.
    Live,
}

impl SourceChoice {
    fn parse(raw: Option<&str>) -> Result<Self, InputError> {
        match raw.map(str::trim) {
            None | Some("summaries") => Ok(SourceChoice::Summaries),
            Some("live") => Ok(SourceChoice::Live),
            Some(other) => Err(InputError::new(
                "invalid_source",
                format!("source must be live or summaries, got {other:?}"),
            )),
        }
    }
}

impl ScopeParams {
    /// The apps, type, window and source asked for, validated; `bounds` hold the window.
    fn parse(&self, bounds: WindowBounds) -> Result<FleetScope, InputError> {
        Ok(FleetScope {
            profile_type: self.profile_type.as_deref().unwrap_or("cpu").parse()?,
            window: bounds.resolve(self.from, self.to)?,
            apps: parse_apps(self.apps.as_deref())?,
            labels: LabelSelector::parse(self.labels.as_deref(), "labels")?,
            source: SourceChoice::parse(self.source.as_deref())?,
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
    pub fn parse(
        params: SearchParams,
        scope: &ScopeParams,
        bounds: WindowBounds,
    ) -> Result<Self, InputError> {
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
        let scope = scope.parse(bounds)?;
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
    pub fn parse(
        params: HotspotParams,
        scope: &ScopeParams,
        bounds: WindowBounds,
    ) -> Result<Self, InputError> {
        Ok(HotspotRequest {
            limit: parse_limit(params.limit, 20, 1000)?,
            scope: scope.parse(bounds)?,
        })
    }
}

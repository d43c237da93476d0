//! Diff Report request parameters and answer shapes.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::significance::{DeltaInterval, SignificanceSummary};
use pf_commits::SuspectsAnswer;
use pf_http::access::Attribution;
pub use pf_model::ReportFormat;
use pf_model::{
    optional_text, parse_limit, parse_slices, round2, AppName, InputError, LabelSelector,
    ProfileType, TimeWindow, WindowBounds,
};

/// Query of `GET /diff/{appName}`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffParams {
    /// Start of the current window, epoch seconds; default one hour before `to`.
    #[param(minimum = 0)]
    pub from: Option<i64>,
    /// End of the current window, epoch seconds; default now (floored to 10 s).
    #[param(minimum = 0)]
    pub to: Option<i64>,
    /// Start of the baseline window; default `baselineTo` minus the current window's length.
    #[serde(rename = "baselineFrom")]
    #[param(minimum = 0, rename = "baselineFrom")]
    pub baseline_from: Option<i64>,
    /// End of the baseline window; default `from`.
    #[serde(rename = "baselineTo")]
    #[param(minimum = 0, rename = "baselineTo")]
    pub baseline_to: Option<i64>,
    /// cpu (default), alloc, lock or wall; aliases accepted.
    #[serde(rename = "type")]
    #[param(rename = "type", inline, value_type = Option<pf_model::ProfileTypeName>)]
    pub profile_type: Option<String>,
    /// Changed functions listed, 1..=1000; default 20.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// `json` (default), `markdown`, `svg` (a differential flame graph) or `html` (one
    /// self-contained page); case-insensitive.
    #[param(inline, value_type = Option<DiffFormatName>)]
    pub format: Option<String>,
    /// Extra label matchers for both sides, Prometheus style: `region=~"eu-.*"`.
    #[param(inline, value_type = Option<pf_model::SelectorText>, example = "region=~\"eu-.*\"")]
    pub labels: Option<String>,
    /// Matchers of the baseline side only, e.g. the stable pods (`track="stable"`). With
    /// either side's labels and no baseline window, both sides read the current window.
    #[serde(rename = "baselineLabels")]
    #[param(inline, value_type = Option<pf_model::SelectorText>, rename = "baselineLabels", example = "track=\"stable\"")]
    pub baseline_labels: Option<String>,
    /// Matchers of the current side only, e.g. the canary (`track="canary"`).
    #[serde(rename = "currentLabels")]
    #[param(inline, value_type = Option<pf_model::SelectorText>, rename = "currentLabels", example = "track=\"canary\"")]
    pub current_labels: Option<String>,
    /// Each window is also read in this many parts (at most one per 10 s; 0 = off, at most 60;
    /// default 10), so every delta gets a 95 % interval and the verdict ignores noise.
    #[param(minimum = 0, maximum = 60, example = 10)]
    pub slices: Option<i64>,
    /// When both sides' profiles name commits (`service_git_ref`), the repository whose
    /// commits between them are ranked against the largest regression
    /// (docs/regressions.md#the-change-that-caused-it): a URL or app of `[repositories.dirs]`;
    /// default the current side's `service_repository` label, else the app.
    #[param(max_length = 2048, example = "https://github.com/acme/checkout")]
    pub repository: Option<String>,
}

/// What `GET /diff/{appName}` answers in.
pub const DIFF_FORMATS: [ReportFormat; 4] = [
    ReportFormat::Json,
    ReportFormat::Markdown,
    ReportFormat::Svg,
    ReportFormat::Html,
];

pf_model::documented! {
    /// The OpenAPI schema of the diff route's `format`.
    pub struct DiffFormatName = ReportFormat::schema_of(&DIFF_FORMATS);
}

/// A validated diff request.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffRequest {
    pub app: AppName,
    pub profile_type: ProfileType,
    pub current: TimeWindow,
    pub baseline: TimeWindow,
    pub limit: u32,
    pub format: ReportFormat,
    /// The matchers of both sides.
    pub labels: LabelSelector,
    /// The matchers of each side only (a canary comparison).
    pub baseline_labels: LabelSelector,
    pub current_labels: LabelSelector,
    /// Who asked, as the history record names them (`pf_http::access`); none for the
    /// service's own assessments.
    pub requested_by: Option<Attribution>,
    /// Parts per window for the statistics of docs/api.md#how-sure-is-a-diff; 0 = none.
    pub slices: u32,
    /// The repository `?repository=` names, for the commits of
    /// docs/regressions.md#the-change-that-caused-it.
    pub repository: Option<String>,
}

impl DiffRequest {
    /// Validates the path and query; `bounds` hold both windows (the current one ends now by
    /// default).
    pub fn parse(
        app: AppName,
        params: DiffParams,
        bounds: WindowBounds,
        requested_by: Option<Attribution>,
    ) -> Result<Self, InputError> {
        let current = bounds.resolve(params.from, params.to)?;
        let format = ReportFormat::parse(params.format.as_deref(), &DIFF_FORMATS)?;
        let baseline_labels =
            LabelSelector::parse(params.baseline_labels.as_deref(), "baselineLabels")?;
        let current_labels =
            LabelSelector::parse(params.current_labels.as_deref(), "currentLabels")?;
        // A canary comparison: two label sets over the same hour, unless a baseline window is
        // given.
        let canary = !(baseline_labels.is_empty() && current_labels.is_empty())
            && params.baseline_from.is_none()
            && params.baseline_to.is_none();
        Ok(DiffRequest {
            app,
            profile_type: params.profile_type.as_deref().unwrap_or("cpu").parse()?,
            current,
            baseline: if canary {
                current
            } else {
                let baseline_to = params.baseline_to.map(|to| bounds.end(to));
                let baseline = current.baseline(params.baseline_from, baseline_to)?;
                bounds
                    .check(baseline)
                    .map_err(|e| e.within("baseline window"))?
            },
            limit: parse_limit(params.limit, 20, 1000)?,
            format,
            labels: LabelSelector::parse(params.labels.as_deref(), "labels")?,
            baseline_labels,
            current_labels,
            requested_by,
            slices: parse_slices(params.slices)?,
            repository: optional_text(params.repository, "repository", 2048)?,
        })
    }
}

/// Answer of `GET /diff/{appName}` (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "appName": "checkout-service", "profileType": "cpu",
    "baseline": {"from": 1763802000, "to": 1763805600},
    "current": {"from": 1763805600, "to": 1763809200},
    "regressions": [{"function": "com/acme/Pricing.applyDiscounts", "baselinePercent": 2.1,
        "currentPercent": 8.7, "deltaPercent": 6.6, "approvedThreshold": 5.0, "exceedsThreshold": true}],
    "improvements": [{"function": "java/util/HashMap.resize", "baselinePercent": 4.0,
        "currentPercent": 1.5, "deltaPercent": -2.5}],
    "summary": {"regressionsCount": 1, "improvementsCount": 1,
        "topRegression": "com/acme/Pricing.applyDiscounts (+6.6%)", "thresholdBreaches": 1, "verdict": "fail"}
}))]
pub struct DiffReport {
    pub app_name: String,
    pub profile_type: ProfileType,
    pub baseline: TimeWindow,
    pub current: TimeWindow,
    /// Matchers of both sides; absent when none were given.
    #[serde(skip_serializing_if = "LabelSelector::is_empty")]
    #[schema(value_type = Option<String>)]
    pub labels: LabelSelector,
    /// Matchers of the baseline side only (a canary comparison); absent when none.
    #[serde(skip_serializing_if = "LabelSelector::is_empty")]
    #[schema(value_type = Option<String>)]
    pub baseline_labels: LabelSelector,
    /// Matchers of the current side only; absent when none.
    #[serde(skip_serializing_if = "LabelSelector::is_empty")]
    #[schema(value_type = Option<String>)]
    pub current_labels: LabelSelector,
    /// Functions whose share grew, largest change first.
    pub regressions: Vec<DiffEntry>,
    /// Functions whose share shrank, largest change first.
    pub improvements: Vec<DiffEntry>,
    pub summary: DiffSummary,
    /// When both sides name commits (`service_git_ref`): the commits between them most
    /// likely behind the largest regression, or why none is named
    /// (docs/regressions.md#the-change-that-caused-it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspects: Option<SuspectsAnswer>,
}

/// One function's change between the windows, in percentage points.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiffEntry {
    /// The name as Pyroscope gave it (in the current window when present there).
    pub function: String,
    #[serde(serialize_with = "round2")]
    pub baseline_percent: f64,
    #[serde(serialize_with = "round2")]
    pub current_percent: f64,
    /// current − baseline, from unrounded percents, rounded to 2 decimals.
    #[serde(serialize_with = "round2")]
    pub delta_percent: f64,
    /// v2, when the function has an approved baseline for this profile type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_threshold: Option<f64>,
    /// v2: whether `currentPercent` is above `approvedThreshold`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exceeds_threshold: Option<bool>,
    /// The 95 % interval of `deltaPercent` and whether it is significant (with `slices`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub significance: Option<DeltaInterval>,
    /// v2 with a threshold and `slices`: the 95 % interval of `currentPercent`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "round2_some",
        default
    )]
    #[schema(value_type = Option<f64>)]
    pub current_low: Option<f64>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "round2_some",
        default
    )]
    #[schema(value_type = Option<f64>)]
    pub current_high: Option<f64>,
    /// v2 with a threshold and `slices`: `currentLow` > `approvedThreshold`, a breach that is
    /// not noise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breach_significant: Option<bool>,
}

/// An optional percentage rounded to 2 decimals for JSON.
fn round2_some<S: serde::Serializer>(
    value: &Option<f64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => round2(v, serializer),
        None => serializer.serialize_none(),
    }
}

/// `fail` on any threshold breach, `warn` on a large regression, else `pass`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }
}

/// The counts and the verdict.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiffSummary {
    pub regressions_count: usize,
    pub improvements_count: usize,
    /// `"name (+6.6%)"`, or null without regressions.
    pub top_regression: Option<String>,
    /// v2 with baselines: listed functions above their approved threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold_breaches: Option<usize>,
    pub verdict: Verdict,
    /// With `slices`: whether the intervals could be computed, from how many parts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub significance: Option<SignificanceSummary>,
}

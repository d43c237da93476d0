//! Triage request parameters and answer shapes.

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use utoipa::{IntoParams, ToSchema};

use pf_history::AssessmentSeverity;
use pf_http::access::Attribution;
use pf_model::{
    parse_limit, round2, AppName, FunctionStat, InputError, LabelSelector, ProfileType,
    ReportFormat, Severity, TimeWindow, WindowBounds,
};

/// Query of `GET /triage/{appName}`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TriageParams {
    /// Start, epoch seconds; default one hour before `to`.
    #[param(minimum = 0)]
    pub from: Option<i64>,
    /// End, epoch seconds; default now (floored to 10 s).
    #[param(minimum = 0)]
    pub to: Option<i64>,
    /// Comma-separated profile types (aliases accepted); default `cpu,alloc`.
    #[param(inline, value_type = Option<pf_model::ProfileTypeList>)]
    pub types: Option<String>,
    /// Top functions shown per type, 1..=1000; default 10.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// `json` (default) or `html` (one self-contained page with each type's flame graph);
    /// case-insensitive.
    #[param(inline, value_type = Option<TriageFormatName>)]
    pub format: Option<String>,
    /// Extra label matchers, Prometheus style: `version="1.4.2",region=~"eu-.*"`.
    #[param(inline, value_type = Option<pf_model::SelectorText>, example = "version=\"1.4.2\"")]
    pub labels: Option<String>,
}

/// What `GET /triage/{appName}` answers in.
pub const TRIAGE_FORMATS: [ReportFormat; 2] = [ReportFormat::Json, ReportFormat::Html];

pf_model::documented! {
    /// The OpenAPI schema of the triage route's `format`.
    pub struct TriageFormatName = ReportFormat::schema_of(&TRIAGE_FORMATS);
}

/// A validated triage request.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageRequest {
    pub app: AppName,
    pub window: TimeWindow,
    pub types: Vec<ProfileType>,
    pub limit: u32,
    pub format: ReportFormat,
    pub labels: LabelSelector,
    /// Who asked, as the history record names them (`pf_http::access`); none for the
    /// service's own assessments.
    pub requested_by: Option<Attribution>,
}

impl TriageRequest {
    /// Validates the path and query; `bounds` hold the window (its default end is now).
    pub fn parse(
        app: AppName,
        params: TriageParams,
        bounds: WindowBounds,
        requested_by: Option<Attribution>,
    ) -> Result<Self, InputError> {
        Ok(TriageRequest {
            app,
            window: bounds.resolve(params.from, params.to)?,
            types: ProfileType::parse_list(params.types.as_deref().unwrap_or("cpu,alloc"))?,
            limit: parse_limit(params.limit, 10, 1000)?,
            format: ReportFormat::parse(params.format.as_deref(), &TRIAGE_FORMATS)?,
            labels: LabelSelector::parse(params.labels.as_deref(), "labels")?,
            requested_by,
        })
    }
}

/// Answer of `GET /triage/{appName}`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "appName": "checkout-service", "from": 1763805600, "to": 1763809200,
    "profiles": {
        "cpu": {
            "diagnosis": "gc_pressure", "totalSamples": 120000,
            "topFunctions": [{"name": "G1ParScanThreadState::trim_queue_partially", "selfPercent": 22.4, "selfSamples": 26880, "totalSamples": 30100}],
            "recommendation": "Reduce the allocation rate or tune the garbage collector: G1ParScanThreadState::trim_queue_partially takes 22.4% of CPU",
            "evidence": {"matchedFunctions": ["G1ParScanThreadState::trim_queue_partially", "G1 Young Generation"], "matchedPercent": 34.2},
            "baselineViolations": [{"function": "G1ParScanThreadState::trim_queue_partially", "currentPercent": 22.4, "threshold": 15.0, "exceededBy": 7.4, "severity": "warning"}]
        },
        "alloc": {"diagnosis": "unavailable", "error": "Pyroscope answered 503"}
    },
    "summary": {"primaryIssue": "gc_pressure", "severity": "medium",
        "recommendation": "Reduce the allocation rate or tune the garbage collector: G1ParScanThreadState::trim_queue_partially takes 22.4% of CPU",
        "baselineViolations": 1}
}))]
pub struct TriageReport {
    pub app_name: String,
    pub from: i64,
    pub to: i64,
    /// The label matchers the profiles were narrowed to; absent when none were given.
    #[serde(skip_serializing_if = "LabelSelector::is_empty")]
    #[schema(value_type = Option<String>)]
    pub labels: LabelSelector,
    /// One entry per requested type, in request order.
    #[serde(serialize_with = "ordered_map")]
    #[schema(value_type = std::collections::BTreeMap<String, TypeAssessment>)]
    pub profiles: Vec<(ProfileType, TypeAssessment)>,
    pub summary: TriageSummary,
}

/// One profile type's outcome: assessed, or why it could not be.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum TypeAssessment {
    Assessed(Assessment),
    Unavailable(UnavailableType),
}

/// A profile type whose profile could not be read; the other types are still answered.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"diagnosis": "unavailable", "error": "Pyroscope answered 503"}))]
pub struct UnavailableType {
    /// Always `unavailable`.
    pub diagnosis: String,
    pub error: String,
}

/// The assessment of one profile type.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Assessment {
    /// A category of the rules file, the type's default, or `no_data`.
    pub diagnosis: String,
    pub total_samples: u64,
    /// The first `limit` functions by self samples.
    pub top_functions: Vec<FunctionStat>,
    pub recommendation: String,
    pub evidence: EvidenceBody,
    /// v2 with baselines: top functions above their approved threshold (possibly none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_violations: Option<Vec<BaselineViolation>>,
}

/// Why this diagnosis: the functions its patterns matched among the top 50, and their share.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"matchedFunctions": ["G1 Young Generation"], "matchedPercent": 34.2}))]
pub struct EvidenceBody {
    /// Empty for a default diagnosis (no category reached the minimum score).
    pub matched_functions: Vec<String>,
    #[serde(serialize_with = "round2")]
    pub matched_percent: f64,
}

/// A top function above its approved threshold.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BaselineViolation {
    pub function: String,
    #[serde(serialize_with = "round2")]
    pub current_percent: f64,
    #[serde(serialize_with = "round2")]
    pub threshold: f64,
    #[serde(serialize_with = "round2")]
    pub exceeded_by: f64,
    pub severity: Severity,
}

/// The overall outcome.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TriageSummary {
    /// Diagnosis of the type whose top function has the highest selfPercent; `healthy` without data.
    pub primary_issue: String,
    /// From that percent: > 30 high, > 10 medium, else low.
    pub severity: AssessmentSeverity,
    pub recommendation: String,
    /// v2 with baselines: the number of violations over all types.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_violations: Option<usize>,
}

/// Writes `(type, value)` pairs as a JSON object in their order.
fn ordered_map<S: Serializer>(
    entries: &[(ProfileType, TypeAssessment)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(entries.len()))?;
    for (profile_type, assessment) in entries {
        map.serialize_entry(profile_type.as_str(), assessment)?;
    }
    map.end()
}

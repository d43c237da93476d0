//! Triage-history domain types and their request bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::instant::parse_instant;
use super::key::RecordKey;
use pf_infra::sor::json_text::JsonText;
use pf_infra::text_column;
use pf_model::{
    optional_text, parse_limit, required_text, AppName, InputError, LabelSelector, ProfileType,
    MAX_DIAGNOSIS, MAX_RECOMMENDATION, MAX_SHORT_TEXT,
};

/// How urgent an assessment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AssessmentSeverity {
    Low,
    Medium,
    High,
}

impl AssessmentSeverity {
    /// The stored and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentSeverity::Low => "low",
            AssessmentSeverity::Medium => "medium",
            AssessmentSeverity::High => "high",
        }
    }
}

text_column!(AssessmentSeverity);

/// One stored assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "id": 42, "appName": "checkout-service", "profileTypes": "cpu,alloc",
    "diagnosis": "gc_pressure", "severity": "high",
    "topFunctions": {"cpu": [{"name": "G1 Young Generation", "selfPercent": 34.2}]},
    "recommendation": "Tune the heap: G1 Young Generation takes 34.2% of CPU",
    "requestedBy": "dashboards", "onBehalfOf": "alice", "createdAt": "2026-11-22T10:00:00Z"
}))]
pub struct HistoryRecord {
    pub id: i32,
    pub app_name: String,
    /// Comma-separated canonical profile types.
    pub profile_types: String,
    pub diagnosis: String,
    #[sqlx(try_from = "String")]
    pub severity: AssessmentSeverity,
    /// Any JSON: the evidence of the assessment, returned as stored.
    #[sqlx(json(nullable))]
    #[schema(value_type = Option<serde_json::Value>)]
    pub top_functions: Option<JsonText>,
    pub recommendation: Option<String>,
    /// Who asked: with API tokens, the name of the token that authenticated; without, what
    /// `X-Requested-By` said.
    pub requested_by: Option<String>,
    /// With API tokens, whom the request said it acted for (`X-Requested-By`): a claim, kept
    /// beside `requestedBy`. Absent when it made none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    /// The label matchers the assessment was narrowed to; absent for a whole app.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A validated record to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewHistoryRecord {
    /// Given when the record is made; writing it again leaves the stored row as it is.
    pub key: RecordKey,
    pub app_name: AppName,
    pub profile_types: String,
    pub diagnosis: String,
    pub severity: AssessmentSeverity,
    pub top_functions: Option<JsonText>,
    pub recommendation: Option<String>,
    pub requested_by: Option<String>,
    /// A claim kept beside `requested_by` (docs/api.md#who-the-audit-names).
    pub on_behalf_of: Option<String>,
    pub labels: Option<String>,
}

impl NewHistoryRecord {
    /// The record as stored under `id` at `created_at`: the store echoes what it was given.
    pub fn stored(self, id: i32, created_at: DateTime<Utc>) -> HistoryRecord {
        HistoryRecord {
            id,
            app_name: self.app_name.into_inner(),
            profile_types: self.profile_types,
            diagnosis: self.diagnosis,
            severity: self.severity,
            top_functions: self.top_functions,
            recommendation: self.recommendation,
            requested_by: self.requested_by,
            on_behalf_of: self.on_behalf_of,
            labels: self.labels,
            created_at,
        }
    }
}

/// Which page of an app's history to read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryQuery {
    pub limit: u32,
    pub offset: u32,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Body of `POST /history`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({
    "appName": "checkout-service", "diagnosis": "gc_pressure", "severity": "high",
    "profileTypes": "cpu,alloc", "topFunctions": {"cpu": []},
    "recommendation": "Tune the heap", "requestedBy": "alice"
}))]
pub struct CreateHistoryRequest {
    #[schema(required, inline, value_type = pf_model::AppName)]
    pub app_name: Option<String>,
    #[schema(required, inline, value_type = pf_model::DiagnosisText)]
    pub diagnosis: Option<String>,
    /// Required: low, medium or high.
    #[schema(required, nullable = false)]
    pub severity: Option<AssessmentSeverity>,
    /// Comma-separated profile types; defaults to `cpu`.
    #[schema(inline, value_type = Option<pf_model::ProfileTypeList>)]
    pub profile_types: Option<String>,
    /// The assessment's evidence: any JSON (docs/api.md), kept as its text.
    #[schema(value_type = Option<serde_json::Value>)]
    pub top_functions: Option<JsonText>,
    #[schema(inline, value_type = Option<pf_model::RecommendationText>)]
    pub recommendation: Option<String>,
    /// Who asked. With API tokens, the calling token's name is stored instead and this is kept
    /// as `onBehalfOf` (unless this deployment's own processes relay it with `SOR_TOKEN`).
    #[schema(inline, value_type = Option<pf_model::ShortText>)]
    pub requested_by: Option<String>,
    /// Whom the requester said it acted for (docs/api.md#who-the-audit-names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(inline, value_type = Option<pf_model::ShortText>)]
    pub on_behalf_of: Option<String>,
    /// Label matchers the assessment was narrowed to, e.g. `version="1.4.2"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(inline, value_type = Option<pf_model::SelectorText>)]
    pub labels: Option<String>,
}

/// Query of `GET /history/{appName}`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// 1..=1000, default 50.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Records to skip, default 0.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295_i64)]
    pub offset: Option<u32>,
    /// Oldest creation time: epoch seconds or RFC 3339.
    #[param(inline, value_type = Option<super::instant::Instant>)]
    pub from: Option<String>,
    /// Newest creation time (exclusive): epoch seconds or RFC 3339.
    #[param(inline, value_type = Option<super::instant::Instant>)]
    pub to: Option<String>,
}

impl TryFrom<CreateHistoryRequest> for NewHistoryRecord {
    type Error = InputError;

    fn try_from(req: CreateHistoryRequest) -> Result<Self, Self::Error> {
        let app_name = AppName::required(req.app_name)?;
        let diagnosis = required_text(req.diagnosis, "diagnosis", MAX_DIAGNOSIS)?;
        let severity = req.severity.ok_or_else(|| {
            InputError::new("missing_field", "severity is required (low, medium, high)")
        })?;
        let profile_types = match req.profile_types {
            Some(raw) => ProfileType::parse_list(&raw)?
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(","),
            None => ProfileType::Cpu.to_string(),
        };
        Ok(NewHistoryRecord {
            key: RecordKey::new(),
            app_name,
            profile_types,
            diagnosis,
            severity,
            top_functions: req.top_functions,
            recommendation: optional_text(
                req.recommendation,
                "recommendation",
                MAX_RECOMMENDATION,
            )?,
            requested_by: optional_text(req.requested_by, "requestedBy", MAX_SHORT_TEXT)?,
            on_behalf_of: optional_text(req.on_behalf_of, "onBehalfOf", MAX_SHORT_TEXT)?,
            labels: LabelSelector::parse(req.labels.as_deref(), "labels")?.text(),
        })
    }
}

impl TryFrom<HistoryParams> for HistoryQuery {
    type Error = InputError;

    fn try_from(p: HistoryParams) -> Result<Self, Self::Error> {
        let query = HistoryQuery {
            limit: parse_limit(p.limit, 50, 1000)?,
            offset: p.offset.unwrap_or(0),
            from: p
                .from
                .as_deref()
                .map(|v| parse_instant(v, "from"))
                .transpose()?,
            to: p
                .to
                .as_deref()
                .map(|v| parse_instant(v, "to"))
                .transpose()?,
        };
        if let (Some(from), Some(to)) = (query.from, query.to) {
            if from >= to {
                return Err(InputError::new(
                    "invalid_time_window",
                    format!("from must be before to, got from={from} to={to}"),
                ));
            }
        }
        Ok(query)
    }
}

/// Answer of `GET /history/{appName}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HistoryList {
    pub app_name: String,
    /// Number of records in this answer (not in the whole history).
    pub count: usize,
    /// Newest first.
    pub history: Vec<HistoryRecord>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_types_default_to_cpu_and_are_canonicalised() {
        let req = CreateHistoryRequest {
            app_name: Some("a".into()),
            diagnosis: Some("gc_pressure".into()),
            severity: Some(AssessmentSeverity::High),
            ..Default::default()
        };
        assert_eq!(
            NewHistoryRecord::try_from(req.clone())
                .unwrap()
                .profile_types,
            "cpu"
        );
        let req = CreateHistoryRequest {
            profile_types: Some("CPU,memory".into()),
            ..req
        };
        assert_eq!(
            NewHistoryRecord::try_from(req).unwrap().profile_types,
            "cpu,alloc"
        );
    }

    #[test]
    fn history_windows_accept_epoch_seconds_and_rfc3339() {
        let q = HistoryQuery::try_from(HistoryParams {
            from: Some("0".into()),
            to: Some("2026-11-22T10:00:00Z".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(q.from.unwrap().timestamp(), 0);
        assert_eq!(q.limit, 50);
        let reversed = HistoryParams {
            from: Some("100".into()),
            to: Some("50".into()),
            ..Default::default()
        };
        assert!(HistoryQuery::try_from(reversed).is_err());
        let junk = HistoryParams {
            from: Some("yesterday".into()),
            ..Default::default()
        };
        assert!(HistoryQuery::try_from(junk).is_err());
    }
}

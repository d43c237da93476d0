//! Baseline domain types and their request bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use pf_infra::partial_update;
use pf_model::{
    optional_text, percent, required_text, AppName, InputError, ProfileType, Severity,
    MAX_FUNCTION_NAME, MAX_SHORT_TEXT,
};

/// An approved threshold: `functionName` of `appName` may use at most `maxSelfPercent` of `profileType`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "id": 1, "appName": "checkout-service", "profileType": "cpu",
    "functionName": "G1 Young Generation", "maxSelfPercent": 15.0, "severity": "warning",
    "createdBy": "payments-ci", "onBehalfOf": "alice",
    "createdAt": "2026-11-22T10:00:00Z", "updatedAt": "2026-11-22T10:00:00Z"
}))]
pub struct Baseline {
    pub id: i32,
    pub app_name: String,
    #[sqlx(try_from = "String")]
    pub profile_type: ProfileType,
    pub function_name: String,
    pub max_self_percent: f64,
    #[sqlx(try_from = "String")]
    pub severity: Severity,
    /// Who last set it: with API tokens, the name of the token that did; without, the body's
    /// `createdBy`.
    pub created_by: Option<String>,
    /// With API tokens, whom the body's `createdBy` said it was set for: a claim, kept beside
    /// `createdBy` (docs/api.md#who-the-audit-names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A validated baseline to create or upsert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewBaseline {
    pub app_name: AppName,
    pub profile_type: ProfileType,
    pub function_name: String,
    pub max_self_percent: f64,
    pub severity: Severity,
    pub created_by: Option<String>,
    pub on_behalf_of: Option<String>,
}

/// A validated change to a baseline.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BaselinePatch {
    pub max_self_percent: Option<f64>,
    pub severity: Option<Severity>,
}

/// Body of `POST /baselines`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({
    "appName": "checkout-service", "profileType": "cpu", "functionName": "G1 Young Generation",
    "maxSelfPercent": 15.0, "severity": "warning", "createdBy": "alice"
}))]
pub struct CreateBaselineRequest {
    /// Required, 1–255 characters.
    #[schema(required, inline, value_type = pf_model::AppName)]
    pub app_name: Option<String>,
    /// Required: cpu, alloc, lock or wall (aliases accepted).
    #[schema(required, inline, value_type = pf_model::ProfileTypeName)]
    pub profile_type: Option<String>,
    /// Required, as Pyroscope names the function.
    #[schema(required, inline, value_type = pf_model::FunctionNameText)]
    pub function_name: Option<String>,
    /// Required, 0 < x <= 100.
    #[schema(required, nullable = false, exclusive_minimum = 0, maximum = 100)]
    pub max_self_percent: Option<f64>,
    /// Defaults to `warning`.
    pub severity: Option<Severity>,
    /// Who sets it. With API tokens, the calling token's name is stored instead and this is
    /// kept as `onBehalfOf` (unless this deployment's own processes relay it with `SOR_TOKEN`).
    #[schema(inline, value_type = Option<pf_model::ShortText>)]
    pub created_by: Option<String>,
    /// Whom it is set for (docs/api.md#who-the-audit-names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(inline, value_type = Option<pf_model::ShortText>)]
    pub on_behalf_of: Option<String>,
}

partial_update! {
/// Body of `PUT /baselines/{id}`; at least one field.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"maxSelfPercent": 20.0, "severity": "critical"}))]
pub struct UpdateBaselineRequest {
    #[schema(nullable = false, exclusive_minimum = 0, maximum = 100)]
    pub max_self_percent: f64,
    #[schema(nullable = false)]
    pub severity: Severity,
}
}

impl TryFrom<CreateBaselineRequest> for NewBaseline {
    type Error = InputError;

    fn try_from(req: CreateBaselineRequest) -> Result<Self, Self::Error> {
        let app_name = AppName::required(req.app_name)?;
        let profile_type =
            required_text(req.profile_type, "profileType", MAX_SHORT_TEXT)?.parse()?;
        let function_name = required_text(req.function_name, "functionName", MAX_FUNCTION_NAME)?;
        let max_self_percent = req
            .max_self_percent
            .ok_or_else(|| InputError::new("missing_field", "maxSelfPercent is required"))?;
        Ok(NewBaseline {
            app_name,
            profile_type,
            function_name,
            max_self_percent: percent(max_self_percent, "maxSelfPercent")?,
            severity: req.severity.unwrap_or_default(),
            created_by: optional_text(req.created_by, "createdBy", MAX_SHORT_TEXT)?,
            on_behalf_of: optional_text(req.on_behalf_of, "onBehalfOf", MAX_SHORT_TEXT)?,
        })
    }
}

impl TryFrom<UpdateBaselineRequest> for BaselinePatch {
    type Error = InputError;

    fn try_from(req: UpdateBaselineRequest) -> Result<Self, Self::Error> {
        if req.max_self_percent.is_none() && req.severity.is_none() {
            return Err(InputError::new(
                "missing_field",
                "name maxSelfPercent and/or severity to update",
            ));
        }
        Ok(BaselinePatch {
            max_self_percent: req
                .max_self_percent
                .map(|p| percent(p, "maxSelfPercent"))
                .transpose()?,
            severity: req.severity,
        })
    }
}

/// Answer of the two list routes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BaselineList {
    pub app_name: String,
    /// Present when the list is of one profile type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_type: Option<ProfileType>,
    pub baselines: Vec<Baseline>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> CreateBaselineRequest {
        CreateBaselineRequest {
            app_name: Some("app".into()),
            profile_type: Some("memory".into()),
            function_name: Some("java/util/HashMap.resize".into()),
            max_self_percent: Some(15.0),
            severity: None,
            created_by: None,
            on_behalf_of: None,
        }
    }

    #[test]
    fn a_valid_request_gets_canonical_type_and_default_severity() {
        let b = NewBaseline::try_from(valid()).unwrap();
        assert_eq!(b.profile_type, ProfileType::Alloc);
        assert_eq!(b.severity, Severity::Warning);
    }

    #[test]
    fn thresholds_must_be_within_zero_and_one_hundred() {
        for bad in [0.0, -1.0, 100.01] {
            let req = CreateBaselineRequest {
                max_self_percent: Some(bad),
                ..valid()
            };
            assert_eq!(
                NewBaseline::try_from(req).unwrap_err().code(),
                "out_of_range"
            );
        }
        let req = CreateBaselineRequest {
            max_self_percent: Some(100.0),
            ..valid()
        };
        assert!(NewBaseline::try_from(req).is_ok());
    }

    #[test]
    fn an_empty_update_is_rejected() {
        assert!(BaselinePatch::try_from(UpdateBaselineRequest::default()).is_err());
    }
}

//! Alert-rule domain types and their request bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::fields::{for_seconds, notification_channel};
use pf_infra::partial_update;
use pf_infra::sor::fields::WholeNumber;
use pf_model::{
    optional_text, percent, required_text, AppName, InputError, ProfileType, Severity,
    MAX_FUNCTION_NAME, MAX_SHORT_TEXT,
};

/// "Alert when a function matching `functionPattern` takes more than `thresholdPercent`."
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "id": 7, "appName": "checkout-service", "profileType": "cpu", "functionPattern": "G1",
    "thresholdPercent": 30.0, "severity": "critical", "notificationChannel": "#payments-oncall",
    "enabled": true, "forSeconds": 0, "createdBy": "payments-ci", "onBehalfOf": "alice",
    "createdAt": "2026-11-22T10:00:00Z", "updatedAt": "2026-11-22T10:00:00Z"
}))]
pub struct AlertRule {
    pub id: i32,
    pub app_name: String,
    #[sqlx(try_from = "String")]
    pub profile_type: ProfileType,
    pub function_pattern: Option<String>,
    pub threshold_percent: f64,
    #[sqlx(try_from = "String")]
    pub severity: Severity,
    /// A channel name, or a webhook URL: shown whole only to who may change the rule, else as
    /// its scheme, host and fingerprint (docs/alerting.md#webhooks-stay-secret).
    pub notification_channel: Option<String>,
    pub enabled: bool,
    /// Seconds the value must stay above the threshold before the alert fires.
    pub for_seconds: i32,
    /// Who made it: with API tokens, the name of the token that did; without, the body's
    /// `createdBy`.
    pub created_by: Option<String>,
    /// With API tokens, whom the body's `createdBy` said it was made for: a claim, kept beside
    /// `createdBy` (docs/api.md#who-the-audit-names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A validated rule to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlertRule {
    pub app_name: AppName,
    pub profile_type: ProfileType,
    pub function_pattern: Option<String>,
    pub threshold_percent: f64,
    pub severity: Severity,
    pub notification_channel: Option<String>,
    pub enabled: bool,
    pub for_seconds: i32,
    pub created_by: Option<String>,
    pub on_behalf_of: Option<String>,
}

/// A validated partial update: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertRulePatch {
    pub profile_type: Option<ProfileType>,
    pub function_pattern: Option<Option<String>>,
    pub threshold_percent: Option<f64>,
    pub severity: Option<Severity>,
    pub notification_channel: Option<Option<String>>,
    pub enabled: Option<bool>,
    pub for_seconds: Option<i32>,
}

/// Body of `POST /rules`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({
    "appName": "checkout-service", "profileType": "cpu", "functionPattern": "G1",
    "thresholdPercent": 30.0, "severity": "critical", "notificationChannel": "#payments-oncall",
    "enabled": true, "createdBy": "alice"
}))]
pub struct CreateAlertRuleRequest {
    #[schema(required, inline, value_type = pf_model::AppName)]
    pub app_name: Option<String>,
    /// Required: cpu, alloc, lock or wall (aliases accepted).
    #[schema(required, inline, value_type = pf_model::ProfileTypeName)]
    pub profile_type: Option<String>,
    /// Required, 0 < x <= 100.
    #[schema(required, nullable = false, exclusive_minimum = 0, maximum = 100)]
    pub threshold_percent: Option<f64>,
    #[schema(inline, value_type = Option<pf_model::FunctionPatternText>)]
    pub function_pattern: Option<String>,
    /// info, warning (default) or critical.
    pub severity: Option<Severity>,
    /// A channel name, or an `http(s)://` URL that gets a webhook per alert transition.
    #[schema(inline, value_type = Option<pf_model::ShortText>)]
    pub notification_channel: Option<String>,
    /// Defaults to true.
    pub enabled: Option<bool>,
    /// Seconds the value must stay above the threshold before the alert fires; default 0.
    /// Absent means 0; `null` is refused, as the schema says.
    #[serde(default, deserialize_with = "pf_infra::sor::fields::named")]
    #[schema(nullable = false, value_type = Option<i64>, minimum = 0, maximum = 604800)]
    pub for_seconds: Option<WholeNumber>,
    /// Who makes it. With API tokens, the calling token's name is stored instead and this is
    /// kept as `onBehalfOf` (unless this deployment's own processes relay it with `SOR_TOKEN`).
    #[schema(inline, value_type = Option<pf_model::ShortText>)]
    pub created_by: Option<String>,
    /// Whom it is made for (docs/api.md#who-the-audit-names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(inline, value_type = Option<pf_model::ShortText>)]
    pub on_behalf_of: Option<String>,
}

partial_update! {
/// Body of `PUT /rules/{id}`: only the named fields change; `null` clears a text field.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"thresholdPercent": 25.0, "enabled": false}))]
pub struct UpdateAlertRuleRequest {
    #[schema(nullable = false, inline, value_type = Option<pf_model::ProfileTypeName>)]
    pub profile_type: String,
    #[schema(inline, value_type = Option<pf_model::FunctionPatternText>)]
    pub function_pattern: Option<String>,
    #[schema(nullable = false, exclusive_minimum = 0, maximum = 100)]
    pub threshold_percent: f64,
    #[schema(nullable = false)]
    pub severity: Severity,
    #[schema(inline, value_type = Option<pf_model::ShortText>)]
    pub notification_channel: Option<String>,
    #[schema(nullable = false)]
    pub enabled: bool,
    #[schema(nullable = false, value_type = Option<i64>, minimum = 0, maximum = 604800)]
    pub for_seconds: WholeNumber,
}
}

/// Query of `GET /rules`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RuleListParams {
    /// Only rules of this app.
    #[serde(rename = "appName")]
    #[param(rename = "appName", inline, value_type = Option<pf_model::AppName>)]
    pub app_name: Option<String>,
}

impl TryFrom<CreateAlertRuleRequest> for NewAlertRule {
    type Error = InputError;

    fn try_from(req: CreateAlertRuleRequest) -> Result<Self, Self::Error> {
        let app_name = AppName::required(req.app_name)?;
        let profile_type =
            required_text(req.profile_type, "profileType", MAX_SHORT_TEXT)?.parse()?;
        let threshold = req
            .threshold_percent
            .ok_or_else(|| InputError::new("missing_field", "thresholdPercent is required"))?;
        Ok(NewAlertRule {
            app_name,
            profile_type,
            function_pattern: optional_text(
                req.function_pattern,
                "functionPattern",
                MAX_FUNCTION_NAME,
            )?,
            threshold_percent: percent(threshold, "thresholdPercent")?,
            severity: req.severity.unwrap_or_default(),
            notification_channel: notification_channel(req.notification_channel)?,
            enabled: req.enabled.unwrap_or(true),
            for_seconds: for_seconds(req.for_seconds.map(|w| w.0))?.unwrap_or(0),
            created_by: optional_text(req.created_by, "createdBy", MAX_SHORT_TEXT)?,
            on_behalf_of: optional_text(req.on_behalf_of, "onBehalfOf", MAX_SHORT_TEXT)?,
        })
    }
}

impl TryFrom<UpdateAlertRuleRequest> for AlertRulePatch {
    type Error = InputError;

    fn try_from(req: UpdateAlertRuleRequest) -> Result<Self, Self::Error> {
        let patch = AlertRulePatch {
            profile_type: req.profile_type.map(|t| t.parse()).transpose()?,
            function_pattern: req
                .function_pattern
                .map(|p| optional_text(p, "functionPattern", MAX_FUNCTION_NAME))
                .transpose()?,
            threshold_percent: req
                .threshold_percent
                .map(|p| percent(p, "thresholdPercent"))
                .transpose()?,
            severity: req.severity,
            notification_channel: req
                .notification_channel
                .map(notification_channel)
                .transpose()?,
            enabled: req.enabled,
            for_seconds: for_seconds(req.for_seconds.map(|w| w.0))?,
        };
        if patch == AlertRulePatch::default() {
            return Err(InputError::new(
                "missing_field",
                "name at least one field to update: profileType, functionPattern, thresholdPercent, severity, notificationChannel, enabled, forSeconds",
            ));
        }
        Ok(patch)
    }
}

impl pf_http::access::Notifies for AlertRule {
    fn app_name(&self) -> &str {
        &self.app_name
    }

    fn channel_mut(&mut self) -> &mut Option<String> {
        &mut self.notification_channel
    }
}

/// Answer of `GET /rules`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuleList {
    pub count: usize,
    /// By id.
    pub rules: Vec<AlertRule>,
}

/// Answer of `GET /rules/active/{appName}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActiveRuleList {
    pub app_name: String,
    pub count: usize,
    /// The app's enabled rules, by id.
    pub rules: Vec<AlertRule>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_enabled_with_warning_severity_by_default() {
        let rule = NewAlertRule::try_from(CreateAlertRuleRequest {
            app_name: Some("a".into()),
            profile_type: Some("cpu".into()),
            threshold_percent: Some(30.0),
            ..Default::default()
        })
        .unwrap();
        assert!(rule.enabled);
        assert_eq!(rule.severity, Severity::Warning);
    }

    #[test]
    fn an_update_validates_what_it_names() {
        let bad: UpdateAlertRuleRequest =
            serde_json::from_str(r#"{"thresholdPercent": 0}"#).unwrap();
        assert_eq!(
            AlertRulePatch::try_from(bad).unwrap_err().code(),
            "out_of_range"
        );
        let empty: UpdateAlertRuleRequest = serde_json::from_str("{}").unwrap();
        assert!(AlertRulePatch::try_from(empty).is_err());
    }
}

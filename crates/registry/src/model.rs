//! Service-registry domain types and their request bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use pf_http::secrets::is_redacted;
use pf_infra::sor::json_text::JsonObject;
use pf_infra::{partial_update, text_column};
use pf_model::{optional_text, AppName, InputError, MAX_SHORT_TEXT};

/// How much a service matters; `critical` services rank first in fleet results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Critical,
    High,
    #[default]
    Standard,
    Low,
}

impl Tier {
    /// The stored and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Critical => "critical",
            Tier::High => "high",
            Tier::Standard => "standard",
            Tier::Low => "low",
        }
    }
}

text_column!(Tier);

/// A registered service: who owns it and how to reach them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "id": 3, "appName": "checkout-service", "teamOwner": "team-payments", "tier": "critical",
    "environment": "production", "notificationChannel": "#payments-oncall",
    "pyroscopeLabels": {"service_name": "checkout-service"}, "metadata": {"repo": "payments/checkout"},
    "createdAt": "2026-11-22T10:00:00Z", "updatedAt": "2026-11-22T10:00:00Z"
}))]
pub struct Service {
    pub id: i32,
    pub app_name: String,
    pub team_owner: Option<String>,
    #[sqlx(try_from = "String")]
    pub tier: Tier,
    pub environment: Option<String>,
    /// A channel name, or a webhook URL: shown whole only to who may change the registration,
    /// else as its scheme, host and fingerprint (docs/alerting.md#webhooks-stay-secret).
    pub notification_channel: Option<String>,
    /// Returned exactly as stored, numbers of any size included.
    #[sqlx(json)]
    #[schema(value_type = Object)]
    pub pyroscope_labels: JsonObject,
    /// Returned exactly as stored, numbers of any size included.
    #[sqlx(json)]
    #[schema(value_type = Object)]
    pub metadata: JsonObject,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A validated registration.
#[derive(Debug, Clone, PartialEq)]
pub struct NewService {
    pub app_name: AppName,
    pub team_owner: Option<String>,
    pub tier: Tier,
    pub environment: Option<String>,
    pub notification_channel: Option<String>,
    pub pyroscope_labels: JsonObject,
    pub metadata: JsonObject,
}

/// A validated partial update: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServicePatch {
    pub team_owner: Option<Option<String>>,
    pub tier: Option<Tier>,
    pub environment: Option<Option<String>>,
    pub notification_channel: Option<Option<String>>,
    pub pyroscope_labels: Option<JsonObject>,
    pub metadata: Option<JsonObject>,
}

/// Body of `POST /services`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({
    "appName": "checkout-service", "teamOwner": "team-payments", "tier": "critical",
    "environment": "production", "notificationChannel": "#payments-oncall",
    "pyroscopeLabels": {"service_name": "checkout-service"}, "metadata": {"repo": "payments/checkout"}
}))]
pub struct CreateServiceRequest {
    #[schema(required, inline, value_type = pf_model::AppName)]
    pub app_name: Option<String>,
    #[schema(inline, value_type = Option<pf_model::ShortText>)]
    pub team_owner: Option<String>,
    /// critical, high, standard (default) or low.
    pub tier: Option<Tier>,
    #[schema(inline, value_type = Option<pf_model::ShortText>)]
    pub environment: Option<String>,
    #[schema(inline, value_type = Option<pf_model::ShortText>)]
    pub notification_channel: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub pyroscope_labels: Option<JsonObject>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<JsonObject>,
}

partial_update! {
/// Body of `PUT /services/{appName}`: only the named fields change; `null` clears a text field.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"tier": "high", "metadata": {"repo": "payments/checkout-v2"}}))]
pub struct UpdateServiceRequest {
    #[schema(inline, value_type = Option<pf_model::ShortText>)]
    pub team_owner: Option<String>,
    #[schema(nullable = false)]
    pub tier: Tier,
    #[schema(inline, value_type = Option<pf_model::ShortText>)]
    pub environment: Option<String>,
    #[schema(inline, value_type = Option<pf_model::ShortText>)]
    pub notification_channel: Option<String>,
    #[schema(nullable = false, value_type = Option<Object>)]
    pub pyroscope_labels: JsonObject,
    #[schema(nullable = false, value_type = Option<Object>)]
    pub metadata: JsonObject,
}
}

/// Query of `GET /services`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceListParams {
    /// Only services of this tier.
    pub tier: Option<Tier>,
}

fn text(value: Option<String>, field: &str) -> Result<Option<String>, InputError> {
    optional_text(value, field, MAX_SHORT_TEXT)
}

/// A `notificationChannel`: any short text, but not a redacted webhook as readers see one,
/// sent back (it would lead nowhere).
fn channel(value: Option<String>) -> Result<Option<String>, InputError> {
    let value = text(value, "notificationChannel")?;
    if value.as_deref().is_some_and(is_redacted) {
        return Err(InputError::new(
            "redacted_notification_channel",
            "notificationChannel is a redacted webhook as readers see it: send the whole URL, \
             or leave the field out to keep the stored one",
        ));
    }
    Ok(value)
}

impl pf_http::access::Notifies for Service {
    fn app_name(&self) -> &str {
        &self.app_name
    }

    fn channel_mut(&mut self) -> &mut Option<String> {
        &mut self.notification_channel
    }
}

impl TryFrom<CreateServiceRequest> for NewService {
    type Error = InputError;

    fn try_from(req: CreateServiceRequest) -> Result<Self, Self::Error> {
        Ok(NewService {
            app_name: AppName::required(req.app_name)?,
            team_owner: text(req.team_owner, "teamOwner")?,
            tier: req.tier.unwrap_or_default(),
            environment: text(req.environment, "environment")?,
            notification_channel: channel(req.notification_channel)?,
            pyroscope_labels: req.pyroscope_labels.unwrap_or_else(JsonObject::empty),
            metadata: req.metadata.unwrap_or_else(JsonObject::empty),
        })
    }
}

impl TryFrom<UpdateServiceRequest> for ServicePatch {
    type Error = InputError;

    fn try_from(req: UpdateServiceRequest) -> Result<Self, Self::Error> {
        let nullable =
            |v: Option<Option<String>>, field| v.map(|inner| text(inner, field)).transpose();
        let patch = ServicePatch {
            team_owner: nullable(req.team_owner, "teamOwner")?,
            tier: req.tier,
            environment: nullable(req.environment, "environment")?,
            notification_channel: req.notification_channel.map(channel).transpose()?,
            pyroscope_labels: req.pyroscope_labels,
            metadata: req.metadata,
        };
        if patch == ServicePatch::default() {
            return Err(InputError::new(
                "missing_field",
                "name at least one field to update: teamOwner, tier, environment, notificationChannel, pyroscopeLabels, metadata",
            ));
        }
        Ok(patch)
    }
}

/// Answer of `GET /services`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceList {
    pub count: usize,
    /// By app name.
    pub services: Vec<Service>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_tells_absent_from_null() {
        let req: UpdateServiceRequest = serde_json::from_str(r#"{"teamOwner": null}"#).unwrap();
        let patch = ServicePatch::try_from(req).unwrap();
        assert_eq!(patch.team_owner, Some(None));
        assert_eq!(patch.environment, None);
    }

    #[test]
    fn an_empty_patch_is_rejected_and_objects_must_be_objects() {
        let req: UpdateServiceRequest = serde_json::from_str("{}").unwrap();
        assert!(ServicePatch::try_from(req).is_err());
        assert!(serde_json::from_str::<UpdateServiceRequest>(r#"{"metadata": [1]}"#).is_err());
        // A tier cannot be cleared: `null` is refused, as the OpenAPI document says.
        assert!(serde_json::from_str::<UpdateServiceRequest>(r#"{"tier": null}"#).is_err());
    }
}

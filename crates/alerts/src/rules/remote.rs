//! `AlertRuleSor` over HTTP: an Alert Rule SOR process's `/rules` routes.

use async_trait::async_trait;

use super::model::{ActiveRuleList, RuleList};
use super::model::{
    AlertRule, AlertRulePatch, CreateAlertRuleRequest, NewAlertRule, UpdateAlertRuleRequest,
};
use crate::rules::{endpoints, AlertRuleSor};
use pf_infra::sor::fields::WholeNumber;
use pf_infra::sor::remote::RemoteSor;
use pf_infra::sor::SorError;
use pf_model::AppName;

/// Alert rules kept by an Alert Rule SOR at another address.
#[derive(Clone)]
pub struct RemoteAlertRuleStore {
    remote: RemoteSor,
}

impl RemoteAlertRuleStore {
    /// A store answering through `remote`.
    pub fn new(remote: RemoteSor) -> Self {
        RemoteAlertRuleStore { remote }
    }
}

#[async_trait]
impl AlertRuleSor for RemoteAlertRuleStore {
    /// Not retried: POST is not idempotent.
    #[tracing::instrument(skip_all, fields(app = %rule.app_name))]
    async fn create(&self, rule: NewAlertRule) -> Result<AlertRule, SorError> {
        let body = CreateAlertRuleRequest {
            app_name: Some(rule.app_name.into_inner()),
            profile_type: Some(rule.profile_type.as_str().to_owned()),
            threshold_percent: Some(rule.threshold_percent),
            function_pattern: rule.function_pattern,
            severity: Some(rule.severity),
            notification_channel: rule.notification_channel,
            enabled: Some(rule.enabled),
            for_seconds: Some(WholeNumber(i64::from(rule.for_seconds))),
            created_by: rule.created_by,
            on_behalf_of: rule.on_behalf_of,
        };
        self.remote.send_json(endpoints::CREATE.at([]), &body).await
    }

    #[tracing::instrument(skip_all)]
    async fn list(&self, app: Option<AppName>) -> Result<Vec<AlertRule>, SorError> {
        let query: Vec<(&str, String)> = app
            .map(|a| ("appName", a.into_inner()))
            .into_iter()
            .collect();
        let list: RuleList = self.remote.fetch(endpoints::LIST.at([]), &query).await?;
        Ok(list.rules)
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn get(&self, id: i32) -> Result<AlertRule, SorError> {
        let id = id.to_string();
        self.remote.fetch(endpoints::GET.at([&id]), &[]).await
    }

    #[tracing::instrument(skip_all, fields(app = %app))]
    async fn active(&self, app: AppName) -> Result<Vec<AlertRule>, SorError> {
        let call = endpoints::ACTIVE.at([app.as_str()]);
        let list: ActiveRuleList = self.remote.fetch(call, &[]).await?;
        Ok(list.rules)
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn update(&self, id: i32, patch: AlertRulePatch) -> Result<AlertRule, SorError> {
        let body = UpdateAlertRuleRequest {
            profile_type: patch.profile_type.map(|t| t.as_str().to_owned()),
            function_pattern: patch.function_pattern,
            threshold_percent: patch.threshold_percent,
            severity: patch.severity,
            notification_channel: patch.notification_channel,
            enabled: patch.enabled,
            for_seconds: patch.for_seconds.map(|s| WholeNumber(i64::from(s))),
        };
        let id = id.to_string();
        self.remote
            .send_json(endpoints::UPDATE.at([&id]), &body)
            .await
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn delete(&self, id: i32) -> Result<(), SorError> {
        let id = id.to_string();
        self.remote.perform(endpoints::DELETE.at([&id])).await
    }
}

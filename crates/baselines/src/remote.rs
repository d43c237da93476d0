//! `BaselineSor` over HTTP: a Baseline SOR process's `/baselines` routes.

use async_trait::async_trait;

use super::model::BaselineList;
use super::model::{
    Baseline, BaselinePatch, CreateBaselineRequest, NewBaseline, UpdateBaselineRequest,
};
use crate::{endpoints, BaselineSor};
use pf_infra::sor::remote::RemoteSor;
use pf_infra::sor::SorError;
use pf_model::{AppName, ProfileType};

/// Baselines kept by a Baseline SOR at another address.
#[derive(Clone)]
pub struct RemoteBaselineStore {
    remote: RemoteSor,
}

impl RemoteBaselineStore {
    /// A store answering through `remote`.
    pub fn new(remote: RemoteSor) -> Self {
        RemoteBaselineStore { remote }
    }
}

#[async_trait]
impl BaselineSor for RemoteBaselineStore {
    #[tracing::instrument(skip_all, fields(app = %baseline.app_name, profile_type = %baseline.profile_type))]
    async fn upsert(&self, baseline: NewBaseline) -> Result<Baseline, SorError> {
        let body = CreateBaselineRequest {
            app_name: Some(baseline.app_name.into_inner()),
            profile_type: Some(baseline.profile_type.as_str().to_owned()),
            function_name: Some(baseline.function_name),
            max_self_percent: Some(baseline.max_self_percent),
            severity: Some(baseline.severity),
            created_by: baseline.created_by,
            on_behalf_of: baseline.on_behalf_of,
        };
        self.remote.send_json(endpoints::CREATE.at([]), &body).await
    }

    #[tracing::instrument(skip_all, fields(app = %app))]
    async fn list(
        &self,
        app: AppName,
        profile_type: Option<ProfileType>,
    ) -> Result<Vec<Baseline>, SorError> {
        let list: BaselineList = match profile_type {
            Some(t) => {
                let call = endpoints::LIST_BY_TYPE.at([app.as_str(), t.as_str()]);
                self.remote.fetch(call, &[]).await?
            }
            None => {
                let call = endpoints::LIST_BY_APP.at([app.as_str()]);
                self.remote.fetch(call, &[]).await?
            }
        };
        Ok(list.baselines)
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn get(&self, id: i32) -> Result<Baseline, SorError> {
        let id = id.to_string();
        self.remote.fetch(endpoints::GET.at([&id]), &[]).await
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn update(&self, id: i32, patch: BaselinePatch) -> Result<Baseline, SorError> {
        let body = UpdateBaselineRequest {
            max_self_percent: patch.max_self_percent,
            severity: patch.severity,
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

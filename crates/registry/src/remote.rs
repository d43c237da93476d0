//! `RegistrySor` over HTTP: a Registry SOR process's `/services` routes.

use async_trait::async_trait;

use super::model::ServiceList;
use super::model::{
    CreateServiceRequest, NewService, Service, ServicePatch, Tier, UpdateServiceRequest,
};
use crate::{endpoints, RegistrySor};
use pf_infra::sor::remote::RemoteSor;
use pf_infra::sor::SorError;
use pf_model::AppName;

/// The service registry kept by a Registry SOR at another address.
#[derive(Clone)]
pub struct RemoteRegistryStore {
    remote: RemoteSor,
}

impl RemoteRegistryStore {
    /// A store answering through `remote`.
    pub fn new(remote: RemoteSor) -> Self {
        RemoteRegistryStore { remote }
    }
}

#[async_trait]
impl RegistrySor for RemoteRegistryStore {
    #[tracing::instrument(skip_all, fields(app = %service.app_name))]
    async fn upsert(&self, service: NewService) -> Result<Service, SorError> {
        let body = CreateServiceRequest {
            app_name: Some(service.app_name.into_inner()),
            team_owner: service.team_owner,
            tier: Some(service.tier),
            environment: service.environment,
            notification_channel: service.notification_channel,
            pyroscope_labels: Some(service.pyroscope_labels),
            metadata: Some(service.metadata),
        };
        self.remote.send_json(endpoints::CREATE.at([]), &body).await
    }

    #[tracing::instrument(skip_all, fields(tier = ?tier))]
    async fn list(&self, tier: Option<Tier>) -> Result<Vec<Service>, SorError> {
        let query: Vec<(&str, String)> = tier
            .map(|t| ("tier", t.as_str().to_owned()))
            .into_iter()
            .collect();
        let list: ServiceList = self.remote.fetch(endpoints::LIST.at([]), &query).await?;
        Ok(list.services)
    }

    #[tracing::instrument(skip_all, fields(app = %app))]
    async fn get(&self, app: AppName) -> Result<Service, SorError> {
        self.remote
            .fetch(endpoints::GET.at([app.as_str()]), &[])
            .await
    }

    #[tracing::instrument(skip_all, fields(app = %app))]
    async fn update(&self, app: AppName, patch: ServicePatch) -> Result<Service, SorError> {
        // `None` is skipped and `Some(None)` sent as `null`, so "leave" and "clear" survive.
        let body = UpdateServiceRequest {
            team_owner: patch.team_owner,
            tier: patch.tier,
            environment: patch.environment,
            notification_channel: patch.notification_channel,
            pyroscope_labels: patch.pyroscope_labels,
            metadata: patch.metadata,
        };
        let call = endpoints::UPDATE.at([app.as_str()]);
        self.remote.send_json(call, &body).await
    }

    #[tracing::instrument(skip_all, fields(app = %app))]
    async fn delete(&self, app: AppName) -> Result<(), SorError> {
        self.remote
            .perform(endpoints::DELETE.at([app.as_str()]))
            .await
    }
}

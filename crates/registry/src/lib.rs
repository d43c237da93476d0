//! Registry SOR: service ownership and tier in PostgreSQL.

mod endpoints;
mod model;
mod module;
mod postgres;
mod remote;
mod routes;

pub use endpoints::OPERATIONS;
pub use model::{
    CreateServiceRequest, NewService, Service, ServicePatch, Tier, UpdateServiceRequest,
};
pub use module::REGISTRY_MODULE;
pub use postgres::PgRegistryStore;
pub use remote::RemoteRegistryStore;
pub use routes::ROUTES;

use std::collections::HashMap;

use std::sync::Arc;

use async_trait::async_trait;

use pf_http::access::{AppOwners, Registration};
use pf_infra::sor::SorError;
use pf_model::AppName;

/// Ownership and tier of monitored services (docs/api.md, Registry).
///
/// # Errors
/// `NotFound` for an unregistered app, `Invalid` for a broken constraint, `Unavailable` when the store is down.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait RegistrySor: Send + Sync {
    /// Registers a service, or replaces the registration of the same app; keeps its id.
    async fn upsert(&self, service: NewService) -> Result<Service, SorError>;
    /// All services, optionally of one tier, by app name.
    async fn list(&self, tier: Option<Tier>) -> Result<Vec<Service>, SorError>;
    /// One service.
    async fn get(&self, app: AppName) -> Result<Service, SorError>;
    /// Changes only the fields the patch names.
    async fn update(&self, app: AppName, patch: ServicePatch) -> Result<Service, SorError>;
    /// Removes one service.
    async fn delete(&self, app: AppName) -> Result<(), SorError>;
}

/// Every registered app's entry (team, tier), by app name; none without a registry, or when it
/// cannot be read (alerts then go out without team labels, and that is logged).
pub async fn owners(registry: Option<&dyn RegistrySor>) -> HashMap<String, Service> {
    let Some(registry) = registry else {
        return HashMap::new();
    };
    match registry.list(None).await {
        Ok(services) => services
            .into_iter()
            .map(|s| (s.app_name.clone(), s))
            .collect(),
        Err(error) => {
            tracing::warn!(%error, "alerts go out without team labels: the registry cannot be read");
            HashMap::new()
        }
    }
}

/// The registry as the other stores' routes ask it whose an app is (team-bound tokens,
/// docs/api.md#teams-and-admin-tokens).
pub struct RegistryOwners(pub Arc<dyn RegistrySor>);

#[async_trait]
impl AppOwners for RegistryOwners {
    async fn registration(&self, app: &AppName) -> Result<Registration, SorError> {
        match self.0.get(app.clone()).await {
            Ok(service) => Ok(Registration::Registered(service.team_owner)),
            Err(SorError::NotFound(_)) => Ok(Registration::Unregistered),
            Err(e) => Err(e),
        }
    }
}

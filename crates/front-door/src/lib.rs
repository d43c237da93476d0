//! The front door (docs/front-door.md): `GET /`, where a person starts — the apps the watcher
//! summarized in the last hour, each with its types, its newest summary and its open regressions
//! and leaks, linked to their pages; the service's health in one line. One HTML page, or the same
//! as JSON. Read from the watcher's summaries and the regression store, never from profiles.

mod model;
mod module;
mod page;
mod routes;
mod service;

use async_trait::async_trait;

pub use model::{FrontDoor, ServiceHealth};
pub use module::FrontDoorModule;
pub use page::render;
pub use routes::ROUTES;
pub use service::{FrontDoorNeeds, FrontDoorService};

/// The service's health in one line, as the process that serves the front door sees it (the
/// composition root knows its checks; the front door only this contract).
#[async_trait]
pub trait HealthLine: Send + Sync {
    async fn health(&self) -> ServiceHealth;
}

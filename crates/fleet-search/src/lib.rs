//! Fleet Search (`ReadPyroscopeFleetSearch`): one function across every app, and the fleet's hotspots.

mod gather;
mod model;
mod module;
mod report;
mod routes;
mod scoring;
mod service;
mod start;
mod summarized;
mod tops;
mod window_cache;

pub use module::FLEET_SEARCH_MODULE;
pub use report::{FleetSource, HotspotReport, SearchReport};
pub use routes::ROUTES;
pub use service::FleetSearchService;
pub use start::{start, FleetNeeds, FleetSettings};

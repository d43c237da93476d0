//! Fleet Search (`ReadPyroscopeFleetSearch`): one function across every app, and the fleet's hotspots.

pub mod model;
pub mod routes;
pub mod scoring;
pub mod service;

pub use model::{HotspotReport, SearchReport};
pub use service::FleetSearchService;

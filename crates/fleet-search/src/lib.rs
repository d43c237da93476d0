//! Fleet Search (`ReadPyroscopeFleetSearch`): one function across every app, and the fleet's hotspots.

mod gather;
pub mod model;
pub mod report;
pub mod routes;
pub mod scoring;
pub mod service;
pub mod start;
mod summarized;
mod tops;
mod window_cache;

pub use report::{FleetSource, HotspotReport, SearchReport};
pub use service::FleetSearchService;

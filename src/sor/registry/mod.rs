//! Registry SOR: service ownership and tier in PostgreSQL.

pub mod model;

pub use model::{NewService, Service, ServicePatch, Tier};

//! Registry SOR: service ownership and tier in PostgreSQL.

pub mod model;
pub mod postgres;
pub mod remote;
pub mod routes;

pub use model::{NewService, Service, ServicePatch, Tier};
pub use postgres::PgRegistryStore;

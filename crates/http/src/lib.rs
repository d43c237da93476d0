//! The HTTP edge every route shares: the one error answer, extractor settings, access control
//! and what a caller may do and see.

pub mod access;
pub mod auth;
pub mod auth_settings;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod routing;
pub mod secrets;

pub use routing::Routes;

//! The module interface every capability implements (SPEC §38): its name, the modules it needs,
//! which `FUNCTION` runs it, and a start that takes the ground and what the modules it needs
//! offer, and gives back its routes, its health checks and what it offers the modules after it.
//! The root's table (`src/app/table.rs`) resolves `needs` and starts the rows.

mod bor;
mod error;
mod function;
mod module;
mod store;

pub use bor::BorModule;
pub use error::ModuleError;
pub use function::{Bor, BorVersion, Function};
pub use module::{Ground, Module, Name, Offers, RouteModule, Served, Started};
pub use store::StoreModule;

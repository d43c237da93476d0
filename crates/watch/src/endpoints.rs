//! What other processes read of the watcher (its trends, its fleet's summaries and coverage),
//! declared once for its routes and its remote client.

use pf_infra::sor::endpoint::{Endpoint, Operation};

pub(crate) const TRENDS: Endpoint<1> = Endpoint::get("/trends/{appName}");
pub(crate) const FLEET: Endpoint<0> = Endpoint::get("/summaries/fleet");
pub(crate) const COVERAGE: Endpoint<0> = Endpoint::get("/summaries/coverage");

/// Every operation of the contract, as its routes must serve them.
pub const OPERATIONS: &[Operation] = &[TRENDS.operation(), FLEET.operation(), COVERAGE.operation()];

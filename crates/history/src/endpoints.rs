//! The History SOR's operations, declared once for its routes and its remote client.

use pf_infra::sor::endpoint::{Endpoint, Operation};

pub(crate) const CREATE: Endpoint<0> = Endpoint::post("/history");
pub(crate) const LIST: Endpoint<1> = Endpoint::get("/history/{appName}");
pub(crate) const LATEST: Endpoint<1> = Endpoint::get("/history/{appName}/latest");
pub(crate) const DELETE: Endpoint<1> = Endpoint::delete("/history/{id}");

/// Every operation of the contract, as its routes must serve them.
pub const OPERATIONS: &[Operation] = &[
    CREATE.operation(),
    LIST.operation(),
    LATEST.operation(),
    DELETE.operation(),
];

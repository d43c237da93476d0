//! The Service Registry's operations, declared once for its routes and its remote client.

use pf_infra::sor::endpoint::{Endpoint, Operation};

pub(crate) const CREATE: Endpoint<0> = Endpoint::post("/services");
pub(crate) const LIST: Endpoint<0> = Endpoint::get("/services");
pub(crate) const GET: Endpoint<1> = Endpoint::get("/services/{appName}");
pub(crate) const UPDATE: Endpoint<1> = Endpoint::put("/services/{appName}");
pub(crate) const DELETE: Endpoint<1> = Endpoint::delete("/services/{appName}");

/// Every operation of the contract, as its routes must serve them.
pub const OPERATIONS: &[Operation] = &[
    CREATE.operation(),
    LIST.operation(),
    GET.operation(),
    UPDATE.operation(),
    DELETE.operation(),
];

//! The Alert Rule SOR's operations, declared once for its routes and its remote client.

use pf_infra::sor::endpoint::{Endpoint, Operation};

pub(crate) const CREATE: Endpoint<0> = Endpoint::post("/rules");
pub(crate) const LIST: Endpoint<0> = Endpoint::get("/rules");
pub(crate) const GET: Endpoint<1> = Endpoint::get("/rules/{id}");
pub(crate) const ACTIVE: Endpoint<1> = Endpoint::get("/rules/active/{appName}");
pub(crate) const UPDATE: Endpoint<1> = Endpoint::put("/rules/{id}");
pub(crate) const DELETE: Endpoint<1> = Endpoint::delete("/rules/{id}");

/// Every operation of the contract, as its routes must serve them.
pub const OPERATIONS: &[Operation] = &[
    CREATE.operation(),
    LIST.operation(),
    GET.operation(),
    ACTIVE.operation(),
    UPDATE.operation(),
    DELETE.operation(),
];

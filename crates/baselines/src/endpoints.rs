//! The Baseline SOR's operations, declared once for its routes and its remote client.

use pf_infra::sor::endpoint::{Endpoint, Operation};

pub(crate) const CREATE: Endpoint<0> = Endpoint::post("/baselines");
pub(crate) const LIST_BY_APP: Endpoint<1> = Endpoint::get("/baselines/{appName}");
pub(crate) const LIST_BY_TYPE: Endpoint<2> = Endpoint::get("/baselines/{appName}/{type}");
pub(crate) const GET: Endpoint<1> = Endpoint::get("/baselines/id/{id}");
pub(crate) const UPDATE: Endpoint<1> = Endpoint::put("/baselines/{id}");
pub(crate) const DELETE: Endpoint<1> = Endpoint::delete("/baselines/{id}");

/// Every operation of the contract, as its routes must serve them.
pub const OPERATIONS: &[Operation] = &[
    CREATE.operation(),
    LIST_BY_APP.operation(),
    LIST_BY_TYPE.operation(),
    GET.operation(),
    UPDATE.operation(),
    DELETE.operation(),
];

//! The Profile Data SOR's operations, declared once for its routes and its remote client
//! (the flame graph picture is served, and its client draws its own from the tree).

use pf_infra::sor::endpoint::{Endpoint, Operation};

pub(crate) const APPS: Endpoint<0> = Endpoint::get("/profiles/apps");
pub(crate) const PROFILE: Endpoint<1> = Endpoint::get("/profiles/{appName}");
pub(crate) const DIFF: Endpoint<1> = Endpoint::get("/profiles/{appName}/diff");
pub(crate) const TREE: Endpoint<1> = Endpoint::get("/profiles/{appName}/tree");
pub(crate) const DIFF_TREE: Endpoint<1> = Endpoint::get("/profiles/{appName}/diff/tree");
pub(crate) const FLAMEGRAPH: Endpoint<1> = Endpoint::get("/profiles/{appName}/flamegraph.svg");
pub(crate) const LABEL_VALUES: Endpoint<2> =
    Endpoint::get("/profiles/{appName}/labels/{labelName}");
pub(crate) const SITES: Endpoint<1> = Endpoint::get("/profiles/{appName}/sites");
pub(crate) const PGO: Endpoint<1> = Endpoint::get("/pgo/{appName}");

/// Every operation of the contract, as its routes must serve them.
pub const OPERATIONS: &[Operation] = &[
    APPS.operation(),
    PROFILE.operation(),
    DIFF.operation(),
    TREE.operation(),
    DIFF_TREE.operation(),
    FLAMEGRAPH.operation(),
    LABEL_VALUES.operation(),
    SITES.operation(),
    PGO.operation(),
];

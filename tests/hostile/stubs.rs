//! The Pyroscope stand-in of the API tests (Pyroscope's messages, merge rule and limits).

#[path = "../api/stubs/standin.rs"]
pub mod standin;
#[path = "../api/stubs/standin_connect.rs"]
mod standin_connect;
#[path = "../api/stubs/standin_flame.rs"]
mod standin_flame;
#[path = "../api/stubs/standin_limits.rs"]
pub mod standin_limits;
#[path = "../api/stubs/standin_merge.rs"]
mod standin_merge;
#[path = "../api/stubs/standin_push.rs"]
mod standin_push;
#[path = "../api/stubs/standin_query.rs"]
mod standin_query;
#[path = "../api/stubs/standin_select.rs"]
mod standin_select;
#[path = "../api/stubs/standin_series.rs"]
mod standin_series;
#[path = "../api/stubs/standin_shape.rs"]
mod standin_shape;
#[path = "../api/stubs/standin_store.rs"]
mod standin_store;

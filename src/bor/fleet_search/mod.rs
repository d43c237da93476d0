//! Fleet Search.

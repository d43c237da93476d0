//! Diff Report (`ReadPyroscopeDiffReport`): what changed between two windows, with a verdict.

pub mod compute;
pub mod html;
pub mod markdown;
pub mod model;
pub mod routes;
pub mod service;
pub mod significance;
pub mod start;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use compute::Judgement;
pub use html::findings;
pub use model::{DiffReport, DiffRequest};
pub use service::DiffReportService;

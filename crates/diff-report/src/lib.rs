//! Diff Report (`ReadPyroscopeDiffReport`): what changed between two windows, with a verdict.

mod compute;
mod html;
mod markdown;
mod model;
mod module;
mod routes;
mod service;
mod significance;
mod start;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use compute::{report, Judgement};
pub use html::{findings, render as render_html};
pub use model::{DiffEntry, DiffReport, DiffRequest, DiffSummary, Verdict};
pub use module::DIFF_REPORT_MODULE;
pub use routes::ROUTES;
pub use service::DiffReportService;
pub use significance::assess;
pub use start::{start, DiffNeeds, DiffSettings};

//! Where a function lives in the source, as a profile places it
//! (docs/regressions.md#the-change-that-caused-it): what a Profile Data source reads from pprof
//! `Function.filename`/`start_line` and the sampled `Line.line`s, and what the ranking of a
//! regression's commits matches against changed lines.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The label whose values name the commit a profile's code was built from (Pyroscope's
/// source-code convention, which agents fill in).
pub const GIT_REF_LABEL: &str = "service_git_ref";

/// A function as a profile places it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FunctionSite {
    pub name: String,
    /// Its file, as the build named it.
    pub file: String,
    /// Its first line, when the profile says (Go before 1.20 does not).
    pub start_line: Option<u32>,
    /// The lines its samples were taken at, sorted and unique.
    pub sampled: Vec<u32>,
}

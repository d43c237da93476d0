//! The change that caused it (docs/regressions.md#the-change-that-caused-it), pure: the commits of
//! a regression's range ranked by how much of what they changed lies where the regression is: in
//! the regressed function, in a caller or callee whose share rose with it, or elsewhere in its
//! file. What git says of each commit and what the profile says of each function come in as plain
//! values; no I/O here.

mod ends;
pub mod model;
mod paths;
mod rank;
mod spans;
mod stacks;

pub use ends::{range_ends, RangeEnds};
pub use paths::repo_path;
pub use rank::{rank, MAX_SUSPECTS};
pub use spans::span_of;
pub use stacks::{code_spans, related};

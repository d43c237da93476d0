//! The change that caused it (docs/regressions.md#the-change-that-caused-it): the commits between
//! two refs of an operator's git repository, ranked by how much of what they changed lies where a
//! regression is on its stacks. `suspects/` is the pure ranking; `git.rs` reads repositories (no
//! `git` process, no network); [`CommitNamer`] reads what the ranking needs from Profile Data. The
//! regressions capability names the commits of each confirmation with it, and the diff report those
//! of a diff whose sides name refs.

pub mod git;
pub mod naming;
pub mod range;
pub mod settings;
pub mod suspects;

pub use naming::{Between, CommitNamer};
pub use settings::RepositorySettings;
pub use suspects::model::{CommitRange, Suspect, SuspectsAnswer, SuspectsReason, Why};
pub use suspects::{range_ends, RangeEnds};

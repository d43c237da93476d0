//! The change that caused it (docs/regressions.md#the-change-that-caused-it): the commits between
//! two refs of an operator's git repository, ranked by how much of what they changed lies where a
//! regression is on its stacks. `suspects/` is the pure ranking; `git.rs` reads repositories (no
//! `git` process, no network); [`CommitNamer`] reads what the ranking needs from Profile Data. The
//! regressions capability names the commits of each confirmation with it, and the diff report those
//! of a diff whose sides name refs.

mod git;
mod naming;
mod range;
mod settings;
mod suspects;

pub use git::{GitError, GitRepository};
pub use naming::{Between, CommitNamer};
pub use range::{name_suspects, RangeAsked};
pub use settings::RepositorySettings;
pub use suspects::model::{
    CodeSpan, CommitChange, CommitRange, FileChange, LineRange, Role, Suspect, SuspectsAnswer,
    SuspectsReason, Why,
};
pub use suspects::{range_ends, rank, repo_path, span_of, RangeEnds, MAX_SUSPECTS};

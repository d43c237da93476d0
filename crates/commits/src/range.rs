//! The commits named on a regression (docs/regressions.md#the-change-that-caused-it): the range
//! between the refs of the slices before and after its change point, read from the operator's
//! repository, ranked against where the regression lies on its stacks; or why none is named.
//! Blocking (it reads git): callers run it on the blocking pool.

use super::git::{GitError, GitRepository};
use super::suspects::model::{CodeSpan, CommitRange, SuspectsAnswer, SuspectsReason};
use super::suspects::{rank, MAX_SUSPECTS};

/// Where a regression's commits are read from.
#[derive(Debug, Clone, Copy)]
pub struct RangeAsked<'a> {
    /// The app's repository, when `[repositories.dirs]` names one.
    pub repository: Option<&'a GitRepository>,
    /// The ref of the slices before the change point.
    pub from: Option<&'a str>,
    /// The ref of the slices after it.
    pub to: Option<&'a str>,
    /// `repositories.max_commits`.
    pub max_commits: usize,
}

/// The suspects of the range `asked` names, against `spans` (where the regression's functions
/// live at the range's end), or why there are none.
pub fn name_suspects(asked: RangeAsked<'_>, spans: &[CodeSpan]) -> SuspectsAnswer {
    let (Some(from), Some(to)) = (asked.from, asked.to) else {
        return SuspectsAnswer::none(SuspectsReason::NoRefLabel, None);
    };
    if from == to {
        let range = CommitRange {
            from: from.to_owned(),
            to: to.to_owned(),
            commits: 0,
        };
        return SuspectsAnswer::none(SuspectsReason::SameRef, Some(range));
    }
    let Some(repository) = asked.repository else {
        return SuspectsAnswer::none(SuspectsReason::RepositoryNotConfigured, None);
    };
    let commits = match repository.range(from, to, asked.max_commits) {
        Ok(commits) => commits,
        Err(e) => {
            let reason = match e {
                GitError::RefNotFound(_) => SuspectsReason::RefNotFound,
                GitError::TooManyCommits(_) => SuspectsReason::TooManyCommits,
                GitError::NotARepository(..) | GitError::Unreadable(_) => {
                    tracing::warn!(error = %e, "a configured repository cannot be read");
                    SuspectsReason::RepositoryUnreadable
                }
            };
            return SuspectsAnswer::none(reason, None);
        }
    };
    let range = CommitRange {
        from: from.to_owned(),
        to: to.to_owned(),
        commits: commits.len(),
    };
    let suspects = rank(&commits, spans, MAX_SUSPECTS);
    if suspects.is_empty() {
        return SuspectsAnswer::none(SuspectsReason::NoCommitTouchesStacks, Some(range));
    }
    SuspectsAnswer {
        suspects,
        range: Some(range),
        suspects_reason: None,
    }
}

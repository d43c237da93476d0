//! The change that caused it (docs/regressions.md#the-change-that-caused-it), as values: what git
//! says a commit changed, where a function of a regression's stacks lives, and the suspects the
//! ranking names with their evidence.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Lines `start..=end` of a file, counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LineRange {
    pub start: u32,
    pub end: u32,
}

impl LineRange {
    /// The lines from `start` to `end`, in either order.
    pub fn new(start: u32, end: u32) -> Self {
        LineRange {
            start: start.min(end),
            end: start.max(end),
        }
    }

    /// Whether the two share a line.
    pub fn overlaps(&self, other: &LineRange) -> bool {
        self.start <= other.end && other.start <= self.end
    }
}

/// One file a commit changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Its path in the repository after the commit.
    pub path: String,
    /// Its path before, when the commit renamed it.
    pub old_path: Option<String>,
    /// The lines of the file after the commit that the commit added or changed; where it only
    /// removed lines, the line before which they stood.
    pub lines: Vec<LineRange>,
}

/// A commit of the range, and what it changed against its first parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitChange {
    pub id: String,
    /// The first line of its message.
    pub title: String,
    pub author: String,
    /// Commit time, epoch seconds.
    pub time: i64,
    /// More than one parent: a merge, whose changes are its branch's own commits, which the
    /// range holds too; it is not scored.
    pub merge: bool,
    pub files: Vec<FileChange>,
}

/// How a function of the regression's stacks counts as evidence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Role {
    /// The function that regressed.
    Regressed,
    /// A caller or callee whose total share rose with it; `weight` (0–1) is how much of the
    /// regression lies under it.
    Related { weight: f64 },
}

/// Where a function of the regression's stacks lives in the repository at the range's end.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeSpan {
    pub function: String,
    /// Its file, as a path in the repository.
    pub file: String,
    pub lines: LineRange,
    pub role: Role,
}

/// Why a commit is suspected, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// It changes lines of the function that regressed.
    ChangesRegressedFunction,
    /// It changes lines of a caller or callee whose share rose with it.
    ChangesRelatedFunction,
    /// It changes the regressed function's file, elsewhere.
    ChangesRegressedFile,
}

/// One piece of evidence against a commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    pub function: String,
    pub file: String,
    /// The lines it changed there, as `start-end` ranges.
    pub lines: Vec<LineRange>,
    pub why: Why,
}

/// A commit most likely behind a regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Suspect {
    pub commit: String,
    pub short_commit: String,
    pub title: String,
    pub author: String,
    /// Commit time, epoch seconds.
    pub time: i64,
    /// 0–1: one minus the chance that none of its evidence is why, each piece weighed as
    /// [`Why`] ranks them.
    pub score: f64,
    pub evidence: Vec<Evidence>,
}

/// Why a regression names no commit (docs/regressions.md#the-change-that-caused-it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuspectsReason {
    /// The slices before or after the change point name no ref (`service_git_ref`, or a
    /// version that names one).
    NoRefLabel,
    /// No directory in `[repositories.dirs]` for the app or its repository.
    RepositoryNotConfigured,
    /// A ref is not in the repository (not fetched yet?).
    RefNotFound,
    /// The range holds more than `repositories.max_commits` commits.
    TooManyCommits,
    /// The configured directory is no git repository the service can read.
    RepositoryUnreadable,
    /// No commit of the range changes a function on the regression's stacks or its file.
    NoCommitTouchesStacks,
    /// The slices before and after the change name one ref: the code did not change there.
    SameRef,
    /// The profile source names functions only (the legacy Pyroscope API): no file or line
    /// to match a commit's changes against.
    SourceHasNoLines,
    /// The summaries or the profile the commits are ranked against could not be read when the
    /// regression was confirmed; `GET /regressions/{id}/suspects` reads them again.
    ProfileUnreadable,
}

impl SuspectsReason {
    /// Every reason, as stored and on the wire.
    pub const ALL: [SuspectsReason; 9] = [
        SuspectsReason::NoRefLabel,
        SuspectsReason::RepositoryNotConfigured,
        SuspectsReason::RefNotFound,
        SuspectsReason::TooManyCommits,
        SuspectsReason::RepositoryUnreadable,
        SuspectsReason::NoCommitTouchesStacks,
        SuspectsReason::SameRef,
        SuspectsReason::SourceHasNoLines,
        SuspectsReason::ProfileUnreadable,
    ];

    /// The reason's stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SuspectsReason::NoRefLabel => "no_ref_label",
            SuspectsReason::RepositoryNotConfigured => "repository_not_configured",
            SuspectsReason::RefNotFound => "ref_not_found",
            SuspectsReason::TooManyCommits => "too_many_commits",
            SuspectsReason::RepositoryUnreadable => "repository_unreadable",
            SuspectsReason::NoCommitTouchesStacks => "no_commit_touches_stacks",
            SuspectsReason::SameRef => "same_ref",
            SuspectsReason::SourceHasNoLines => "source_has_no_lines",
            SuspectsReason::ProfileUnreadable => "profile_unreadable",
        }
    }

    /// The reason named `name`.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// The commits a regression's suspects were chosen from: reachable from `to`, not from `from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CommitRange {
    pub from: String,
    pub to: String,
    /// How many commits the range holds.
    pub commits: usize,
}

/// The commits named on a regression, best first, or why none is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SuspectsAnswer {
    /// At most five.
    pub suspects: Vec<Suspect>,
    /// Absent when no range could be read.
    pub range: Option<CommitRange>,
    /// Present when `suspects` is empty.
    pub suspects_reason: Option<SuspectsReason>,
}

impl SuspectsAnswer {
    /// No suspects, for `reason`.
    pub fn none(reason: SuspectsReason, range: Option<CommitRange>) -> Self {
        SuspectsAnswer {
            suspects: Vec::new(),
            range,
            suspects_reason: Some(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SuspectsReason;

    #[test]
    fn every_reason_is_stored_under_its_wire_name() {
        for reason in SuspectsReason::ALL {
            let wire = serde_json::to_value(reason).unwrap();
            assert_eq!(wire, reason.as_str());
            assert_eq!(SuspectsReason::named(reason.as_str()), Some(reason));
        }
        assert_eq!(SuspectsReason::named("because"), None);
    }
}

//! The operator's git repositories, read (docs/regressions.md#the-change-that-caused-it): the
//! commits between two refs with what each changed, and whether a path is a file of a commit's
//! tree. A pure-Rust reader (`gix`), no `git` process and no network; a clone or a bare mirror the
//! operator keeps fetched. Blocking: callers run it on the blocking pool.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;
use gix::diff::blob::{Algorithm, Diff, InternedInput};
use gix::object::tree::diff::ChangeDetached;

use crate::suspects::model::{CommitChange, FileChange, LineRange};

/// Why a repository could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitError {
    #[error("{0} is not a git repository the service can read: {1}")]
    NotARepository(String, String),
    #[error("the ref {0} is not in the repository")]
    RefNotFound(String),
    #[error("the range holds more than {0} commits")]
    TooManyCommits(usize),
    #[error("the repository cannot be read: {0}")]
    Unreadable(String),
}

fn unreadable(e: impl std::fmt::Display) -> GitError {
    GitError::Unreadable(e.to_string())
}

/// One repository on disk.
#[derive(Debug, Clone)]
pub struct GitRepository {
    path: PathBuf,
}

impl GitRepository {
    /// The repository at `path` (a work tree's root or a bare repository).
    pub fn at(path: impl Into<PathBuf>) -> Self {
        GitRepository { path: path.into() }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open(&self) -> Result<gix::Repository, GitError> {
        gix::open(&self.path)
            .map_err(|e| GitError::NotARepository(self.path.display().to_string(), e.to_string()))
    }

    /// The commits reachable from `to` and not from `from` (`from..to`), newest first, each
    /// with what it changed against its first parent; more than `max` is an error.
    pub fn range(&self, from: &str, to: &str, max: usize) -> Result<Vec<CommitChange>, GitError> {
        let repo = self.open()?;
        let (from, to) = (commit_id(&repo, from)?, commit_id(&repo, to)?);
        let walk = repo
            .rev_walk([to])
            .with_hidden([from])
            .all()
            .map_err(unreadable)?;
        let mut ids = Vec::new();
        for info in walk {
            let info = info.map_err(unreadable)?;
            if ids.len() == max {
                return Err(GitError::TooManyCommits(max));
            }
            ids.push(info.id);
        }
        ids.iter().map(|id| commit_change(&repo, *id)).collect()
    }

    /// Whether `path` names a file of the tree of `rev`.
    pub fn has_file(&self, rev: &str, path: &str) -> Result<bool, GitError> {
        Ok(!self.existing(rev, [path.to_owned()])?.is_empty())
    }

    /// Those of `paths` that name a file of the tree of `rev`.
    pub fn existing(
        &self,
        rev: &str,
        paths: impl IntoIterator<Item = String>,
    ) -> Result<HashSet<String>, GitError> {
        let repo = self.open()?;
        let commit = repo
            .find_commit(commit_id(&repo, rev)?)
            .map_err(unreadable)?;
        let tree = commit.tree().map_err(unreadable)?;
        let mut found = HashSet::new();
        for path in paths {
            let entry = tree.lookup_entry_by_path(&path).map_err(unreadable)?;
            if entry.is_some_and(|e| e.mode().is_blob()) {
                found.insert(path);
            }
        }
        Ok(found)
    }
}

/// The commit `rev` (a commit id, a branch, a tag) names.
fn commit_id(repo: &gix::Repository, rev: &str) -> Result<gix::ObjectId, GitError> {
    let not_found = || GitError::RefNotFound(rev.to_owned());
    let id = repo.rev_parse_single(rev).map_err(|_| not_found())?;
    let commit = id
        .object()
        .map_err(|_| not_found())?
        .peel_to_commit()
        .map_err(|_| not_found())?;
    Ok(commit.id)
}

/// `id`'s title, author, time and the files it changed against its first parent.
fn commit_change(repo: &gix::Repository, id: gix::ObjectId) -> Result<CommitChange, GitError> {
    let commit = repo.find_commit(id).map_err(unreadable)?;
    let parents: Vec<gix::ObjectId> = commit.parent_ids().map(|p| p.detach()).collect();
    let message = commit.message().map_err(unreadable)?;
    let author = commit.author().map_err(unreadable)?;
    let time = commit.time().map_err(unreadable)?;
    let tree = commit.tree().map_err(unreadable)?;
    let parent_tree = match parents.first() {
        Some(parent) => Some(
            repo.find_commit(*parent)
                .map_err(unreadable)?
                .tree()
                .map_err(unreadable)?,
        ),
        None => None,
    };
    let mut options = gix::diff::Options::default();
    options.track_rewrites(Some(gix::diff::Rewrites::default()));
    let changes = repo
        .diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), Some(options))
        .map_err(unreadable)?;
    let mut files = Vec::new();
    for change in changes {
        if let Some(file) = file_change(repo, change)? {
            files.push(file);
        }
    }
    Ok(CommitChange {
        id: id.to_string(),
        title: message.summary().to_str_lossy().into_owned(),
        author: author.name.to_str_lossy().into_owned(),
        time: time.seconds,
        merge: parents.len() > 1,
        files,
    })
}

/// A blob's change as the lines of its new version it added or changed; a deletion is none.
fn file_change(
    repo: &gix::Repository,
    change: ChangeDetached,
) -> Result<Option<FileChange>, GitError> {
    let (path, old_path, before, after) = match change {
        ChangeDetached::Addition {
            location,
            entry_mode,
            id,
            ..
        } if entry_mode.is_blob() => (location, None, None, id),
        ChangeDetached::Modification {
            location,
            entry_mode,
            previous_id,
            id,
            ..
        } if entry_mode.is_blob() => (location, None, Some(previous_id), id),
        ChangeDetached::Rewrite {
            source_location,
            source_id,
            location,
            entry_mode,
            id,
            copy,
            ..
        } if entry_mode.is_blob() => {
            let old = (!copy).then_some(source_location);
            (location, old, Some(source_id), id)
        }
        _ => return Ok(None),
    };
    let data = |id: gix::ObjectId| -> Result<Vec<u8>, GitError> {
        Ok(repo.find_object(id).map_err(unreadable)?.detach().data)
    };
    let after_data = data(after)?;
    let before_data = match before {
        Some(before) if before != after => data(before)?,
        Some(_) => after_data.clone(),
        None => Vec::new(),
    };
    Ok(Some(FileChange {
        path: path.to_str_lossy().into_owned(),
        old_path: old_path.map(|p| p.to_str_lossy().into_owned()),
        lines: changed_lines(&before_data, &after_data),
    }))
}

/// The lines of `after` (counted from 1) that differ from `before`: each added or changed run;
/// where lines were only removed, the line before which they stood.
pub fn changed_lines(before: &[u8], after: &[u8]) -> Vec<LineRange> {
    if before == after {
        return Vec::new();
    }
    let input = InternedInput::new(before, after);
    let diff = Diff::compute(Algorithm::Histogram, &input);
    diff.hunks()
        .map(|hunk| {
            if hunk.after.is_empty() {
                let at = hunk.after.start.saturating_add(1);
                LineRange::new(at, at)
            } else {
                LineRange::new(hunk.after.start.saturating_add(1), hunk.after.end)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::changed_lines;
    use crate::suspects::model::LineRange;

    #[test]
    fn changed_lines_are_the_new_versions_lines_counted_from_one() {
        let before = b"a\nb\nc\nd\ne\n";
        assert_eq!(changed_lines(before, before), []);
        // c changed, a line added after e.
        assert_eq!(
            changed_lines(before, b"a\nb\nC\nd\ne\nf\n"),
            [LineRange::new(3, 3), LineRange::new(6, 6)]
        );
        // b removed: it stood before the line that is now 2.
        assert_eq!(
            changed_lines(before, b"a\nc\nd\ne\n"),
            [LineRange::new(2, 2)]
        );
        // A new file: every line.
        assert_eq!(changed_lines(b"", b"x\ny\n"), [LineRange::new(1, 2)]);
    }
}

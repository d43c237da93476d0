//! Where the commits behind a regression are read from (`[repositories]`,
//! docs/regressions.md#the-change-that-caused-it): the git directory of each repository URL or app,
//! and how many commits a range may hold.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Where the commits behind a regression are read from
/// (docs/regressions.md#the-change-that-caused-it).
#[derive(Debug, Clone, Deserialize)]
pub struct RepositorySettings {
    /// Commits in a regression's range at most.
    pub max_commits: NonZeroUsize,
    /// A repository URL (the label `service_repository`) or an app name, to a local git
    /// directory.
    #[serde(default)]
    pub dirs: BTreeMap<String, PathBuf>,
}

impl RepositorySettings {
    /// The directory of `repository` (the URL an agent's label names), else of `app`.
    pub fn dir_for(&self, repository: Option<&str>, app: &str) -> Option<&Path> {
        repository
            .and_then(|url| self.dirs.get(url.trim_end_matches('/')))
            .or_else(|| self.dirs.get(app))
            .map(PathBuf::as_path)
    }
}

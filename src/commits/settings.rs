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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::settings::Settings;

    #[test]
    fn repositories_are_found_by_url_then_by_app_within_500_commits_by_default() {
        let none = Vec::<(String, String)>::new;
        let s = Settings::load_from(None, none()).unwrap();
        assert_eq!(s.repositories.max_commits.get(), 500);
        assert!(s.repositories.dirs.is_empty());

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("repositories.toml");
        let toml = "[repositories]\nmax_commits = 50\n[repositories.dirs]\n\
                    \"https://github.com/acme/ledger\" = \"/srv/git/ledger.git\"\n\
                    checkout = \"/srv/git/checkout\"\n";
        std::fs::write(&file, toml).unwrap();
        let s = Settings::load_from(file.to_str(), none()).unwrap();
        let repositories = &s.repositories;
        assert_eq!(repositories.max_commits.get(), 50);
        assert_eq!(
            repositories.dir_for(Some("https://github.com/acme/ledger/"), "ledger"),
            Some(Path::new("/srv/git/ledger.git"))
        );
        assert_eq!(
            repositories.dir_for(None, "checkout"),
            Some(Path::new("/srv/git/checkout"))
        );
        assert_eq!(
            repositories.dir_for(Some("https://example.com/x"), "x"),
            None
        );

        std::fs::write(&file, "[repositories]\nmax_commits = 0\n").unwrap();
        let err = Settings::load_from(file.to_str(), none()).err().unwrap();
        assert!(err.to_string().contains("max_commits"), "{err}");
    }
}

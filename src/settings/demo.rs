//! What the bundled demo adds to the settings of a process that reads it itself
//! (`ProfileSource::PushesAndDemo`: neither `pyroscope.url` nor `profiles.dir` set): the repository its regression's commit is named
//! from, and the memory limit its leak is measured against.

use super::{Function, Settings};
use pf_commits::RepositorySettings;
use pf_profiles::ProfileSource;

impl Settings {
    /// The repositories the commits behind a regression are read from
    /// (docs/regressions.md#the-change-that-caused-it): `repositories` and, when this process
    /// serves the demo, its `ledger` repository beside the demo profiles
    /// (`<demo_dir>/../repository/ledger.git`), so a first run names the commit behind ledger's
    /// regression. A `ledger` the operator configured is kept; a demo without the repository
    /// adds nothing.
    pub fn repositories_with_demo(&self) -> RepositorySettings {
        // Made by scripts/demo-repository.sh, which demo-profiles.sh runs.
        let (app, place) = ("ledger", "repository/ledger.git");
        let mut repositories = self.repositories.clone();
        if !self.serves_demo() || repositories.dirs.contains_key(app) {
            return repositories;
        }
        let demo = self.profiles.demo_dir();
        let repository = match demo.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.join(place),
            _ => demo.join("..").join(place),
        };
        if repository.is_dir() {
            repositories.dirs.insert(app.to_owned(), repository);
        }
        repositories
    }

    /// The memory limit leaks are measured against (docs/regressions.md#memory-that-only-grows):
    /// `leaks.memory_limit_bytes`, or, when this process serves the demo, the 1 GiB the demo's
    /// `cart` runs with, so a first run says when cart's leak reaches it.
    pub fn memory_limit_with_demo(&self) -> Option<u64> {
        const DEMO_LIMIT: u64 = 1 << 30;
        let demo = self.serves_demo().then_some(DEMO_LIMIT);
        self.leaks.memory_limit_bytes.or(demo)
    }

    /// Whether this process reads the bundled demo profiles itself (one that reaches Profile
    /// Data over PROFILE_DATA_URL answers from whatever that process reads).
    fn serves_demo(&self) -> bool {
        self.function.hosts(Function::ProfileDataSor)
            && matches!(self.profile_source(), Ok(ProfileSource::PushesAndDemo))
    }
}

#[cfg(test)]
#[path = "demo_tests.rs"]
mod tests;

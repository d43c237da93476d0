//! The commits between two refs, named against a function of a profile
//! (docs/regressions.md#the-change-that-caused-it): the repository `[repositories.dirs]` gives the
//! app, the call trees of the windows before and after and where the profile places their
//! functions, then the range ranked on the blocking pool. For a confirmed regression, whose refs
//! come from its slices, and for a diff, whose refs come from each side's labels.

use std::collections::HashSet;
use std::sync::Arc;

use super::git::GitRepository;
use super::range::{name_suspects, RangeAsked};
use super::settings::RepositorySettings;
use super::suspects::model::{SuspectsAnswer, SuspectsReason};
use super::suspects::{code_spans, related, repo_path, RangeEnds};
use pf_infra::sor::SorError;
use pf_model::{AppName, CallTree, LabelSelector, ProfileType, TimeWindow, GIT_REF_LABEL};
use pf_profiles::{LabelQuery, ProfileDataSor, ProfileQuery};

/// The label naming the repository an agent's code comes from.
const REPOSITORY_LABEL: &str = "service_repository";
/// The label naming where the repository's root was in the build.
const ROOT_PATH_LABEL: &str = "service_root_path";

/// A change of one function between two windows of one app, whose commits are asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Between {
    pub app: AppName,
    pub profile_type: ProfileType,
    pub function: String,
    pub before: TimeWindow,
    pub after: TimeWindow,
    /// Matchers of each side.
    pub labels: (LabelSelector, LabelSelector),
    /// The repository, when the caller names it (a URL or an app of `[repositories.dirs]`);
    /// else the after side's `service_repository` label, else the app.
    pub repository: Option<String>,
}

/// What naming commits reads.
pub struct CommitNamer {
    pub profiles: Arc<dyn ProfileDataSor>,
    pub repositories: RepositorySettings,
}

impl CommitNamer {
    /// Whether `[repositories.dirs]` names any repository.
    pub fn configured(&self) -> bool {
        !self.repositories.dirs.is_empty()
    }

    /// The suspects of `asked` in the range `ends`, or why there are none.
    ///
    /// # Errors
    /// What Profile Data fails with.
    pub async fn name(&self, asked: &Between, ends: RangeEnds) -> Result<SuspectsAnswer, SorError> {
        if self.repositories.dirs.is_empty() {
            return Ok(SuspectsAnswer::none(
                SuspectsReason::RepositoryNotConfigured,
                None,
            ));
        }
        let after = (asked.after, &asked.labels.1);
        let repository = match &asked.repository {
            Some(named) => Some(named.clone()),
            None => self.label(asked, asked.after, REPOSITORY_LABEL).await?,
        };
        let Some(dir) = self
            .repositories
            .dir_for(repository.as_deref(), asked.app.as_str())
        else {
            return Ok(SuspectsAnswer::none(
                SuspectsReason::RepositoryNotConfigured,
                None,
            ));
        };
        // First: a source without lines says so before any other read is spent.
        let sites = match self.profiles.sites(query(asked, after)).await {
            Err(SorError::NotImplemented(_)) => {
                return Ok(SuspectsAnswer::none(SuspectsReason::SourceHasNoLines, None));
            }
            sites => sites?,
        };
        let root = self.label(asked, asked.after, ROOT_PATH_LABEL).await?;
        let before_tree = self.tree(asked, (asked.before, &asked.labels.0)).await?;
        let after_tree = self.tree(asked, after).await?;
        let weights = related(&asked.function, &before_tree, &after_tree);
        let repository = GitRepository::at(dir);
        let max_commits = self.repositories.max_commits.get();
        let function = asked.function.clone();
        tokio::task::spawn_blocking(move || {
            let candidates = sites
                .iter()
                .flat_map(|s| suffixes(&s.file, root.as_deref()))
                .collect::<HashSet<_>>();
            let existing = repository
                .existing(&ends.to, candidates)
                .unwrap_or_default();
            let locate = |build: &str| repo_path(build, root.as_deref(), |p| existing.contains(p));
            let spans = code_spans(&function, &weights, &sites, locate);
            let asked = RangeAsked {
                repository: Some(&repository),
                from: Some(&ends.from),
                to: Some(&ends.to),
                max_commits,
            };
            let answer = name_suspects(asked, &spans);
            // A version that names no commit is no ref at all.
            match answer.suspects_reason {
                Some(SuspectsReason::RefNotFound) if ends.from_versions => {
                    SuspectsAnswer::none(SuspectsReason::NoRefLabel, None)
                }
                _ => answer,
            }
        })
        .await
        .map_err(|e| SorError::Unexpected(format!("ranking the commits failed: {e}")))
    }

    /// The ends of `asked`'s range from each side's `service_git_ref` values: the value of
    /// one side the other does not name; `None` when a side names none.
    ///
    /// # Errors
    /// What Profile Data fails with.
    pub async fn labelled_ends(&self, asked: &Between) -> Result<Option<RangeEnds>, SorError> {
        let before = self.values(asked, asked.before, GIT_REF_LABEL).await?;
        let after = self.values(asked, asked.after, GIT_REF_LABEL).await?;
        Ok(RangeEnds::between(&before, &after, false))
    }

    /// The window's call tree; an empty one where the app has no profile there.
    async fn tree(
        &self,
        asked: &Between,
        side: (TimeWindow, &LabelSelector),
    ) -> Result<Arc<CallTree>, SorError> {
        match self.profiles.tree(query(asked, side)).await {
            Ok(tree) => Ok(tree),
            Err(SorError::NotFound(_)) => Ok(Arc::default()),
            Err(e) => Err(e),
        }
    }

    /// The first value of label `name` in `window`.
    async fn label(
        &self,
        asked: &Between,
        window: TimeWindow,
        name: &str,
    ) -> Result<Option<String>, SorError> {
        Ok(self.values(asked, window, name).await?.into_iter().next())
    }

    /// The values of label `name` on the app's profiles in `window` (Profile Data reads label
    /// values per app, whatever a side's matchers).
    async fn values(
        &self,
        asked: &Between,
        window: TimeWindow,
        name: &str,
    ) -> Result<Vec<String>, SorError> {
        match self
            .profiles
            .label_values(LabelQuery {
                app: asked.app.clone(),
                profile_type: asked.profile_type,
                window,
                name: name.to_owned(),
            })
            .await
        {
            Ok(values) => Ok(values),
            Err(SorError::NotFound(_)) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

fn query(asked: &Between, (window, labels): (TimeWindow, &LabelSelector)) -> ProfileQuery {
    ProfileQuery {
        app: asked.app.clone(),
        profile_type: asked.profile_type,
        window,
        limit: 1,
        labels: labels.clone(),
    }
}

/// The repository paths `build` may stand for: with `root` stripped, and each of its suffixes.
fn suffixes(build: &str, root: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    repo_path(build, root, |p| {
        out.push(p.to_owned());
        false
    });
    out
}

#[cfg(any(test, feature = "testing"))]
impl CommitNamer {
    /// A namer with no repository configured.
    pub fn unconfigured() -> Self {
        CommitNamer {
            profiles: Arc::new(pf_profiles::MockProfileDataSor::new()),
            repositories: RepositorySettings {
                max_commits: std::num::NonZeroUsize::MIN,
                dirs: Default::default(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{Between, CommitNamer};
    use crate::{RangeEnds, RepositorySettings, SuspectsReason};
    use pf_infra::sor::SorError;
    use pf_model::{ProfileType, TimeWindow};
    use pf_profiles::MockProfileDataSor;

    #[tokio::test]
    async fn a_source_without_lines_is_said_rather_than_blaming_the_stacks() {
        let mut profiles = MockProfileDataSor::new();
        profiles.expect_label_values().returning(|_| Ok(Vec::new()));
        profiles
            .expect_sites()
            .returning(|_| Err(SorError::NotImplemented("the legacy API".into())));
        let namer = CommitNamer {
            profiles: Arc::new(profiles),
            repositories: RepositorySettings {
                max_commits: std::num::NonZeroUsize::MIN,
                dirs: [("shop".to_owned(), std::env::temp_dir())].into(),
            },
        };
        let window = |from| TimeWindow::new(from, from + 600).unwrap();
        let asked = Between {
            app: "shop".parse().unwrap(),
            profile_type: ProfileType::Cpu,
            function: "main.score".into(),
            before: window(0),
            after: window(600),
            labels: Default::default(),
            repository: None,
        };
        let ends = RangeEnds {
            from: "a".into(),
            to: "b".into(),
            from_versions: false,
        };
        let answer = namer.name(&asked, ends).await.unwrap();
        assert!(answer.suspects.is_empty());
        assert_eq!(
            answer.suspects_reason,
            Some(SuspectsReason::SourceHasNoLines)
        );
    }
}

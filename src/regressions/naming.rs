//! The commits named on a regression, read (SPEC §21): the refs its slices name on either side
//! of its change point, the repository `[repositories.dirs]` gives the app, the call trees of
//! its before and after windows and where the profile places their functions, then the range
//! ranked on the blocking pool. At a confirmation, and again on `GET /regressions/{id}/suspects`.

use std::collections::HashSet;
use std::sync::Arc;

use super::commits::{name_suspects, RangeAsked};
use super::git::GitRepository;
use super::settings::RepositorySettings;
use super::suspects::model::{SuspectsAnswer, SuspectsReason};
use super::suspects::{code_spans, range_ends, related, repo_path};
use crate::infra::sor::SorError;
use crate::model::{AppName, CallTree, LabelSelector, ProfileType, TimeWindow};
use crate::profiles::{ProfileDataSor, ProfileQuery};
use crate::watch::SummarySor;

/// The label naming the repository an agent's code comes from.
const REPOSITORY_LABEL: &str = "service_repository";
/// The label naming where the repository's root was in the build.
const ROOT_PATH_LABEL: &str = "service_root_path";

/// A regression whose commits are asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuspectsAsked {
    pub app: AppName,
    pub profile_type: ProfileType,
    pub function: String,
    pub changed_at: i64,
    /// The end of its after window: its confirmation, or now.
    pub through: i64,
}

/// What naming a regression's commits reads.
pub struct CommitNamer {
    pub summaries: Arc<dyn SummarySor>,
    pub profiles: Arc<dyn ProfileDataSor>,
    pub repositories: RepositorySettings,
    /// How far before the change point the before window reaches, in seconds.
    pub reference_secs: i64,
}

impl CommitNamer {
    /// The suspects of `asked`, or why there are none.
    ///
    /// # Errors
    /// What the summaries or Profile Data fail with.
    pub async fn name(&self, asked: &SuspectsAsked) -> Result<SuspectsAnswer, SorError> {
        let before = TimeWindow {
            from: asked.changed_at.saturating_sub(self.reference_secs),
            to: asked.changed_at.max(1),
        };
        let after = TimeWindow {
            from: asked.changed_at,
            to: asked.through.max(asked.changed_at.saturating_add(1)),
        };
        let history = self
            .summaries
            .summaries(
                asked.app.clone(),
                asked.profile_type,
                TimeWindow {
                    from: before.from,
                    to: after.to,
                },
            )
            .await?;
        let Some(ends) = range_ends(&history, asked.changed_at) else {
            return Ok(SuspectsAnswer::none(SuspectsReason::NoRefLabel, None));
        };
        if self.repositories.dirs.is_empty() {
            return Ok(SuspectsAnswer::none(
                SuspectsReason::RepositoryNotConfigured,
                None,
            ));
        }
        let repository = self.label(asked, after, REPOSITORY_LABEL).await?;
        let Some(dir) = self
            .repositories
            .dir_for(repository.as_deref(), asked.app.as_str())
        else {
            return Ok(SuspectsAnswer::none(
                SuspectsReason::RepositoryNotConfigured,
                None,
            ));
        };
        let root = self.label(asked, after, ROOT_PATH_LABEL).await?;
        let before_tree = self.tree(asked, before).await?;
        let after_tree = self.tree(asked, after).await?;
        let sites = self.profiles.sites(self.query(asked, after)).await?;
        let weights = related(&asked.function, &before_tree, &after_tree);
        let repository = GitRepository::at(dir);
        let max_commits = self.repositories.max_commits.get();
        let function = asked.function.clone();
        let ranked = tokio::task::spawn_blocking(move || {
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
        .map_err(|e| SorError::Unexpected(format!("ranking the commits failed: {e}")))?;
        Ok(ranked)
    }

    fn query(&self, asked: &SuspectsAsked, window: TimeWindow) -> ProfileQuery {
        ProfileQuery {
            app: asked.app.clone(),
            profile_type: asked.profile_type,
            window,
            limit: 1,
            labels: LabelSelector::default(),
        }
    }

    /// The window's call tree; an empty one where the app has no profile there.
    async fn tree(
        &self,
        asked: &SuspectsAsked,
        window: TimeWindow,
    ) -> Result<Arc<CallTree>, SorError> {
        match self.profiles.tree(self.query(asked, window)).await {
            Ok(tree) => Ok(tree),
            Err(SorError::NotFound(_)) => Ok(Arc::default()),
            Err(e) => Err(e),
        }
    }

    /// The first value of label `name` in the window.
    async fn label(
        &self,
        asked: &SuspectsAsked,
        window: TimeWindow,
        name: &str,
    ) -> Result<Option<String>, SorError> {
        let values = self
            .profiles
            .label_values(
                asked.app.clone(),
                asked.profile_type,
                window,
                name.to_owned(),
            )
            .await?;
        Ok(values.into_iter().next())
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

#[cfg(test)]
impl CommitNamer {
    /// A namer whose summaries name no ref: every regression gets `no_ref_label`.
    pub fn without_refs() -> Self {
        let mut summaries = crate::watch::MockSummarySor::new();
        summaries
            .expect_summaries()
            .returning(|_, _, _| Ok(Vec::new()));
        CommitNamer {
            summaries: Arc::new(summaries),
            profiles: Arc::new(crate::profiles::MockProfileDataSor::new()),
            repositories: RepositorySettings {
                max_commits: std::num::NonZeroUsize::MIN,
                dirs: Default::default(),
            },
            reference_secs: 0,
        }
    }
}

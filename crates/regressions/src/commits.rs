//! The commits named on a regression (docs/regressions.md#the-change-that-caused-it): the refs its
//! slices name on either side of its change point (the watcher keeps them with each summary),
//! ranked by the commits capability against its before and after windows. At a confirmation, and
//! again on `GET /regressions/{id}/suspects`.

use std::sync::Arc;

use pf_commits::{range_ends, Between, CommitNamer, SuspectsAnswer, SuspectsReason};
use pf_infra::sor::SorError;
use pf_model::trend::SliceSummary;
use pf_model::{AppName, LabelSelector, ProfileType, TimeWindow};
use pf_watch::SummarySor;

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

/// Names the commits behind regressions.
pub struct RegressionCommits {
    pub summaries: Arc<dyn SummarySor>,
    pub namer: Arc<CommitNamer>,
    /// How far before the change point the before window reaches, in seconds.
    pub reference_secs: i64,
}

impl RegressionCommits {
    /// The suspects of `asked`, or why there are none, its slices read from the summaries.
    ///
    /// # Errors
    /// What the summaries or Profile Data fail with.
    pub async fn name(&self, asked: &SuspectsAsked) -> Result<SuspectsAnswer, SorError> {
        let (before, after) = self.windows(asked);
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
        self.name_in(asked, &history).await
    }

    /// [`RegressionCommits::name`] with the slices around the change point at hand (the
    /// examiner's history, oldest first).
    ///
    /// # Errors
    /// What Profile Data fails with.
    pub async fn name_in(
        &self,
        asked: &SuspectsAsked,
        history: &[SliceSummary],
    ) -> Result<SuspectsAnswer, SorError> {
        let Some(ends) = range_ends(history, asked.changed_at) else {
            return Ok(SuspectsAnswer::none(SuspectsReason::NoRefLabel, None));
        };
        let (before, after) = self.windows(asked);
        let between = Between {
            app: asked.app.clone(),
            profile_type: asked.profile_type,
            function: asked.function.clone(),
            before,
            after,
            labels: (LabelSelector::default(), LabelSelector::default()),
            repository: None,
        };
        self.namer.name(&between, ends).await
    }

    /// The windows before and after `asked`'s change point.
    fn windows(&self, asked: &SuspectsAsked) -> (TimeWindow, TimeWindow) {
        let before = TimeWindow {
            from: asked.changed_at.saturating_sub(self.reference_secs),
            to: asked.changed_at.max(1),
        };
        let after = TimeWindow {
            from: asked.changed_at,
            to: asked.through.max(asked.changed_at.saturating_add(1)),
        };
        (before, after)
    }
}

#[cfg(test)]
impl RegressionCommits {
    /// Commits named from summaries that name no ref: every regression gets `no_ref_label`.
    pub fn without_refs() -> Self {
        let mut summaries = pf_watch::MockSummarySor::new();
        summaries
            .expect_summaries()
            .returning(|_, _, _| Ok(Vec::new()));
        RegressionCommits {
            summaries: Arc::new(summaries),
            namer: Arc::new(CommitNamer::unconfigured()),
            reference_secs: 0,
        }
    }
}

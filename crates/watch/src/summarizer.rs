//! One slice of one series, summarized (docs/profiles-over-time.md): the app's profile of exactly
//! that slice, its top functions and the versions it saw.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use crate::store::Series;
use pf_infra::sor::coalescing::Coalescing;
use pf_infra::sor::SorError;
use pf_infra::telemetry::Metrics;
use pf_model::trend::SliceSummary;
use pf_model::{LabelSelector, Slices, TimeWindow, GIT_REF_LABEL};
use pf_profiles::{LabelQuery, Profile, ProfileDataSor, ProfileQuery};

/// Functions read per slice before the summary keeps its top: the most a Profile Data SOR
/// lists, so the tie-break by total samples sees every candidate.
const READ_FUNCTIONS: u32 = 1000;

/// Slices whose app lists are remembered.
const LISTED_SLICES: u64 = 2048;

/// What each summary is made of: the slice length, how many functions it keeps, and the label
/// whose values are the slice's versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryShape {
    pub version_label: String,
    pub top_functions: usize,
    pub slices: Slices,
}

/// Reads slices from Profile Data and summarizes them.
pub struct Summarizer {
    pub profiles: Arc<dyn ProfileDataSor>,
    pub version_label: String,
    pub top_functions: usize,
    pub slices: Slices,
    /// The apps listed per slice start, shared by every series of this replica.
    listed: Coalescing<i64, Arc<HashSet<String>>>,
}

impl Summarizer {
    pub fn new(
        profiles: Arc<dyn ProfileDataSor>,
        shape: SummaryShape,
        metrics: Arc<Metrics>,
    ) -> Self {
        let SummaryShape {
            version_label,
            top_functions,
            slices,
        } = shape;
        let ttl = Duration::from_secs(600);
        Summarizer {
            profiles,
            version_label,
            top_functions,
            slices,
            listed: Coalescing::new("watch_apps", ttl, LISTED_SLICES, |_, _| 1, metrics),
        }
    }

    /// The slice starting at `start`.
    pub fn window(&self, start: i64) -> TimeWindow {
        TimeWindow {
            from: start,
            to: start.saturating_add(self.slices.slice_secs.secs()),
        }
    }

    /// The apps Profile Data lists in the slice starting at `start`.
    pub async fn apps(&self, start: i64) -> Result<Arc<HashSet<String>>, SorError> {
        let window = self.window(start);
        self.listed
            .get_or_load(start, async {
                let apps = self.profiles.apps(window).await?;
                Ok(Arc::new(apps.into_iter().collect()))
            })
            .await
    }

    /// The summary of `series` in the slice starting at `start`; `None` when the app is not
    /// listed in it or has no profile of that type there.
    pub async fn summarize(
        &self,
        series: &Series,
        start: i64,
    ) -> Result<Option<SliceSummary>, SorError> {
        let window = self.window(start);
        let labels = vec![self.version_label.clone(), GIT_REF_LABEL.to_owned()];
        // A source that says what holds data for the whole fleet at once (Pyroscope) is asked
        // nothing more of an app without data of this type in this slice, and only its profile
        // of one with data (docs/at-scale.md, "Calls for what holds data").
        if let Some(holding) = self
            .profiles
            .holding(series.profile_type, window, labels)
            .await?
        {
            let Some(held) = holding.apps.get(series.app.as_str()) else {
                return Ok(None);
            };
            let Some(profile) = self.profile(series, window).await? else {
                return Ok(None);
            };
            let versions = held.values(&self.version_label);
            let refs = held.values(GIT_REF_LABEL);
            return Ok(Some(self.summary(start, profile, versions, refs)));
        }
        if !self.apps(start).await?.contains(series.app.as_str()) {
            return Ok(None);
        }
        let Some(profile) = self.profile(series, window).await? else {
            return Ok(None);
        };
        let label = |name: &str| LabelQuery {
            app: series.app.clone(),
            profile_type: series.profile_type,
            window,
            name: name.to_owned(),
        };
        let versions = self
            .profiles
            .label_values(label(&self.version_label))
            .await?;
        let refs = self.profiles.label_values(label(GIT_REF_LABEL)).await?;
        Ok(Some(self.summary(start, profile, versions, refs)))
    }

    /// The profile of `series` in `window`; `None` when it has none there.
    async fn profile(
        &self,
        series: &Series,
        window: TimeWindow,
    ) -> Result<Option<Profile>, SorError> {
        let query = ProfileQuery {
            app: series.app.clone(),
            profile_type: series.profile_type,
            window,
            limit: READ_FUNCTIONS,
            labels: LabelSelector::default(),
        };
        match self.profiles.profile(query).await {
            Ok(profile) if profile.total_samples > 0 => Ok(Some(profile)),
            Ok(_) => Ok(None),
            // The app has no profile of this type (e.g. no allocations from a Go app).
            Err(SorError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn summary(
        &self,
        start: i64,
        profile: Profile,
        versions: Vec<String>,
        refs: Vec<String>,
    ) -> SliceSummary {
        SliceSummary::of(
            start,
            profile.total_samples,
            versions,
            profile.functions,
            self.top_functions,
        )
        .with_refs(refs)
    }
}

//! The Profile Data contract built once on what each local source reads its own way (Pyroscope
//! over HTTP, profile files on disk): the apps of a window, one window's ranked flame graph,
//! both windows of a diff, label values, and where the window's functions live. The answers
//! made from those — the ranked profile, the diff, the call trees — are the same for every
//! source, so they are written here.

use std::sync::Arc;

use async_trait::async_trait;

use super::model::{
    AppTypes, DiffTrees, Holding, LabelQuery, PgoQuery, Profile, ProfileDiff, ProfileDiffQuery,
    ProfileQuery,
};
use super::ranking::{profile_answer, DiffRead};
use crate::ProfileDataSor;
use pf_formats::formats::flamegraph::FlameGraphStats;
use pf_infra::sor::SorError;
use pf_model::{CallTree, FunctionSite, Partial, ProfileType, TimeWindow};

/// What a local source of profiles reads; [`ProfileDataSor`] follows from it.
#[async_trait]
pub trait WindowSource: Send + Sync {
    /// [`ProfileDataSor::apps`].
    async fn list_apps(&self, window: TimeWindow) -> Result<Vec<String>, SorError>;
    /// [`ProfileDataSor::app_types`].
    async fn list_app_types(&self, window: TimeWindow) -> Result<Vec<AppTypes>, SorError>;
    /// The source id and the ranked flame graph of `query`'s window.
    async fn read_one(
        &self,
        query: &ProfileQuery,
    ) -> Result<(String, Arc<FlameGraphStats>), SorError>;
    /// Both windows of `query` from one source (one sample type), with `slices` parts each.
    async fn read_both(&self, query: &ProfileDiffQuery, slices: u32) -> Result<DiffRead, SorError>;
    /// [`ProfileDataSor::label_values`].
    async fn list_label_values(&self, query: LabelQuery) -> Result<Vec<String>, SorError>;
    /// [`ProfileDataSor::sites`].
    async fn list_sites(&self, query: &ProfileQuery) -> Result<Vec<FunctionSite>, SorError>;
    /// [`ProfileDataSor::pgo`].
    async fn read_pgo(&self, query: &PgoQuery) -> Result<Vec<u8>, SorError>;
    /// The part of `window` this source cannot read (Pyroscope's lookback); none by default.
    fn unread(&self, _window: TimeWindow) -> Option<Partial> {
        None
    }
    /// [`ProfileDataSor::holding`]; `None` (ask per app) by default.
    async fn list_holding(
        &self,
        _profile_type: ProfileType,
        _window: TimeWindow,
        _labels: Vec<String>,
    ) -> Result<Option<Arc<Holding>>, SorError> {
        Ok(None)
    }
}

#[async_trait]
impl<S: WindowSource> ProfileDataSor for S {
    async fn apps(&self, window: TimeWindow) -> Result<Vec<String>, SorError> {
        self.list_apps(window).await
    }

    async fn app_types(&self, window: TimeWindow) -> Result<Vec<AppTypes>, SorError> {
        self.list_app_types(window).await
    }

    async fn profile(&self, query: ProfileQuery) -> Result<Profile, SorError> {
        let (id, stats) = self.read_one(&query).await?;
        let partial = self.unread(query.window);
        Ok(Profile {
            partial,
            ..profile_answer(query, id, &stats)
        })
    }

    async fn diff(&self, query: ProfileDiffQuery) -> Result<ProfileDiff, SorError> {
        let slices = query.slices;
        Ok(self.read_both(&query, slices).await?.answer(query))
    }

    async fn tree(&self, query: ProfileQuery) -> Result<Arc<CallTree>, SorError> {
        Ok(self.read_one(&query).await?.1.tree.clone())
    }

    async fn diff_trees(&self, query: ProfileDiffQuery) -> Result<DiffTrees, SorError> {
        Ok(self.read_both(&query, 0).await?.trees())
    }

    async fn label_values(&self, query: LabelQuery) -> Result<Vec<String>, SorError> {
        self.list_label_values(query).await
    }

    async fn sites(&self, query: ProfileQuery) -> Result<Vec<FunctionSite>, SorError> {
        self.list_sites(&query).await
    }

    async fn pgo(&self, query: PgoQuery) -> Result<Vec<u8>, SorError> {
        self.read_pgo(&query).await
    }

    async fn holding(
        &self,
        profile_type: ProfileType,
        window: TimeWindow,
        labels: Vec<String>,
    ) -> Result<Option<Arc<Holding>>, SorError> {
        self.list_holding(profile_type, window, labels).await
    }
}

//! Profile Data: its contract ([`ProfileDataSor`]), what every source shares (the ranking,
//! snapshots, [`window_source::WindowSource`]), the routes that read it, and the client of a remote
//! one. The sources are crates of their own: `pf-profile-files` (pprof files, the push store among
//! them) and `pf-pyroscope`.

mod endpoints;
mod label_routes;
mod model;
mod pgo_routes;
mod ranking;
mod remote;
mod routes;
mod selection;
mod settings;
mod site_routes;
mod snapshots;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod tree_routes;
mod window_source;

pub use endpoints::OPERATIONS;
pub use label_routes::ROUTES as LABEL_ROUTES;
pub use model::{
    AppList, AppTypes, DiffTrees, FunctionSites, HeldApp, Holding, LabelQuery, PgoQuery, Profile,
    ProfileDiff, ProfileDiffQuery, ProfileQuery, ProfileWindow, WindowPart,
};
pub use pgo_routes::ROUTES as PGO_ROUTES;
pub use ranking::{DiffRead, PartsRead};
pub use remote::RemoteProfileData;
pub use routes::ROUTES;
pub use settings::{
    without_credentials, ProfileSource, ProfilesSettings, PyroscopeApi, PyroscopeSettings,
};
pub use site_routes::ROUTES as SITE_ROUTES;
pub use snapshots::{level_of_series, weights};
pub use tree_routes::ROUTES as TREE_ROUTES;
pub use window_source::WindowSource;

use std::sync::Arc;

use async_trait::async_trait;

use pf_infra::probe::HealthCheck;
use pf_infra::sor::SorError;
use pf_model::{CallTree, FunctionSite, ProfileType, TimeWindow};

/// Read access to profiles, from Pyroscope or from pprof files (docs/api.md,
/// docs/agents.md#profiles-from-files).
///
/// # Errors
/// `Upstream` when Pyroscope fails or answers garbage (files that cannot be read are skipped,
/// not errors), `Timeout` when it is too slow,
/// `Unavailable` when a remote Profile Data SOR cannot be reached.
/// A started source of Profile Data (`pf-profile-files`, `pf-pyroscope`): the SOR and its
/// `/health` check.
pub struct SourceParts {
    pub sor: Arc<dyn ProfileDataSor>,
    pub check: Arc<dyn HealthCheck>,
}

#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait ProfileDataSor: Send + Sync {
    /// Sorted, unique names of the apps that have profiles in `window`.
    async fn apps(&self, window: TimeWindow) -> Result<Vec<String>, SorError>;
    /// [`ProfileDataSor::apps`], each with the types it has profiles of in `window`, in one
    /// list call (the front door lists what just arrived with it).
    async fn app_types(&self, window: TimeWindow) -> Result<Vec<AppTypes>, SorError>;
    /// One app's ranked functions for one profile type.
    async fn profile(&self, query: ProfileQuery) -> Result<Profile, SorError>;
    /// One app's functions in a baseline and a current window.
    async fn diff(&self, query: ProfileDiffQuery) -> Result<ProfileDiff, SorError>;
    /// The call tree that [`ProfileDataSor::profile`] ranks (its `limit` is not used): what a
    /// flame graph draws.
    async fn tree(&self, query: ProfileQuery) -> Result<Arc<CallTree>, SorError>;
    /// The call trees that [`ProfileDataSor::diff`] ranks, of the same profile type (its
    /// `limit` is not used): what a differential flame graph draws.
    async fn diff_trees(&self, query: ProfileDiffQuery) -> Result<DiffTrees, SorError>;
    /// Sorted, unique values of the label `name` on `app`'s profiles of `profile_type` in
    /// `window` (docs/profiles-over-time.md: the versions a slice saw). Pyroscope answers from its
    /// label index; pprof files from their samples' string labels.
    async fn label_values(&self, query: LabelQuery) -> Result<Vec<String>, SorError>;
    /// Where the functions of the window's profile live
    /// (docs/regressions.md#the-change-that-caused-it), sorted by name then file; empty when the
    /// source does not say. Each is named as [`ProfileDataSor::profile`] ranks it; its `limit` is
    /// not used. pprof files and Pyroscope's merged pprof say, from
    /// `Function.filename`/`start_line` and the sampled `Line.line`s; `NotImplemented` where the
    /// source has no lines (the legacy Pyroscope API).
    async fn sites(&self, query: ProfileQuery) -> Result<Vec<FunctionSite>, SorError>;
    /// The window's CPU profile as one gzip pprof that `go build -pgo=` takes
    /// (docs/gate.md#a-profile-for-the-compiler): Go's CPU sample types, each stack cut to
    /// `keep_locations` innermost locations and equal stacks merged. `NotFound` when the app has no
    /// CPU samples in the window. pprof files and Pyroscope's merged pprof give their functions,
    /// start lines and inlined frames as they came; `NotImplemented` where the source has no lines
    /// (the legacy API).
    async fn pgo(&self, query: PgoQuery) -> Result<Vec<u8>, SorError>;
    /// Which apps hold profiles of `profile_type` in `window`, each with the values of
    /// `labels` on them, read for every app at once in a few calls (docs/at-scale.md, "Calls
    /// for what holds data"); `None` where the source answers per app as cheaply (pprof files,
    /// the push store, a remote Profile Data SOR).
    async fn holding(
        &self,
        profile_type: ProfileType,
        window: TimeWindow,
        labels: Vec<String>,
    ) -> Result<Option<Arc<Holding>>, SorError>;
}

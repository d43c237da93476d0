//! `FileProfileData`: the Profile Data SOR trait answered from a directory of pprof files.
//! The files of one app and sample type that fall in a window are merged into one stack tree
//! and ranked by the flame-graph path's aggregation; merged answers are coalesced and cached
//! until the directory changes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;

use super::file_choice::{choose, holds, Chosen};
use super::file_parts::file_parts;
use super::file_sites::file_sites;
use super::labelled_files::{label_values, merge_labelled};
use crate::dir::listed::ProfileFile;
use crate::dir::source::{OnSkip, ProfileDir, Root, Snapshot};
use pf_formats::formats::flamegraph::FlameGraphStats;
use pf_infra::sor::coalescing::Coalescing;
use pf_infra::sor::SorError;
use pf_infra::telemetry::Metrics;
use pf_model::{AppName, FunctionSite, LabelSelector, ProfileType, TimeWindow};
use pf_pprof::Limits;
use pf_profiles::DiffRead;
use pf_profiles::ProfilesSettings;
use pf_profiles::WindowSource;
use pf_profiles::{AppTypes, LabelQuery, PgoQuery, ProfileDiffQuery, ProfileQuery};

/// Total weight of cached merged profiles, one unit per ranked function and per call-tree node
/// (`FlameGraphStats::cache_weight`): a few tens of MB.
const PROFILE_CACHE_UNITS: u64 = 1_000_000;

/// Which merged profile one cache entry holds; `generation` changes with the directory.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct MergeKey {
    app: AppName,
    sample_type: String,
    window: TimeWindow,
    labels: LabelSelector,
    /// In-use memory: the window's snapshots are averaged, not added (docs/runtimes.md).
    snapshots: bool,
    generation: u64,
}

/// The Profile Data SOR backed by pprof files.
pub struct FileProfileData {
    dir: Arc<ProfileDir>,
    limits: Limits,
    sample_types: BTreeMap<ProfileType, Vec<String>>,
    series_names: BTreeMap<ProfileType, String>,
    merged: Coalescing<MergeKey, Arc<FlameGraphStats>>,
}

impl FileProfileData {
    /// Reads the directories `roots` (the first one's apps hide the same apps in later ones)
    /// with the limits and type table of `settings`; skipped files are counted in
    /// `profile_files_skipped_total{reason}`.
    pub fn new(settings: &ProfilesSettings, roots: Vec<Root>, metrics: Arc<Metrics>) -> Self {
        let limits = settings.limits();
        let counter = metrics.profile_files_skipped.clone();
        let on_skip: OnSkip = Arc::new(move |_, e| counter.with_label_values(&[e.reason()]).inc());
        let rescan = settings.rescan_secs;
        FileProfileData {
            dir: Arc::new(
                ProfileDir::with_roots(roots, limits, rescan, on_skip)
                    .with_tree_budget(settings.max_parsed_bytes.get()),
            ),
            limits,
            sample_types: by_type(&settings.sample_types),
            series_names: by_type(&settings.series_names),
            merged: Coalescing::new(
                "profile_files",
                rescan,
                PROFILE_CACHE_UNITS,
                |_, stats| stats.cache_weight(),
                metrics,
            ),
        }
    }

    /// The limits files are read within (the store checks pushes by them).
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The directories, shared with the `/health` check and the store.
    pub fn dir(&self) -> Arc<ProfileDir> {
        self.dir.clone()
    }

    /// The sample type `profile_type` is read from for `app`'s files in `window`.
    fn choose(
        &self,
        snapshot: &Snapshot,
        app: &AppName,
        profile_type: ProfileType,
        window: TimeWindow,
    ) -> Result<Chosen, SorError> {
        let candidates = self
            .sample_types
            .get(&profile_type)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| SorError::Unexpected(format!("no sample types for {profile_type}")))?;
        let series = self
            .series_names
            .get(&profile_type)
            .map_or(profile_type.as_str(), String::as_str);
        let files: Vec<&ProfileFile> = files_of(snapshot, app, window).collect();
        Ok(choose(profile_type, candidates, series, &files))
    }

    /// One sample type for both windows, so they compare like with like, both profiles, and
    /// (with `slices`) both windows' parts.
    async fn both(&self, query: &ProfileDiffQuery, slices: u32) -> Result<DiffRead, SorError> {
        let snapshot = self.dir.snapshot().await;
        let chosen = self.choose(&snapshot, &query.app, query.profile_type, query.span())?;
        let key = |window, labels: &LabelSelector| MergeKey {
            app: query.app.clone(),
            sample_type: chosen.sample_type.clone(),
            window,
            labels: labels.clone(),
            snapshots: query.profile_type.is_snapshot(),
            generation: snapshot.generation,
        };
        let (baseline, current) = futures_util::future::join(
            self.stats(&snapshot, key(query.baseline, &query.baseline_labels)),
            self.stats(&snapshot, key(query.current, &query.current_labels)),
        )
        .await;
        let parts = |window: TimeWindow, labels: &LabelSelector| {
            let (snapshot, app, labels) = (snapshot.clone(), query.app.clone(), labels.clone());
            let (sample_type, limits) = (chosen.sample_type.clone(), self.limits);
            async move {
                tokio::task::spawn_blocking(move || {
                    let files = files_of(&snapshot, &app, window).collect();
                    file_parts(files, &sample_type, &labels, limits, slices)
                })
                .await
                .map_err(|e| SorError::Unexpected(format!("cutting profiles failed: {e}")))?
            }
        };
        let (baseline_parts, current_parts) = futures_util::future::join(
            parts(query.baseline, &query.baseline_labels),
            parts(query.current, &query.current_labels),
        )
        .await;
        Ok(DiffRead {
            id: chosen.id,
            whole: (baseline?, current?),
            parts: (baseline_parts?, current_parts?),
        })
    }

    /// The merged profile of the files and samples `key` names.
    async fn stats(
        &self,
        snapshot: &Arc<Snapshot>,
        key: MergeKey,
    ) -> Result<Arc<FlameGraphStats>, SorError> {
        let (snapshot, k, limits) = (snapshot.clone(), key.clone(), self.limits);
        self.merged
            .get_or_load(key, async move {
                tokio::task::spawn_blocking(move || {
                    let (app, wanted, window) = (&k.app, &k.sample_type, k.window);
                    let files = files_of(&snapshot, app, window);
                    merge_labelled(files, limits, wanted, &k.labels, k.snapshots)
                })
                .await
                .map_err(|e| SorError::Unexpected(format!("merging profiles failed: {e}")))?
                .map(Arc::new)
            })
            .await
    }
}

/// A settings table keyed by logical type name, keyed by type.
pub fn by_type<V: Clone>(table: &BTreeMap<String, V>) -> BTreeMap<ProfileType, V> {
    ProfileType::ALL
        .into_iter()
        .filter_map(|t| table.get(t.as_str()).map(|v| (t, v.clone())))
        .collect()
}

/// The files of `app` that count in `window`.
fn files_of<'a>(
    snapshot: &'a Snapshot,
    app: &'a AppName,
    window: TimeWindow,
) -> impl Iterator<Item = &'a ProfileFile> {
    snapshot
        .files
        .iter()
        .filter(move |f| f.app == app.as_str() && f.in_window(window.from, window.to))
}

#[async_trait]
impl WindowSource for FileProfileData {
    async fn list_apps(&self, window: TimeWindow) -> Result<Vec<String>, SorError> {
        let snapshot = self.dir.snapshot().await;
        let apps: BTreeSet<&str> = snapshot
            .files
            .iter()
            .filter(|f| f.in_window(window.from, window.to))
            .map(|f| f.app.as_str())
            .collect();
        Ok(apps.into_iter().map(str::to_owned).collect())
    }

    async fn list_app_types(&self, window: TimeWindow) -> Result<Vec<AppTypes>, SorError> {
        let snapshot = self.dir.snapshot().await;
        let mut apps: BTreeMap<&str, BTreeSet<ProfileType>> = BTreeMap::new();
        for file in snapshot
            .files
            .iter()
            .filter(|f| f.in_window(window.from, window.to))
        {
            let types = apps.entry(file.app.as_str()).or_default();
            for (&profile_type, candidates) in &self.sample_types {
                if !types.contains(&profile_type) && holds(profile_type, candidates, file) {
                    types.insert(profile_type);
                }
            }
        }
        Ok(apps
            .into_iter()
            .map(|(app, types)| AppTypes {
                app_name: app.to_owned(),
                profile_types: types.into_iter().collect(),
            })
            .collect())
    }

    /// The series ID and merged profile of one window: what `profile` and `tree` answer from.
    async fn read_one(
        &self,
        query: &ProfileQuery,
    ) -> Result<(String, Arc<FlameGraphStats>), SorError> {
        let snapshot = self.dir.snapshot().await;
        let chosen = self.choose(&snapshot, &query.app, query.profile_type, query.window)?;
        let key = MergeKey {
            app: query.app.clone(),
            sample_type: chosen.sample_type.clone(),
            window: query.window,
            labels: query.labels.clone(),
            snapshots: query.profile_type.is_snapshot(),
            generation: snapshot.generation,
        };
        Ok((chosen.id, self.stats(&snapshot, key).await?))
    }

    async fn read_both(&self, query: &ProfileDiffQuery, slices: u32) -> Result<DiffRead, SorError> {
        self.both(query, slices).await
    }

    async fn list_label_values(&self, query: LabelQuery) -> Result<Vec<String>, SorError> {
        let LabelQuery { app, window, .. } = &query;
        let snapshot = self.dir.snapshot().await;
        let files = snapshot
            .files
            .iter()
            .filter(|f| f.app == app.as_str() && f.in_window(window.from, window.to));
        Ok(label_values(files, self.limits, &query.name))
    }

    /// The window's files of the sample type [`WindowSource::read_one`] chooses, read again.
    async fn list_sites(&self, query: &ProfileQuery) -> Result<Vec<FunctionSite>, SorError> {
        let snapshot = self.dir.snapshot().await;
        let chosen = self.choose(&snapshot, &query.app, query.profile_type, query.window)?;
        let (q, limits) = (query.clone(), self.limits);
        tokio::task::spawn_blocking(move || {
            let files = files_of(&snapshot, &q.app, q.window);
            file_sites(files, limits, &chosen.sample_type, &q.labels)
        })
        .await
        .map_err(|e| SorError::Unexpected(format!("reading function sites failed: {e}")))
    }

    async fn read_pgo(&self, query: &PgoQuery) -> Result<Vec<u8>, SorError> {
        self.merged_pgo(query).await
    }
}

#[path = "file_pgo.rs"]
mod pgo;

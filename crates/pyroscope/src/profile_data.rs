//! `PyroscopeProfileData`: the Profile Data SOR trait answered from Pyroscope. It resolves which
//! profile type to read, asks for the merged flame graph (again with more nodes when too much of
//! it was truncated), and ranks functions; answers are coalesced and cached in front of Pyroscope.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::client::{ClientConfigError, PyroscopeClient};
use crate::type_tables::type_tables;
use pf_formats::formats::flamegraph::FlameGraphStats;
use pf_infra::sor::coalescing::Coalescing;
use pf_infra::sor::SorError;
use pf_infra::telemetry::Metrics;
use pf_model::{AppName, FunctionSite, LabelSelector, Partial, ProfileType, TimeWindow};
use pf_pprof::Limits;
use pf_profiles::DiffRead;
use pf_profiles::WindowSource;
use pf_profiles::{AppTypes, Holding, LabelQuery, PgoQuery, ProfileDiffQuery, ProfileQuery};
use pf_profiles::{PyroscopeApi, PyroscopeSettings};

mod diff;
mod holding;
mod inuse;
mod lines;

/// Total weight of cached flame graphs, one unit per ranked function and per call-tree node
/// (`FlameGraphStats::cache_weight`): bounds memory to a few tens of MB however many distinct
/// queries arrive.
const PROFILE_CACHE_UNITS: u64 = 1_000_000;
/// The memory the kept app lists may take, KiB (SPEC §34: caches are bounded in bytes): one
/// list of 10 000 apps is about half a megabyte, and every window a reader names is a list.
const APPS_CACHE_KIB: u64 = 16 * 1024;
/// Distinct windows whose fleet-wide type lists are kept.
const FLEET_TYPES_ENTRIES: u64 = 256;
/// Apps whose profile types are remembered.
const PROFILE_TYPE_CACHE_APPS: u64 = 10_000;
/// How long a slice's holding is kept: the watcher works every series of a slice within it.
const HOLDING_TTL: std::time::Duration = std::time::Duration::from_secs(600);
/// Apps over all holdings kept (types × slices in flight × apps).
const HOLDING_CACHE_APPS: u64 = 1_000_000;

/// What a kept list of names weighs, KiB (at least 1).
fn names_kib<K>(_: &K, names: &Arc<Vec<String>>) -> u32 {
    let bytes: usize = names
        .iter()
        .map(|n| n.len() + std::mem::size_of::<String>())
        .sum();
    u32::try_from(bytes.div_ceil(1024))
        .unwrap_or(u32::MAX)
        .max(1)
}

/// Which flame graph one cache entry holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ProfileKey {
    app: AppName,
    /// Profile-type ID (modern) or application query (legacy).
    source: String,
    window: TimeWindow,
    labels: LabelSelector,
    /// Whether the type is a snapshot of a state (in-use memory): the merged sum is scaled to
    /// the window's level.
    snapshot: bool,
}

/// Which ID a type is read from for one app and window.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TypeSource {
    /// The profile-type ID (modern) or query (legacy).
    id: String,
    /// Whether Pyroscope holds profiles of it for the app in the window; when not, the answer
    /// is empty without asking.
    held: bool,
}

impl TypeSource {
    fn held(id: String) -> Self {
        TypeSource { id, held: true }
    }

    fn quiet(id: String) -> Self {
        TypeSource { id, held: false }
    }
}

/// The Profile Data SOR backed by Pyroscope.
pub struct PyroscopeProfileData {
    client: Arc<PyroscopeClient>,
    /// Candidate profile-type IDs per logical type (modern API), first = fallback.
    candidates: BTreeMap<ProfileType, Vec<String>>,
    /// Application-name suffix per logical type (legacy API).
    suffixes: BTreeMap<ProfileType, String>,
    max_nodes: u32,
    max_nodes_limit: u32,
    truncation_threshold_percent: f64,
    apps: Coalescing<TimeWindow, Arc<Vec<String>>>,
    profiles: Coalescing<ProfileKey, Arc<FlameGraphStats>>,
    /// Profile-type IDs each app has series of (modern API).
    profile_types: Coalescing<AppName, Arc<Vec<String>>>,
    /// Merged pprofs (files and lines), weighed by the KiB.
    pprofs: Coalescing<lines::PprofKey, Arc<Vec<bytes::Bytes>>>,
    /// What holds data per type and slice, for the watcher (`holding.rs`), one unit per app.
    holdings: Coalescing<(ProfileType, TimeWindow), Arc<Holding>>,
    /// The profile-type IDs of the whole fleet per window.
    fleet_types: Coalescing<TimeWindow, Arc<Vec<String>>>,
    limits: Limits,
}

impl PyroscopeProfileData {
    /// Builds the SOR and its client from the settings.
    pub fn new(
        settings: &PyroscopeSettings,
        limits: Limits,
        metrics: Arc<Metrics>,
    ) -> Result<Self, ClientConfigError> {
        let client = Arc::new(PyroscopeClient::new(settings, metrics.clone())?);
        let (candidates, suffixes) = type_tables(settings)?;
        let ttl = settings.cache_ttl_secs;
        let type_ttl = settings.profile_type_cache_ttl_secs;
        Ok(PyroscopeProfileData {
            client,
            candidates,
            suffixes,
            max_nodes: settings.max_nodes.get(),
            max_nodes_limit: settings.max_nodes_limit.max(settings.max_nodes.get()),
            truncation_threshold_percent: settings.truncation_threshold_percent,
            apps: Coalescing::new("apps", ttl, APPS_CACHE_KIB, names_kib, metrics.clone()),
            profiles: Coalescing::new(
                "profile",
                ttl,
                PROFILE_CACHE_UNITS,
                |_, stats| stats.cache_weight(),
                metrics.clone(),
            ),
            profile_types: Coalescing::new(
                "profile_type",
                type_ttl,
                PROFILE_TYPE_CACHE_APPS,
                |_, _| 1,
                metrics.clone(),
            ),
            pprofs: lines::pprof_cache(ttl, metrics.clone()),
            holdings: Coalescing::new(
                "holding",
                HOLDING_TTL,
                HOLDING_CACHE_APPS,
                |_, held| u32::try_from(held.apps.len().max(1)).unwrap_or(u32::MAX),
                metrics.clone(),
            ),
            fleet_types: Coalescing::new(
                "fleet_types",
                HOLDING_TTL,
                FLEET_TYPES_ENTRIES,
                |_, _| 1,
                metrics,
            ),
            limits,
        })
    }

    /// The client, shared with the `/health` check.
    pub fn client(&self) -> Arc<PyroscopeClient> {
        self.client.clone()
    }

    /// The deadline of a SOR call starting now: all upstream calls it makes share it.
    fn deadline(&self) -> Instant {
        Instant::now() + self.client.request_timeout()
    }

    /// What to ask Pyroscope for: the first of the type's candidate IDs (in the settings'
    /// order of preference) that the app really has, as Pyroscope lists its series (modern),
    /// or `<app>.<suffix>{}` (legacy). An app that has none of them in the window is quiet,
    /// not absent (SPEC §33): it is answered empty under the preferred ID, and Pyroscope is not
    /// asked for what it does not hold (docs/at-scale.md).
    async fn source(
        &self,
        app: &AppName,
        profile_type: ProfileType,
        window: TimeWindow,
        deadline: Instant,
    ) -> Result<TypeSource, SorError> {
        if self.client.api() == PyroscopeApi::Legacy {
            let suffix = self.suffixes.get(&profile_type).ok_or_else(|| {
                SorError::Unexpected(format!("no legacy suffix for {profile_type}"))
            })?;
            return Ok(TypeSource::held(PyroscopeClient::legacy_query(app, suffix)));
        }
        if let Some(held) = self.held(app.as_str(), profile_type, window).await {
            return Ok(TypeSource::held(held.source));
        }
        let candidates = self.candidates.get(&profile_type);
        let Some(first) = candidates.and_then(|c| c.first()) else {
            let why = format!("no profile-type candidates for {profile_type}");
            return Err(SorError::Unexpected(why));
        };
        let candidates = candidates.map(Vec::as_slice).unwrap_or_default();
        let pick = |ids: &[String]| candidates.iter().find(|c| ids.contains(c)).cloned();
        let quiet = || {
            tracing::debug!(app = %app, %profile_type, %window, looked_for = candidates.join(", "), "no profiles of the type in the window");
            TypeSource::quiet(first.clone())
        };
        let listed = match self.app_type_ids(app, window, deadline).await {
            Ok(listed) => listed,
            // A server that does not list an app's types is read with the first candidate.
            Err(SorError::NotImplemented(why)) => {
                tracing::debug!(app = %app, why, "profile types unknown; reading the first candidate");
                return Ok(TypeSource::held(first.clone()));
            }
            Err(SorError::NotFound(_)) => return Ok(quiet()),
            Err(e) => return Err(e),
        };
        if let Some(id) = pick(&listed) {
            return Ok(TypeSource::held(id));
        }
        // The list is remembered for a while: an app may have started sending the type since.
        self.profile_types.forget(app).await;
        match self.app_type_ids(app, window, deadline).await {
            Ok(listed) => Ok(pick(&listed).map_or_else(quiet, TypeSource::held)),
            Err(SorError::NotFound(_)) => Ok(quiet()),
            Err(e) => Err(e),
        }
    }

    /// The profile-type IDs `app` has series of, remembered per app for a while; `NotFound`,
    /// not remembered, when it has none in `window` (it may start sending any moment).
    async fn app_type_ids(
        &self,
        app: &AppName,
        window: TimeWindow,
        deadline: Instant,
    ) -> Result<Arc<Vec<String>>, SorError> {
        self.profile_types
            .get_or_load(app.clone(), async {
                let ids = self.client.profile_type_ids(app, window, deadline).await?;
                if ids.is_empty() {
                    return Err(SorError::NotFound(format!("{app} has no series")));
                }
                Ok(Arc::new(ids))
            })
            .await
    }

    /// The ranked flame graph `key` names, cached and coalesced.
    async fn stats(
        &self,
        key: ProfileKey,
        deadline: Instant,
    ) -> Result<Arc<FlameGraphStats>, SorError> {
        self.profiles
            .get_or_load(key.clone(), async {
                self.load_stats(&key, deadline).await.map(Arc::new)
            })
            .await
    }

    /// Asks Pyroscope, and asks again with more nodes while more than the threshold of samples
    /// sits in truncated `other` nodes and the node limit allows.
    async fn load_stats(
        &self,
        key: &ProfileKey,
        deadline: Instant,
    ) -> Result<FlameGraphStats, SorError> {
        let (app, source, window) = (&key.app, key.source.as_str(), key.window);
        let subject = (app, &key.labels);
        let mut max_nodes = self.max_nodes;
        let mut stats = self
            .client
            .flame_graph(subject, source, window, max_nodes, deadline)
            .await?;
        while stats.truncated_percent() > self.truncation_threshold_percent
            && max_nodes < self.max_nodes_limit
        {
            let truncated = stats.truncated_percent();
            max_nodes = max_nodes.saturating_mul(4).min(self.max_nodes_limit);
            tracing::info!(app = %app, source, truncated, max_nodes, "profile truncated; asking for more nodes");
            match self
                .client
                .flame_graph(subject, source, window, max_nodes, deadline)
                .await
            {
                Ok(bigger) => stats = bigger,
                Err(e) => {
                    // The truncated profile is still an answer; it says how much it hides.
                    tracing::warn!(app = %app, error = %e, truncated, "cannot fetch a larger profile; keeping the truncated one");
                    break;
                }
            }
        }
        if key.snapshot && self.client.api() == PyroscopeApi::Modern {
            return self.at_level(key, stats, deadline).await;
        }
        Ok(stats)
    }
}

#[async_trait]
impl WindowSource for PyroscopeProfileData {
    async fn list_apps(&self, window: TimeWindow) -> Result<Vec<String>, SorError> {
        let deadline = self.deadline();
        let apps = self
            .apps
            .get_or_load(window, async {
                self.client.app_names(window, deadline).await.map(Arc::new)
            })
            .await?;
        Ok(apps.as_ref().clone())
    }

    /// Pyroscope's label index is asked for names only: each app's types are left unsaid.
    async fn list_app_types(&self, window: TimeWindow) -> Result<Vec<AppTypes>, SorError> {
        let unknown = |app_name| AppTypes {
            app_name,
            profile_types: Vec::new(),
        };
        Ok(self
            .list_apps(window)
            .await?
            .into_iter()
            .map(unknown)
            .collect())
    }

    /// The source and ranked flame graph of one window: what `profile` and `tree` answer from.
    async fn read_one(
        &self,
        query: &ProfileQuery,
    ) -> Result<(String, Arc<FlameGraphStats>), SorError> {
        let deadline = self.deadline();
        let TypeSource { id, held } = self
            .source(&query.app, query.profile_type, query.window, deadline)
            .await?;
        if !held {
            return Ok((id, Arc::default()));
        }
        let key = ProfileKey {
            app: query.app.clone(),
            source: id.clone(),
            window: query.window,
            labels: query.labels.clone(),
            snapshot: query.profile_type.is_snapshot(),
        };
        Ok((id, self.stats(key, deadline).await?))
    }

    async fn read_both(&self, query: &ProfileDiffQuery, slices: u32) -> Result<DiffRead, SorError> {
        self.both(query, slices).await
    }

    async fn list_label_values(&self, query: LabelQuery) -> Result<Vec<String>, SorError> {
        let LabelQuery {
            app,
            profile_type,
            window,
            name,
        } = query;
        let deadline = self.deadline();
        // The modern API selects by the app label alone: no profile-type lookup needed.
        let source = match self.client.api() {
            PyroscopeApi::Legacy => self.source(&app, profile_type, window, deadline).await?.id,
            PyroscopeApi::Modern => String::new(),
        };
        let subject = (&app, source.as_str());
        self.client
            .label_values(subject, &name, window, deadline)
            .await
    }

    /// Nothing: the flame graphs Pyroscope renders name functions only, not their files.
    async fn list_sites(&self, query: &ProfileQuery) -> Result<Vec<FunctionSite>, SorError> {
        self.pprof_sites(query).await
    }

    async fn read_pgo(&self, query: &PgoQuery) -> Result<Vec<u8>, SorError> {
        self.pprof_pgo(query).await
    }

    fn unread(&self, window: TimeWindow) -> Option<Partial> {
        self.client.pieces(window).partial
    }

    async fn list_holding(
        &self,
        profile_type: ProfileType,
        window: TimeWindow,
        labels: Vec<String>,
    ) -> Result<Option<Arc<Holding>>, SorError> {
        self.hold(profile_type, window, labels).await
    }
}

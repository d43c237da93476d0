//! Files and lines from Grafana Pyroscope: the window's merged pprof (the client's
//! `SelectMergeStacktraces` as pprof, else `SelectMergeProfile`) read for the sites of its
//! functions (the commit behind a regression) and written as the profile Go's compiler takes,
//! the server cutting the stacks where it can (`go_pgo`). Merged profiles are coalesced and
//! cached as flame graphs are; the legacy API has none (`NotImplemented`).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::{PyroscopeProfileData, TypeSource};
use crate::client::PprofAsked;
use pf_infra::sor::coalescing::Coalescing;
use pf_infra::sor::SorError;
use pf_infra::telemetry::Metrics;
use pf_model::{AppName, FunctionSite, LabelSelector, ProfileType, TimeWindow};
use pf_pprof::{encode::to_bytes, function_sites, CpuMerge};
use pf_profiles::{PgoQuery, ProfileQuery};

/// Total size of cached merged pprofs, in KiB.
const PPROF_CACHE_KIB: u64 = 64 * 1024;

/// The merged pprofs of a window: one per piece of it that Pyroscope answered.
type Merged = Arc<Vec<Bytes>>;

/// The cache of merged pprofs, weighed by the KiB.
pub(super) fn pprof_cache(ttl: Duration, metrics: Arc<Metrics>) -> Coalescing<PprofKey, Merged> {
    let kib = |_: &PprofKey, parts: &Merged| {
        let bytes: usize = parts.iter().map(Bytes::len).sum();
        u32::try_from(bytes / 1024 + 1).unwrap_or(u32::MAX)
    };
    Coalescing::new("pprof", ttl, PPROF_CACHE_KIB, kib, metrics)
}

/// Which merged profile one cache entry holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct PprofKey {
    app: AppName,
    type_id: String,
    window: TimeWindow,
    labels: LabelSelector,
    go_pgo: Option<u32>,
}

impl PyroscopeProfileData {
    /// The merged pprof of `app`'s `profile_type` in `window` (uncompressed), with its
    /// profile-type ID.
    async fn merged(
        &self,
        (app, labels): (&AppName, &LabelSelector),
        profile_type: ProfileType,
        window: TimeWindow,
        go_pgo: Option<u32>,
    ) -> Result<(String, Merged), SorError> {
        let deadline = self.deadline();
        let TypeSource { id: type_id, held } =
            self.source(app, profile_type, window, deadline).await?;
        if !held {
            return Ok((type_id, Arc::default()));
        }
        let key = PprofKey {
            app: app.clone(),
            type_id: type_id.clone(),
            window,
            labels: labels.clone(),
            go_pgo,
        };
        let asked = PprofAsked {
            app,
            labels,
            type_id: &type_id,
            window,
            go_pgo,
        };
        let limit = self.limits.max_decoded_bytes;
        let pprof = self
            .pprofs
            .get_or_load(key, async {
                let parts = self.client.merged_pprof(&asked, deadline).await?;
                let size: usize = parts.iter().map(Bytes::len).sum();
                if size as u64 > limit {
                    return Err(SorError::Upstream(format!(
                        "Pyroscope's merged profile of {app} is {size} bytes, over \
                         profiles.max_decoded_bytes ({limit})"
                    )));
                }
                Ok(Arc::new(parts))
            })
            .await?;
        Ok((type_id, pprof))
    }

    /// Where the functions of `query`'s window live, from the merged pprof's functions and
    /// lines.
    pub(super) async fn pprof_sites(
        &self,
        query: &ProfileQuery,
    ) -> Result<Vec<FunctionSite>, SorError> {
        let app = (&query.app, &query.labels);
        let (_, parts) = self
            .merged(app, query.profile_type, query.window, None)
            .await?;
        let limits = self.limits;
        tokio::task::spawn_blocking(move || {
            let mut sites: Vec<FunctionSite> = Vec::new();
            for pprof in parts.iter() {
                sites.extend(function_sites(pprof, limits, 0, None)?);
            }
            Ok(joined(sites))
        })
        .await
        .map_err(|e| SorError::Unexpected(format!("reading a merged profile failed: {e}")))?
        .map_err(|e: pf_pprof::PprofError| {
            SorError::Upstream(format!("Pyroscope's merged profile is unreadable: {e}"))
        })
    }

    /// The window's CPU profile for Go's compiler: the server cuts each stack to
    /// `keep_locations` where it can, and the one merge cuts again (a server that ignores the
    /// selector is cut here). Pyroscope's period is one second whatever the sampling rate, so
    /// no count of samples is made from it: the file holds the nanoseconds alone.
    pub(super) async fn pprof_pgo(&self, query: &PgoQuery) -> Result<Vec<u8>, SorError> {
        let keep = query
            .keep_locations
            .map(|n| u32::try_from(n.get()).unwrap_or(u32::MAX));
        let app = (&query.app, &query.labels);
        let (type_id, parts) = self
            .merged(app, ProfileType::Cpu, query.window, Some(keep.unwrap_or(0)))
            .await?;
        // `process_cpu:cpu:nanoseconds:cpu:nanoseconds` names its one column `cpu/nanoseconds`.
        let mut fields = type_id.split(':').skip(1);
        let sample_type = format!(
            "{}/{}",
            fields.next().unwrap_or_default(),
            fields.next().unwrap_or_default()
        );
        let (limits, keep_locations) = (self.limits, query.keep_locations);
        let (app, window) = (query.app.clone(), query.window);
        tokio::task::spawn_blocking(move || {
            let mut merge = CpuMerge::new(keep_locations, None).without_counts();
            for pprof in parts.iter() {
                merge.add_file(pprof, limits, &sample_type).map_err(|e| {
                    SorError::Upstream(format!("Pyroscope's merged profile is unreadable: {e}"))
                })?;
            }
            if merge.stacks() == 0 {
                return Err(SorError::NotFound(format!(
                    "no CPU profile of {app} in {window}"
                )));
            }
            Ok(to_bytes(&merge.finish(), true))
        })
        .await
        .map_err(|e| SorError::Unexpected(format!("writing the compiler's profile failed: {e}")))?
    }
}

/// The sites of one window's pieces as one list: a function's file met in several pieces once,
/// its sampled lines joined, sorted by name then file (as the trait lists them).
fn joined(sites: Vec<FunctionSite>) -> Vec<FunctionSite> {
    let mut by_site: std::collections::BTreeMap<(String, String), FunctionSite> =
        std::collections::BTreeMap::new();
    for site in sites {
        match by_site.entry((site.name.clone(), site.file.clone())) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(site);
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => {
                let kept = slot.get_mut();
                kept.start_line = kept.start_line.or(site.start_line);
                kept.sampled.extend(site.sampled);
                kept.sampled.sort_unstable();
                kept.sampled.dedup();
            }
        }
    }
    by_site.into_values().collect()
}

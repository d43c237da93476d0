//! `GET /pgo/{appName}` from pprof files (docs/gate.md#a-profile-for-the-compiler): the window's
//! files of the CPU sample type the other routes choose, read again (the cached trees keep no
//! functions or lines) and merged by `formats::pprof::CpuMerge`, on every core, narrowed by label
//! as a labelled profile is (docs/gate.md#comparing-a-canary). Not cached: a build asks for it
//! once.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{files_of, FileProfileData};
use crate::dir::listed::ProfileFile;
use crate::labelled_files::keeping;
use pf_infra::sor::SorError;
use pf_model::ProfileType;
use pf_pprof::{encode::to_bytes, CpuMerge, Limits, SampleFilter};
use pf_profiles::PgoQuery;

impl FileProfileData {
    /// The window's CPU files merged into one gzip pprof; `NotFound` without CPU samples.
    pub(super) async fn merged_pgo(&self, query: &PgoQuery) -> Result<Vec<u8>, SorError> {
        let snapshot = self.dir.snapshot().await;
        let chosen = self.choose(&snapshot, &query.app, ProfileType::Cpu, query.window)?;
        let (q, limits) = (query.clone(), self.limits);
        let merged = tokio::task::spawn_blocking(move || {
            let files: Vec<&ProfileFile> = files_of(&snapshot, &q.app, q.window)
                .filter(|f| f.value_index(&chosen.sample_type).is_some())
                .collect();
            let filter = q.labels.filter();
            let keep = keeping(&filter);
            let filter: SampleFilter<'_> = if q.labels.is_empty() {
                None
            } else {
                Some(&keep)
            };
            merge_files(
                &files,
                limits,
                &chosen.sample_type,
                q.keep_locations,
                filter,
            )
        })
        .await
        .map_err(|e| SorError::Unexpected(format!("merging CPU profiles failed: {e}")))?;
        merged.ok_or_else(|| not_found(query))
    }
}

fn not_found(query: &PgoQuery) -> SorError {
    let labelled = match query.labels.is_empty() {
        true => String::new(),
        false => format!(" with {}", query.labels),
    };
    SorError::NotFound(format!(
        "no CPU profile of {}{labelled} in {}",
        query.app, query.window
    ))
}

/// `files` merged as `CpuMerge` merges them, split between the cores and the parts merged
/// again; `None` when no sample is left. A file that cannot be read again (deleted or changed
/// since the scan) is left out, as the next scan will leave it out.
fn merge_files(
    files: &[&ProfileFile],
    limits: Limits,
    sample_type: &str,
    keep: Option<NonZeroUsize>,
    filter: SampleFilter<'_>,
) -> Option<Vec<u8>> {
    let workers = std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(files.len().div_ceil(64))
        .max(1);
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut merge = CpuMerge::new(keep, filter);
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(file) = files.get(i) else {
                return merge;
            };
            let read = std::fs::read(&file.path)
                .map_err(|e| e.to_string())
                .and_then(|raw| {
                    merge
                        .add_file(&raw, limits, sample_type)
                        .map_err(|e| e.to_string())
                });
            if let Err(e) = read {
                tracing::warn!(file = %file.path.display(), error = %e, "a profile file cannot be read again; left out");
            }
        }
    };
    let parts: Vec<CpuMerge<'_>> = if workers == 1 {
        vec![worker()]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers).map(|_| scope.spawn(worker)).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    };
    let mut parts: Vec<CpuMerge<'_>> = parts.into_iter().filter(|p| p.stacks() > 0).collect();
    let profile = match parts.len() {
        0 => return None,
        1 => parts.pop()?.finish(),
        _ => {
            // Each part is Go's two types already, cut and filtered; its own bytes, unbounded.
            let mut all = CpuMerge::new(None, None);
            let unbounded = Limits {
                max_decoded_bytes: u64::MAX,
                ..limits
            };
            for part in parts {
                let bytes = to_bytes(&part.finish(), false);
                if let Err(e) = all.add_file(&bytes, unbounded, "cpu/nanoseconds") {
                    tracing::error!(error = %e, "a merged CPU profile cannot be read back");
                }
            }
            all.finish()
        }
    };
    Some(to_bytes(&profile, true))
}

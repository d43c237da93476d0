//! Profiles from pprof files narrowed by label (docs/gate.md#comparing-a-canary): the cached trees
//! hold every sample, so a labelled query reads its files again and keeps the samples whose string
//! labels (`Sample.label`) pass the selector.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use crate::dir::listed::ProfileFile;
use pf_formats::formats::flamegraph::FlameGraphStats;
use pf_infra::sor::SorError;
use pf_model::{LabelFilter, LabelSelector};
use pf_pprof::{parse_file_where, Limits, StackTree, Weight};
use pf_profiles::weights;

/// The samples of `files` with `sample_type` that `labels` select, merged and ranked. Without
/// labels the cached trees are merged ([`merge_cached`]); with them a file that cannot be read
/// again (deleted or changed since the scan) is left out, as the next scan will leave it out.
pub fn merge_labelled<'a>(
    files: impl Iterator<Item = &'a ProfileFile>,
    limits: Limits,
    sample_type: &str,
    labels: &LabelSelector,
    snapshots: bool,
) -> Result<FlameGraphStats, SorError> {
    if labels.is_empty() {
        return merge_cached(files, limits, sample_type, snapshots)
            .map_err(|e| SorError::Upstream(format!("profile files of {sample_type}: {e}")));
    }
    let filter = labels.filter();
    let keep = keeping(&filter);
    let files = holding(files, sample_type);
    let weights = file_weights(&files, snapshots);
    let mut tree = StackTree::default();
    for ((file, index), weight) in files.into_iter().zip(weights) {
        let read = std::fs::read(&file.path)
            .map_err(|e| e.to_string())
            .and_then(|raw| parse_file_where(&raw, limits, Some(&keep)).map_err(|e| e.to_string()));
        match read {
            Ok(profile) => tree
                .add_weighted(&profile, index, weight)
                .map_err(|e| failed(file, &e))?,
            Err(e) => {
                tracing::warn!(file = %file.path.display(), error = %e, "a profile file cannot be read again; left out")
            }
        }
    }
    tree.stats().map_err(|e| {
        SorError::Upstream(format!("profile files of {sample_type} with {labels}: {e}"))
    })
}

/// The call trees of `files` with `sample_type` merged and ranked (averaged as `snapshots`),
/// as the listing keeps them or read again (a file that cannot be, left out); a single file is
/// ranked from its tree as it is.
pub fn merge_cached<'a>(
    files: impl Iterator<Item = &'a ProfileFile>,
    limits: Limits,
    sample_type: &str,
    snapshots: bool,
) -> Result<FlameGraphStats, String> {
    let files = holding(files, sample_type);
    if let [(one, index)] = files.as_slice() {
        return one.tree(limits)?.stats(*index).map_err(|e| e.to_string());
    }
    let weights = file_weights(&files, snapshots);
    let mut tree = StackTree::default();
    for ((f, i), weight) in files.into_iter().zip(weights) {
        match f.tree(limits) {
            Ok(profile) => tree
                .add_weighted(&profile, i, weight)
                .map_err(|e| e.to_string())?,
            Err(e) => {
                tracing::warn!(file = %f.path.display(), error = %e, "a profile file cannot be read again; left out")
            }
        }
    }
    tree.stats().map_err(|e| e.to_string())
}

/// Whether a sample of string labels `(key, value)` passes `filter`: a label it lacks is "".
pub fn keeping(filter: &LabelFilter) -> impl Fn(&[(&str, &str)]) -> bool + Sync + '_ {
    |pairs| filter.matches(|name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v))
}

/// Sorted, unique values of the string label `name` on the samples of `files`: as each file's
/// labels were noted when it was read, else (a label with too many values to note) from the
/// file read again; a file that cannot be read again is left out, as in [`merge_labelled`].
pub fn label_values<'a>(
    files: impl Iterator<Item = &'a ProfileFile>,
    limits: Limits,
    name: &str,
) -> Vec<String> {
    let seen = Mutex::new(BTreeSet::new());
    // The filter sees every sample's labels; it keeps none, so no tree is built.
    let collect = |pairs: &[(&str, &str)]| {
        let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
        for (_, value) in pairs.iter().filter(|(k, v)| *k == name && !v.is_empty()) {
            if !seen.contains(*value) {
                seen.insert((*value).to_owned());
            }
        }
        false
    };
    for file in files {
        if let Some(values) = file.profile.labels.values(name) {
            let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
            seen.extend(values.map(str::to_owned));
            continue;
        }
        let read = std::fs::read(&file.path)
            .map_err(|e| e.to_string())
            .and_then(|raw| {
                parse_file_where(&raw, limits, Some(&collect)).map_err(|e| e.to_string())
            });
        if let Err(e) = read {
            tracing::warn!(file = %file.path.display(), error = %e, "a profile file cannot be read again; left out");
        }
    }
    seen.into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .into_iter()
        .collect()
}

fn failed(file: &ProfileFile, e: &dyn std::fmt::Display) -> SorError {
    SorError::Upstream(format!("profile file {}: {e}", file.path.display()))
}

/// The files that hold `sample_type`, each with the index of its values.
fn holding<'a>(
    files: impl Iterator<Item = &'a ProfileFile>,
    sample_type: &str,
) -> Vec<(&'a ProfileFile, usize)> {
    files
        .filter_map(|f| Some((f, f.value_index(sample_type)?)))
        .collect()
}

/// Each file's weight in its window, from its time and duration.
fn file_weights(files: &[(&ProfileFile, usize)], snapshots: bool) -> Vec<Weight> {
    weights(
        files
            .iter()
            .map(|(f, _)| (f.time_nanos, f.profile.duration_nanos)),
        snapshots,
    )
}

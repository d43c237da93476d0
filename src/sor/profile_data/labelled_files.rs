//! Profiles from pprof files narrowed by label (SPEC §12): the cached trees hold every sample,
//! so a labelled query reads its files again and keeps the samples whose string labels
//! (`Sample.label`) pass the selector.

use super::flamegraph::FlameGraphStats;
use super::pprof::source::ProfileFile;
use super::pprof::{parse_file_where, Limits, StackTree};
use crate::profile::LabelSelector;
use crate::sor::SorError;

/// The samples of `files` with `sample_type` that `labels` select, merged and ranked. A file
/// that cannot be read again (deleted or changed since the scan) is left out, as the next
/// scan will leave it out.
pub fn merge_labelled<'a>(
    files: impl Iterator<Item = &'a ProfileFile>,
    limits: Limits,
    sample_type: &str,
    labels: &LabelSelector,
) -> Result<FlameGraphStats, SorError> {
    let filter = labels.filter();
    let keep = |pairs: &[(&str, &str)]| {
        filter.matches(|name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v))
    };
    let mut tree = StackTree::default();
    for file in files {
        let Some(index) = file
            .profile
            .sample_types
            .iter()
            .position(|t| t.name() == sample_type)
        else {
            continue;
        };
        let read = std::fs::read(&file.path)
            .map_err(|e| e.to_string())
            .and_then(|raw| parse_file_where(&raw, limits, Some(&keep)).map_err(|e| e.to_string()));
        match read {
            Ok(profile) => tree.add(&profile, index).map_err(|e| failed(file, &e))?,
            Err(e) => {
                tracing::warn!(file = %file.path.display(), error = %e, "a profile file cannot be read again; left out")
            }
        }
    }
    tree.stats().map_err(|e| {
        SorError::Upstream(format!("profile files of {sample_type} with {labels}: {e}"))
    })
}

fn failed(file: &ProfileFile, e: &dyn std::fmt::Display) -> SorError {
    SorError::Upstream(format!("profile file {}: {e}", file.path.display()))
}

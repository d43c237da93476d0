//! A window of pprof files cut into parts (docs/api.md#how-sure-is-a-diff): each file of the window
//! is a part, in order of its start time, ranked on its own. A file without a time could belong
//! anywhere, so a window holding one has no parts.

use std::sync::Arc;

use super::labelled_files::merge_labelled;
use crate::dir::listed::ProfileFile;
use pf_infra::sor::SorError;
use pf_model::{LabelSelector, TimeWindow};
use pf_pprof::Limits;
use pf_profiles::PartsRead;

const NANOS: i64 = 1_000_000_000;

/// The parts of a window whose files are `files`, for `sample_type` and `labels`; `None` when
/// `slices` is 0.
pub fn file_parts(
    files: Vec<&ProfileFile>,
    sample_type: &str,
    labels: &LabelSelector,
    limits: Limits,
    slices: u32,
) -> Result<PartsRead, SorError> {
    if slices == 0 {
        return Ok(None);
    }
    let mut files: Vec<(&ProfileFile, usize)> = files
        .into_iter()
        .filter_map(|f| Some((f, f.value_index(sample_type)?)))
        .collect();
    if files.iter().any(|(f, _)| f.time_nanos == 0) {
        return Ok(Some(Err(
            "a profile file of the window has no time (pprof `time_nanos`), so the window cannot be cut into parts".to_owned(),
        )));
    }
    if files.len() < 2 {
        return Ok(Some(Err(format!(
            "the window holds {} profile file(s); its parts are its files, and 2 or more are needed",
            files.len()
        ))));
    }
    files.sort_by(|(a, _), (b, _)| (a.time_nanos, &a.path).cmp(&(b.time_nanos, &b.path)));
    let mut parts = Vec::with_capacity(files.len());
    for (file, index) in files {
        let stats = if labels.is_empty() {
            file.tree(limits)
                .and_then(|p| p.stats(index).map_err(|e| e.to_string()))
                .map_err(|e| {
                    SorError::Upstream(format!("profile file {}: {e}", file.path.display()))
                })?
        } else {
            merge_labelled(std::iter::once(file), limits, sample_type, labels, false)?
        };
        parts.push((bounds(file), Arc::new(stats)));
    }
    Ok(Some(Ok(parts)))
}

/// The file's `[time, time + duration)` in whole seconds, at least one second long.
fn bounds(file: &ProfileFile) -> TimeWindow {
    let start = file.time_nanos.div_euclid(NANOS).max(0);
    let end_nanos = file
        .time_nanos
        .saturating_add(file.profile.duration_nanos.max(0));
    let end = (end_nanos.saturating_add(NANOS - 1) / NANOS).max(start.saturating_add(1));
    TimeWindow {
        from: start,
        to: end,
    }
}

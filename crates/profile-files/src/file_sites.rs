//! Where the functions of a window's pprof files live
//! (docs/regressions.md#the-change-that-caused-it): each file read again for its sites
//! (`formats::pprof::function_sites`), narrowed by label as a labelled profile is
//! (docs/gate.md#comparing-a-canary), and the files' sites merged. Not cached: what the regression
//! examiner asks for once per regression.

use std::collections::{BTreeMap, BTreeSet};

use super::labelled_files::keeping;
use crate::dir::listed::ProfileFile;
use pf_model::{FunctionSite, LabelSelector};
use pf_pprof::{function_sites, Limits, SampleFilter};

/// The sites of the functions of `files` in `sample_type` (`type/unit`) whose samples
/// `labels` select, by name then file: a site's sampled lines are those of every file, its
/// first line the first a file gives. A file without that sample type is skipped; a file that
/// cannot be read again (deleted or changed since the scan) is left out, as the next scan will
/// leave it out.
pub fn file_sites<'a>(
    files: impl Iterator<Item = &'a ProfileFile>,
    limits: Limits,
    sample_type: &str,
    labels: &LabelSelector,
) -> Vec<FunctionSite> {
    let filter = labels.filter();
    let keep = keeping(&filter);
    let filter: SampleFilter<'_> = if labels.is_empty() { None } else { Some(&keep) };
    let mut merged: BTreeMap<(String, String), (Option<u32>, BTreeSet<u32>)> = BTreeMap::new();
    for file in files {
        let Some(index) = file.value_index(sample_type) else {
            continue;
        };
        let read = std::fs::read(&file.path)
            .map_err(|e| e.to_string())
            .and_then(|raw| function_sites(&raw, limits, index, filter).map_err(|e| e.to_string()));
        let sites = match read {
            Ok(sites) => sites,
            Err(e) => {
                tracing::warn!(file = %file.path.display(), error = %e, "a profile file cannot be read again; left out");
                continue;
            }
        };
        for site in sites {
            let (start_line, sampled) = merged.entry((site.name, site.file)).or_default();
            *start_line = start_line.or(site.start_line);
            sampled.extend(site.sampled);
        }
    }
    merged
        .into_iter()
        .map(|((name, file), (start_line, sampled))| FunctionSite {
            name,
            file,
            start_line,
            sampled: sampled.into_iter().collect(),
        })
        .collect()
}

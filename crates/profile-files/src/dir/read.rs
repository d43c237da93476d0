//! Reading the files of a listing: on every core, each within the size bound before a byte
//! of it is read.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use pf_pprof::{parse_file, Limits, ParsedProfile, PprofError};

/// Reads `files`, as many at once as there are cores; the results in the files' order. A
/// reader that panics (no content should make one) panics the scan, as on one core.
pub(super) fn read_all(
    files: &[(&Path, u64)],
    limits: Limits,
) -> Vec<Result<ParsedProfile, PprofError>> {
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(files.len());
    if workers <= 1 {
        return files
            .iter()
            .map(|&(p, size)| read(p, size, limits))
            .collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(path, size)) = files.get(i) else {
                            return done;
                        };
                        done.push((i, read(path, size, limits)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    done.sort_unstable_by_key(|&(i, _)| i);
    done.into_iter().map(|(_, result)| result).collect()
}

pub(super) fn sorted_entries(dir: &Path) -> std::io::Result<Vec<(PathBuf, std::fs::Metadata)>> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            // Follows symbolic links, so a linked app directory or file is read.
            std::fs::metadata(&path).ok().map(|m| (path, m))
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

fn read(path: &Path, size: u64, limits: Limits) -> Result<ParsedProfile, PprofError> {
    // Refused before it is read: raw, it is too large; gzip, its content is too (gzip of
    // incompressible data is barely larger than the data).
    if size > limits.max_decoded_bytes {
        return Err(PprofError::TooLarge {
            limit: limits.max_decoded_bytes,
        });
    }
    let raw = std::fs::read(path).map_err(|e| PprofError::Unreadable(e.to_string()))?;
    parse_file(&raw, limits)
}

/// The name that starts a compaction's journal in an app's directory: `<prefix><merged file>`,
/// holding the merged file's name and then its sources', one a line.
pub const COMPACTION_JOURNAL: &str = ".compacting-";

/// The files of one app's `entries` that a compaction has replaced but not yet removed: the
/// sources named by a journal whose merged file is already in place. Skipping them, a reader
/// counts a compacted piece once at every moment of the compaction.
pub(super) fn replaced_by_compaction(
    entries: &[(PathBuf, std::fs::Metadata)],
) -> std::collections::HashSet<String> {
    let names: std::collections::HashSet<&str> = entries
        .iter()
        .filter_map(|(p, _)| p.file_name()?.to_str())
        .collect();
    let mut replaced = std::collections::HashSet::new();
    for (path, _) in entries {
        let Some(merged) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix(COMPACTION_JOURNAL))
        else {
            continue;
        };
        if !names.contains(merged) {
            continue;
        }
        if let Ok(journal) = std::fs::read_to_string(path) {
            replaced.extend(journal.lines().skip(1).map(str::to_owned));
        }
    }
    replaced
}

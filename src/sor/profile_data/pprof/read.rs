//! Reading the files of a listing: on every core, each within the size bound before a byte
//! of it is read.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::decode::parse_file;
use super::error::PprofError;
use super::profile::{Limits, ParsedProfile};

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

//! The directory of pprof files, `<dir>/<app>/<any name>`: listed again at most every
//! `rescan` interval, each file parsed once per (path, size, modification time). A file that
//! cannot be read is skipped, logged and reported once per version of it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use super::decode::parse_file;
use super::error::PprofError;
use super::profile::{Limits, ParsedProfile};

/// Called once for each version of each file that is skipped.
pub type OnSkip = Arc<dyn Fn(&Path, &PprofError) + Send + Sync>;

/// One readable file.
#[derive(Debug, Clone)]
pub struct ProfileFile {
    pub app: String,
    /// Where to read the file again for a query that filters samples by label (SPEC §12):
    /// `parse_file_where` with the query's filter, since the cached tree holds every sample.
    pub path: PathBuf,
    /// The file's call tree, with every sample.
    pub profile: Arc<ParsedProfile>,
}

impl ProfileFile {
    /// Whether the file counts in `[from, to)` (epoch seconds): its `[time, time + duration)`
    /// overlaps it, a zero or negative duration being the instant `time`. A file without a
    /// time counts everywhere.
    pub fn in_window(&self, from: i64, to: i64) -> bool {
        let p = &self.profile;
        if p.time_nanos == 0 {
            return true;
        }
        let (from, to) = (
            from.saturating_mul(1_000_000_000),
            to.saturating_mul(1_000_000_000),
        );
        let start = p.time_nanos;
        let end = start.saturating_add(p.duration_nanos.max(0));
        if end == start {
            from <= start && start < to
        } else {
            start < to && end > from
        }
    }
}

/// What the directory held at one scan.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Changes whenever the set of readable files does.
    pub generation: u64,
    /// Readable files, by app, then path.
    pub files: Vec<ProfileFile>,
    /// Files skipped at this scan.
    pub skipped: usize,
    /// Why the directory itself could not be listed, if it could not.
    pub error: Option<String>,
}

struct Cached {
    size: u64,
    modified: Option<SystemTime>,
    result: Result<Arc<ParsedProfile>, PprofError>,
}

#[derive(Default)]
struct State {
    scanned: Option<Instant>,
    cache: HashMap<PathBuf, Cached>,
    snapshot: Arc<Snapshot>,
}

/// A directory of pprof files.
pub struct ProfileDir {
    dir: PathBuf,
    limits: Limits,
    rescan: Duration,
    on_skip: OnSkip,
    state: tokio::sync::Mutex<State>,
}

impl ProfileDir {
    pub fn new(dir: PathBuf, limits: Limits, rescan: Duration, on_skip: OnSkip) -> Self {
        ProfileDir {
            dir,
            limits,
            rescan,
            on_skip,
            state: tokio::sync::Mutex::default(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The files as of the last scan, scanning first when the last one is older than the
    /// rescan interval. Concurrent callers wait for one scan.
    pub async fn snapshot(&self) -> Arc<Snapshot> {
        let mut state = self.state.lock().await;
        if state.scanned.is_some_and(|t| t.elapsed() < self.rescan) {
            return state.snapshot.clone();
        }
        let cache = std::mem::take(&mut state.cache);
        let (dir, limits, on_skip) = (self.dir.clone(), self.limits, self.on_skip.clone());
        let previous = state.snapshot.clone();
        let scan =
            tokio::task::spawn_blocking(move || scan(&dir, limits, &on_skip, cache, &previous))
                .await;
        match scan {
            Ok((cache, snapshot)) => {
                state.cache = cache;
                state.snapshot = Arc::new(snapshot);
            }
            Err(e) => tracing::error!(error = %e, "scanning the profile directory failed"),
        }
        state.scanned = Some(Instant::now());
        state.snapshot.clone()
    }
}

/// Lists `dir/<app>/<file>`, reusing the parse of every file whose size and modification
/// time did not change.
fn scan(
    dir: &Path,
    limits: Limits,
    on_skip: &OnSkip,
    mut old: HashMap<PathBuf, Cached>,
    previous: &Snapshot,
) -> (HashMap<PathBuf, Cached>, Snapshot) {
    let mut cache = HashMap::new();
    let mut snapshot = Snapshot::default();
    let apps = match sorted_entries(dir) {
        Ok(apps) => apps,
        Err(e) => {
            snapshot.error = Some(format!("cannot list {}: {e}", dir.display()));
            snapshot.generation = previous.generation + u64::from(!previous.files.is_empty());
            return (cache, snapshot);
        }
    };
    let mut changed = false;
    for (app_path, app_meta) in apps {
        let Some(app) = app_path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !app_meta.is_dir() || app.starts_with('.') {
            continue;
        }
        let Ok(files) = sorted_entries(&app_path) else {
            continue;
        };
        for (path, meta) in files {
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_none_or(|n| n.starts_with('.'));
            if !meta.is_file() || hidden {
                continue;
            }
            let (size, modified) = (meta.len(), meta.modified().ok());
            let entry = match old.remove(&path) {
                Some(c) if c.size == size && c.modified == modified => c,
                _ => {
                    changed = true;
                    let result = read(&path, size, limits).map(Arc::new);
                    if let Err(e) = &result {
                        tracing::warn!(file = %path.display(), reason = e.reason(), error = %e, "skipping a profile file");
                        on_skip(&path, e);
                    }
                    Cached {
                        size,
                        modified,
                        result,
                    }
                }
            };
            match &entry.result {
                Ok(profile) => snapshot.files.push(ProfileFile {
                    app: app.to_owned(),
                    path: path.clone(),
                    profile: profile.clone(),
                }),
                Err(_) => snapshot.skipped += 1,
            }
            cache.insert(path, entry);
        }
    }
    changed |= !old.is_empty();
    snapshot.generation = previous.generation + u64::from(changed);
    (cache, snapshot)
}

fn sorted_entries(dir: &Path) -> std::io::Result<Vec<(PathBuf, std::fs::Metadata)>> {
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

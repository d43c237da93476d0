//! The directory of pprof files, `<dir>/<app>/<any name>`: listed again at most every
//! `rescan` interval, each file parsed once per (path, size, modification time). A file that
//! cannot be read is skipped, logged and reported once per version of it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
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
    /// When the file counts from, epoch nanoseconds: its pprof `time_nanos`, moved by the
    /// directory's [`Replay`] when it has one; 0 = no time.
    pub time_nanos: i64,
}

/// Files timed within `[from, to)` (epoch seconds) read as if `shift` seconds later: how the
/// bundled demo's recorded day replays as the day before the service started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replay {
    pub from: i64,
    pub to: i64,
    pub shift: i64,
}

impl Replay {
    /// The time a file recorded at `nanos` is read at.
    fn time_of(&self, nanos: i64) -> i64 {
        const NANOS: i64 = 1_000_000_000;
        let recorded = nanos.div_euclid(NANOS);
        if nanos != 0 && self.from <= recorded && recorded < self.to {
            nanos.saturating_add(self.shift.saturating_mul(NANOS))
        } else {
            nanos
        }
    }
}

impl ProfileFile {
    /// Whether the file counts in `[from, to)` (epoch seconds): its `[time, time + duration)`
    /// overlaps it, a zero or negative duration being the instant `time`. A file without a
    /// time counts everywhere.
    pub fn in_window(&self, from: i64, to: i64) -> bool {
        if self.time_nanos == 0 {
            return true;
        }
        let (from, to) = (
            from.saturating_mul(1_000_000_000),
            to.saturating_mul(1_000_000_000),
        );
        let start = self.time_nanos;
        let end = start.saturating_add(self.profile.duration_nanos.max(0));
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
    replay: Option<Replay>,
    state: tokio::sync::Mutex<State>,
}

impl ProfileDir {
    pub fn new(dir: PathBuf, limits: Limits, rescan: Duration, on_skip: OnSkip) -> Self {
        ProfileDir {
            dir,
            limits,
            rescan,
            on_skip,
            replay: None,
            state: tokio::sync::Mutex::default(),
        }
    }

    /// The same directory, its files recorded within `replay` read as if later.
    pub fn replaying(mut self, replay: Option<Replay>) -> Self {
        self.replay = replay;
        self
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
        let (previous, replay) = (state.snapshot.clone(), self.replay);
        let scan = tokio::task::spawn_blocking(move || {
            scan(&dir, (limits, replay), &on_skip, cache, &previous)
        })
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

/// A file of the listing, with its cached parse when its size and modification time did not
/// change, and then with its new one.
struct Listed {
    app: String,
    path: PathBuf,
    size: u64,
    modified: Option<SystemTime>,
    cached: Option<Cached>,
}

/// Lists `dir/<app>/<file>`, reusing the parse of every file whose size and modification
/// time did not change, and reading the others on every core.
fn scan(
    dir: &Path,
    (limits, replay): (Limits, Option<Replay>),
    on_skip: &OnSkip,
    mut old: HashMap<PathBuf, Cached>,
    previous: &Snapshot,
) -> (HashMap<PathBuf, Cached>, Snapshot) {
    let mut cache = HashMap::new();
    let mut snapshot = Snapshot::default();
    let mut listed = match list(dir, &mut old) {
        Ok(listed) => listed,
        Err(e) => {
            snapshot.error = Some(format!("cannot list {}: {e}", dir.display()));
            snapshot.generation = previous.generation + u64::from(!previous.files.is_empty());
            return (cache, snapshot);
        }
    };
    let fresh: Vec<(&Path, u64)> = listed
        .iter()
        .filter(|l| l.cached.is_none())
        .map(|l| (l.path.as_path(), l.size))
        .collect();
    let parsed = read_all(&fresh, limits);
    let changed = !parsed.is_empty() || !old.is_empty();
    let unread = listed.iter_mut().filter(|l| l.cached.is_none());
    for (l, result) in unread.zip(parsed) {
        if let Err(e) = &result {
            tracing::warn!(file = %l.path.display(), reason = e.reason(), error = %e, "skipping a profile file");
            on_skip(&l.path, e);
        }
        l.cached = Some(Cached {
            size: l.size,
            modified: l.modified,
            result: result.map(Arc::new),
        });
    }
    for l in listed {
        // Every file has its entry now, cached before or read just above.
        let Some(entry) = l.cached else { continue };
        match &entry.result {
            Ok(profile) => snapshot.files.push(ProfileFile {
                app: l.app,
                path: l.path.clone(),
                time_nanos: replay.map_or(profile.time_nanos, |r| r.time_of(profile.time_nanos)),
                profile: profile.clone(),
            }),
            Err(_) => snapshot.skipped += 1,
        }
        cache.insert(l.path, entry);
    }
    snapshot.generation = previous.generation + u64::from(changed);
    (cache, snapshot)
}

/// The files of `dir/<app>/`, in order, each with its entry of `old` when its size and
/// modification time did not change (taken out of `old`).
fn list(dir: &Path, old: &mut HashMap<PathBuf, Cached>) -> std::io::Result<Vec<Listed>> {
    let mut listed = Vec::new();
    for (app_path, app_meta) in sorted_entries(dir)? {
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
            let cached = old
                .remove(&path)
                .filter(|c| c.size == size && c.modified == modified);
            listed.push(Listed {
                app: app.to_owned(),
                path,
                size,
                modified,
                cached,
            });
        }
    }
    Ok(listed)
}

/// Reads `files`, as many at once as there are cores; the results in the files' order. A
/// reader that panics (no content should make one) panics the scan, as on one core.
fn read_all(files: &[(&Path, u64)], limits: Limits) -> Vec<Result<ParsedProfile, PprofError>> {
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

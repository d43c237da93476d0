//! The directories of pprof files, `<dir>/<app>/<any name>`: listed again at most every
//! `rescan` interval or as soon as the store says it wrote, each file parsed once per (path,
//! size, modification time). A file that cannot be read is skipped, logged and reported once
//! per version of it. An app found in an earlier directory hides the same app in a later one
//! (pushed profiles before the bundled demo's).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use super::app_dir::app_dirs;
use super::read::{read_all, replaced_by_compaction, sorted_entries};
use pf_pprof::{Limits, ParsedProfile, PprofError};

/// Called once for each version of each file that is skipped.
pub type OnSkip = Arc<dyn Fn(&Path, &PprofError) + Send + Sync>;

pub use super::listed::{ProfileFile, Replay};

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
    /// Whether `result` holds the call tree (else only the file's description).
    kept: bool,
}

#[derive(Default)]
struct State {
    scanned: Option<Instant>,
    cache: HashMap<PathBuf, Cached>,
    snapshot: Arc<Snapshot>,
}

/// One directory read as `<path>/<app>/<file>`.
#[derive(Debug, Clone)]
pub struct Root {
    pub path: PathBuf,
    /// Its files recorded within `replay` read as if later.
    pub replay: Option<Replay>,
    /// A directory that may not exist yet (the push store before its first push): missing,
    /// it holds nothing rather than being an error.
    pub optional: bool,
}

/// The directories of pprof files, read as one.
pub struct ProfileDir {
    roots: Vec<Root>,
    limits: Limits,
    /// The memory the parsed call trees may take (`profiles.max_parsed_bytes`).
    tree_budget: u64,
    rescan: Duration,
    on_skip: OnSkip,
    /// Set when the store wrote: the next snapshot lists again whatever the interval.
    changed: AtomicBool,
    state: tokio::sync::Mutex<State>,
}

impl ProfileDir {
    pub fn new(dir: PathBuf, limits: Limits, rescan: Duration, on_skip: OnSkip) -> Self {
        let root = Root {
            path: dir,
            replay: None,
            optional: false,
        };
        Self::with_roots(vec![root], limits, rescan, on_skip)
    }

    /// Reads `roots` as one source; an app of an earlier root hides the same app in later ones.
    pub fn with_roots(roots: Vec<Root>, limits: Limits, rescan: Duration, on_skip: OnSkip) -> Self {
        ProfileDir {
            roots,
            limits,
            tree_budget: u64::MAX,
            rescan,
            on_skip,
            changed: AtomicBool::new(false),
            state: tokio::sync::Mutex::default(),
        }
    }

    /// Keeps the parsed call trees within `bytes` (`profiles.max_parsed_bytes`); every tree is
    /// kept without it.
    #[must_use]
    pub fn with_tree_budget(mut self, bytes: u64) -> Self {
        self.tree_budget = bytes;
        self
    }

    /// The first directory: where the files of this source are written.
    pub fn dir(&self) -> &Path {
        self.roots
            .first()
            .map_or(Path::new(""), |r| r.path.as_path())
    }

    /// Says that a file was written: the next snapshot lists the directories again.
    pub fn changed(&self) {
        self.changed.store(true, Ordering::Release);
    }

    /// The files as of the last scan, scanning first when the last one is older than the
    /// rescan interval or a file was written since. Concurrent callers wait for one scan.
    pub async fn snapshot(&self) -> Arc<Snapshot> {
        let mut state = self.state.lock().await;
        let fresh = state.scanned.is_some_and(|t| t.elapsed() < self.rescan);
        if fresh && !self.changed.load(Ordering::Acquire) {
            return state.snapshot.clone();
        }
        self.changed.store(false, Ordering::Release);
        let cache = std::mem::take(&mut state.cache);
        let tree_budget = self.tree_budget;
        let (roots, limits, on_skip) = (self.roots.clone(), self.limits, self.on_skip.clone());
        let previous = state.snapshot.clone();
        let scan = tokio::task::spawn_blocking(move || {
            scan(&roots, (limits, tree_budget), &on_skip, cache, &previous)
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
    replay: Option<Replay>,
    path: PathBuf,
    size: u64,
    modified: Option<SystemTime>,
    cached: Option<Cached>,
}

/// Lists `<root>/<app>/<file>` of every root, reusing the parse of every file whose size and
/// modification time did not change, and reading the others on every core.
fn scan(
    roots: &[Root],
    (limits, tree_budget): (Limits, u64),
    on_skip: &OnSkip,
    mut old: HashMap<PathBuf, Cached>,
    previous: &Snapshot,
) -> (HashMap<PathBuf, Cached>, Snapshot) {
    let mut cache = HashMap::new();
    let mut snapshot = Snapshot::default();
    let mut listed: Vec<Listed> = Vec::new();
    for root in roots {
        let seen: std::collections::HashSet<String> =
            listed.iter().map(|l| l.app.clone()).collect();
        match list(root, &mut old) {
            Ok(more) => listed.extend(more.into_iter().filter(|l| !seen.contains(&l.app))),
            Err(e) if root.optional && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                snapshot.error = Some(format!("cannot list {}: {e}", root.path.display()));
                snapshot.generation = previous.generation + u64::from(!previous.files.is_empty());
                return (cache, snapshot);
            }
        }
    }
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
            kept: true,
        });
    }
    keep_within(&mut listed, tree_budget);
    for l in listed {
        // Every file has its entry now, cached before or read just above.
        let Some(entry) = l.cached else { continue };
        match &entry.result {
            Ok(profile) => snapshot.files.push(ProfileFile {
                app: l.app,
                path: l.path.clone(),
                time_nanos: l
                    .replay
                    .map_or(profile.time_nanos, |r| r.time_of(profile.time_nanos)),
                profile: profile.clone(),
                tree_kept: entry.kept,
            }),
            Err(_) => snapshot.skipped += 1,
        }
        cache.insert(l.path, entry);
    }
    snapshot.generation = previous.generation + u64::from(changed);
    (cache, snapshot)
}

/// Keeps the call trees of `listed` within `budget` bytes, the newest files' first; the others
/// keep the description of their file only (SPEC §34: caches are bounded in bytes).
fn keep_within(listed: &mut [Listed], budget: u64) {
    let time = |l: &Listed| {
        l.cached
            .as_ref()
            .and_then(|c| c.result.as_ref().ok())
            .map_or(0, |p| p.time_nanos)
    };
    let mut newest_first: Vec<usize> = (0..listed.len()).collect();
    newest_first.sort_by_key(|&i| std::cmp::Reverse(time(&listed[i])));
    let mut used = 0_u64;
    for i in newest_first {
        let Some(cached) = listed[i].cached.as_mut() else {
            continue;
        };
        let Ok(profile) = &cached.result else {
            continue;
        };
        if !cached.kept {
            continue;
        }
        let bytes = profile.heap_bytes() as u64;
        if used.saturating_add(bytes) <= budget {
            used += bytes;
        } else {
            cached.result = Ok(Arc::new(profile.without_tree()));
            cached.kept = false;
        }
    }
}

/// The files of `<root>/<app>/`, in order, each with its entry of `old` when its size and
/// modification time did not change (taken out of `old`).
fn list(root: &Root, old: &mut HashMap<PathBuf, Cached>) -> std::io::Result<Vec<Listed>> {
    let mut listed = Vec::new();
    for (app, app_path) in app_dirs(&root.path)? {
        let Ok(files) = sorted_entries(&app_path) else {
            continue;
        };
        let replaced = replaced_by_compaction(&files);
        for (path, meta) in files {
            let name = path.file_name().and_then(|n| n.to_str());
            let hidden = name.is_none_or(|n| n.starts_with('.') || replaced.contains(n));
            if !meta.is_file() || hidden {
                continue;
            }
            let (size, modified) = (meta.len(), meta.modified().ok());
            let cached = old
                .remove(&path)
                .filter(|c| c.size == size && c.modified == modified);
            listed.push(Listed {
                app: app.clone(),
                replay: root.replay,
                path,
                size,
                modified,
                cached,
            });
        }
    }
    Ok(listed)
}

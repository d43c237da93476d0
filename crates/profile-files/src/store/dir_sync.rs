//! Group commit of directory syncs. A rename is durable once its directory is synced; pushes
//! that land in one directory at once share one `fsync` of it instead of one each. A caller
//! takes a ticket after its rename; one caller at a time syncs the directory for every ticket
//! taken before its sync began, and the callers whose tickets it covers return with its
//! outcome. The blocking write threads wait on a condition variable, never the async ones.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// The directory syncs of one store, grouped per directory.
#[derive(Default)]
pub struct DirSyncs {
    groups: Mutex<HashMap<PathBuf, Arc<Group>>>,
}

#[derive(Default)]
struct Group {
    state: Mutex<Tickets>,
    finished: Condvar,
}

#[derive(Default)]
struct Tickets {
    /// The last ticket taken.
    taken: u64,
    /// Every ticket up to this one has its sync's outcome.
    resolved: u64,
    /// A sync is running.
    running: bool,
    /// Tickets `(after, up_to]` whose sync failed, with the reason (the latest few).
    failed: Vec<(u64, u64, String)>,
}

/// How many failed syncs a directory remembers for the callers still waiting on them.
const FAILURES_KEPT: usize = 64;

impl DirSyncs {
    /// Returns once `dir` has been synced after this call began (by this caller or another).
    pub fn sync(&self, dir: &Path) -> io::Result<()> {
        let group = lock(&self.groups)
            .entry(dir.to_path_buf())
            .or_default()
            .clone();
        group.sync(dir)
    }
}

impl Group {
    fn sync(&self, dir: &Path) -> io::Result<()> {
        let mut t = lock(&self.state);
        t.taken += 1;
        let mine = t.taken;
        loop {
            if t.resolved >= mine {
                return match t.failed.iter().find(|(a, b, _)| *a < mine && mine <= *b) {
                    Some((_, _, reason)) => Err(io::Error::other(reason.clone())),
                    None => Ok(()),
                };
            }
            if t.running {
                t = self
                    .finished
                    .wait(t)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            let (after, up_to) = (t.resolved, t.taken);
            t.running = true;
            drop(t);
            let outcome = File::open(dir).and_then(|d| d.sync_all());
            t = lock(&self.state);
            t.running = false;
            t.resolved = up_to;
            if let Err(e) = outcome {
                if t.failed.len() == FAILURES_KEPT {
                    t.failed.remove(0);
                }
                t.failed.push((after, up_to, e.to_string()));
            }
            self.finished.notify_all();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::DirSyncs;
    use std::sync::Arc;

    #[test]
    fn concurrent_callers_all_return_once_their_directory_is_synced() {
        let dir = tempfile::tempdir().unwrap();
        let syncs = Arc::new(DirSyncs::default());
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (syncs, path) = (syncs.clone(), dir.path().to_path_buf());
                std::thread::spawn(move || (0..20).try_for_each(|_| syncs.sync(&path)))
            })
            .collect();
        for t in threads {
            t.join().unwrap().unwrap();
        }
    }

    #[test]
    fn a_directory_that_cannot_be_synced_is_an_error_for_its_callers() {
        let syncs = DirSyncs::default();
        let gone = std::path::Path::new("/nonexistent/pyroscope-functions-test");
        assert!(syncs.sync(gone).is_err());
        assert!(syncs.sync(gone).is_err());
    }
}

//! Retention and the size bound of the store (docs/agents.md#pushing-from-agents): whole files go,
//! the oldest first, and only files the store wrote (`<time>-<id>.pb.gz`), never a file copied into
//! the directory.

use std::fs;
use std::path::{Path, PathBuf};

use crate::app_dirs;

/// What one sweep found and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Files past the retention, removed.
    pub expired: u64,
    /// Files removed, oldest first, to bring the store under its bound.
    pub evicted: u64,
    /// What the store's files hold after the sweep.
    pub files: u64,
    pub bytes: u64,
}

/// A file the store wrote: its time (from its name), size and path.
pub(super) struct Stored {
    pub(super) time: i64,
    pub(super) size: u64,
    pub(super) path: PathBuf,
}

/// Removes the store's files of `root` timed before `keep_from` (epoch seconds), then the
/// oldest until the rest hold at most `max_bytes`.
pub fn sweep(root: &Path, keep_from: i64, max_bytes: u64) -> std::io::Result<Swept> {
    let mut files = match listed(root) {
        Ok(files) => files,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Swept::default()),
        Err(e) => return Err(e),
    };
    files.sort_by(|a, b| (a.time, &a.path).cmp(&(b.time, &b.path)));
    let mut swept = Swept::default();
    let mut bytes: u64 = files.iter().map(|f| f.size).sum();
    for file in &files {
        let expired = file.time < keep_from;
        if !expired && bytes <= max_bytes {
            swept.files += 1;
            continue;
        }
        match fs::remove_file(&file.path) {
            Ok(()) => {
                bytes -= file.size;
                if expired {
                    swept.expired += 1;
                } else {
                    swept.evicted += 1;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => bytes -= file.size,
            Err(e) => return Err(e),
        }
    }
    swept.bytes = bytes;
    Ok(swept)
}

/// The store's files of every app of `root`.
fn listed(root: &Path) -> std::io::Result<Vec<Stored>> {
    let mut files = Vec::new();
    for (_, app) in app_dirs(root)? {
        files.extend(stored_in(&app));
    }
    Ok(files)
}

/// The files the store wrote in one app's directory (none when it cannot be read).
pub(super) fn stored_in(app: &Path) -> Vec<Stored> {
    let Ok(entries) = fs::read_dir(app) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let time = stored_time(entry.file_name().to_str()?)?;
            let size = entry.metadata().ok()?.len();
            Some(Stored {
                time,
                size,
                path: entry.path(),
            })
        })
        .collect()
}

/// The time of a file the store named `<12 digits>-<32 hex>.pb.gz`.
fn stored_time(name: &str) -> Option<i64> {
    let (time, rest) = name.split_once('-')?;
    let id = rest.strip_suffix(".pb.gz")?;
    let shaped = time.len() == 12
        && time.bytes().all(|b| b.is_ascii_digit())
        && id.len() == 32
        && id.bytes().all(|b| b.is_ascii_hexdigit());
    shaped.then(|| time.parse().ok())?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(root: &Path, app: &str, name: &str, size: usize) {
        fs::create_dir_all(root.join(app)).unwrap();
        fs::write(root.join(app).join(name), vec![0u8; size]).unwrap();
    }

    fn name(time: i64, n: u8) -> String {
        format!("{time:012}-{}.pb.gz", format!("{n:02x}").repeat(16))
    }

    #[test]
    fn old_files_go_then_the_oldest_until_the_store_fits_and_copied_files_stay() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        put(root, "a", &name(100, 1), 10);
        put(root, "a", &name(200, 2), 10);
        put(root, "b", &name(300, 3), 10);
        put(root, "b", &name(400, 4), 10);
        put(root, "b", "copied-by-hand.pb.gz", 1000);
        let swept = sweep(root, 150, 20).unwrap();
        assert_eq!(
            swept,
            Swept {
                expired: 1,
                evicted: 1,
                files: 2,
                bytes: 20
            }
        );
        assert!(!root.join("a").join(name(200, 2)).exists());
        assert!(root.join("b").join(name(300, 3)).exists());
        assert!(root.join("b/copied-by-hand.pb.gz").exists());
        assert_eq!(
            sweep(&root.join("missing"), 0, 1).unwrap(),
            Swept::default()
        );
    }

    #[test]
    fn only_the_stores_own_names_are_read_as_times() {
        assert_eq!(stored_time(&name(1_760_000_000, 7)), Some(1_760_000_000));
        for other in [
            "profile.pb.gz",
            "000000000001-xyz.pb.gz",
            ".tmp",
            "1760000000-abc.pb.gz",
        ] {
            assert_eq!(stored_time(other), None, "{other}");
        }
    }
}

//! The store's file-system calls: write to a hidden temporary file, sync it, rename it into
//! place, sync the directory — the order that makes a rename survive a crash.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::dir_sync::DirSyncs;
use super::normalize::StoredProfile;
use crate::app_dir;
use pf_model::AppName;

/// Writes every `(app, file)` durably under `root`; returns the bytes written. On an error,
/// the files of this call written so far are removed again.
/// Directory syncs are shared with the concurrent pushes to the same directory (`syncs`).
pub(super) fn write_all(
    root: &Path,
    files: &[(AppName, StoredProfile)],
    syncs: &DirSyncs,
) -> std::io::Result<u64> {
    let mut done = Vec::with_capacity(files.len());
    let result = files.iter().try_for_each(|(app, file)| {
        let dir = app_dir(root, app);
        fs::create_dir_all(&dir)?;
        let temporary = staged(&dir, &file.bytes)?;
        let path = dir.join(stored_name(file.time_secs));
        if let Err(e) = fs::rename(&temporary, &path) {
            let _ = fs::remove_file(&temporary);
            return Err(e);
        }
        done.push(path);
        syncs.sync(&dir)
    });
    if let Err(e) = result {
        for path in done {
            let _ = fs::remove_file(path);
        }
        return Err(e);
    }
    Ok(files.iter().map(|(_, f)| f.bytes.len() as u64).sum())
}

/// The name the store gives a file of `time_secs`: `<12 digits>-<32 hex>.pb.gz`.
pub(super) fn stored_name(time_secs: i64) -> String {
    let id = uuid::Uuid::new_v4().simple();
    format!("{:012}-{id}.pb.gz", time_secs.max(0))
}

/// `bytes` in a hidden temporary file of `dir`, synced; its path.
pub(super) fn staged(dir: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let temporary = dir.join(format!(".{}.tmp", uuid::Uuid::new_v4().simple()));
    let written = File::create(&temporary).and_then(|mut out| {
        out.write_all(bytes)?;
        out.sync_all()
    });
    if let Err(e) = written {
        let _ = fs::remove_file(&temporary);
        return Err(e);
    }
    Ok(temporary)
}

/// Renames `temporary` to `dir/name` and syncs the directory; the final path.
pub(super) fn placed(dir: &Path, temporary: &Path, name: &str) -> std::io::Result<PathBuf> {
    let path = dir.join(name);
    let renamed = fs::rename(temporary, &path).and_then(|()| File::open(dir)?.sync_all());
    if let Err(e) = renamed {
        let _ = fs::remove_file(temporary);
        return Err(e);
    }
    Ok(path)
}

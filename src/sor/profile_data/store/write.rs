//! The store's file-system calls: write to a hidden temporary file, sync it, rename it into
//! place, sync the directory — the order that makes a rename survive a crash.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::normalize::StoredProfile;

/// Writes every `(app, file)` durably under `root`; returns the bytes written. On an error,
/// the files of this call written so far are removed again.
pub(super) fn write_all(root: &Path, files: &[(String, StoredProfile)]) -> std::io::Result<u64> {
    let mut done = Vec::with_capacity(files.len());
    let result = files.iter().try_for_each(|(app, file)| {
        let path = write_one_placed(&root.join(app), file)?;
        done.push(path);
        Ok(())
    });
    if let Err(e) = result {
        for path in done {
            let _ = fs::remove_file(path);
        }
        return Err(e);
    }
    Ok(files.iter().map(|(_, f)| f.bytes.len() as u64).sum())
}

/// Writes `file` durably into `dir` under its own name; returns that path.
fn write_one_placed(dir: &Path, file: &StoredProfile) -> std::io::Result<PathBuf> {
    let (temporary, path) = write_one(dir, file, true)?;
    debug_assert_eq!(temporary, path);
    Ok(path)
}

/// Writes `file` to a hidden temporary file of `dir` and syncs it; with `place`, renames it
/// to its name (`<time>-<id>.pb.gz`) and syncs the directory too. Returns the temporary's
/// path (the final one once placed) and the final one.
pub(super) fn write_one(
    dir: &Path,
    file: &StoredProfile,
    place: bool,
) -> std::io::Result<(PathBuf, PathBuf)> {
    fs::create_dir_all(dir)?;
    let id = uuid::Uuid::new_v4().simple();
    let temporary = dir.join(format!(".{id}.tmp"));
    let path = dir.join(format!("{:012}-{id}.pb.gz", file.time_secs.max(0)));
    let written = (|| -> std::io::Result<()> {
        let mut out = File::create(&temporary)?;
        out.write_all(&file.bytes)?;
        out.sync_all()?;
        if place {
            fs::rename(&temporary, &path)?;
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written?;
    Ok((if place { path.clone() } else { temporary }, path))
}

/// Writes `bytes` durably as `dir/name` (a hidden temporary, sync, rename, directory sync).
pub(super) fn write_one_named(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = dir.join(format!(".{}.tmp", uuid::Uuid::new_v4().simple()));
    let mut out = File::create(&temporary)?;
    out.write_all(bytes)?;
    out.sync_all()?;
    fs::rename(&temporary, dir.join(name))?;
    File::open(dir)?.sync_all()
}

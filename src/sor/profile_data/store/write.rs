//! The store's file-system calls: write to a hidden temporary file, sync it, rename it into
//! place, sync the directory — the order that makes a rename survive a crash.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use super::normalize::StoredProfile;

/// Writes every `(app, file)` durably under `root`; returns the bytes written. On an error,
/// the files of this call written so far are removed again.
pub(super) fn write_all(root: &Path, files: &[(String, StoredProfile)]) -> std::io::Result<u64> {
    let mut done = Vec::with_capacity(files.len());
    let result = files.iter().try_for_each(|(app, file)| {
        let path = write_one(&root.join(app), file)?;
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

fn write_one(dir: &Path, file: &StoredProfile) -> std::io::Result<std::path::PathBuf> {
    fs::create_dir_all(dir)?;
    let id = uuid::Uuid::new_v4().simple();
    let temporary = dir.join(format!(".{id}.tmp"));
    let path = dir.join(format!("{:012}-{id}.pb.gz", file.time_secs.max(0)));
    let written = (|| {
        let mut out = File::create(&temporary)?;
        out.write_all(&file.bytes)?;
        out.sync_all()?;
        fs::rename(&temporary, &path)?;
        File::open(dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written.map(|()| path)
}

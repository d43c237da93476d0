//! Compaction: the pushes of each app that fall in one closed piece of time (the watcher's
//! slice, five minutes by default) become one file, so that a day of 10-s pushes is read as
//! 288 files, not 8 640. Crash-safe by a journal: the sources are named in a hidden journal
//! before the merged file takes its place, the reader skips the sources a journal names once
//! its merged file is there (so a piece counts once at every moment), and a pass finishes
//! (or forgets) what a journal left before it starts.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use prost::Message;

use super::merge::{merge, shape};
use super::sweep::stored_in;
use super::write::{placed, staged, stored_name};
use crate::{app_dirs, COMPACTION_JOURNAL};
use pf_model::SliceSecs;
use pf_pprof::{decompress, proto, Limits};

const JOURNAL: &str = COMPACTION_JOURNAL;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compacted {
    /// Files written, each in place of several.
    pub merged: u64,
    /// Files they replaced.
    pub replaced: u64,
}

/// Compacts every app of `root`: pieces of `slice_secs` that ended before `closed_before`;
/// the sample types `snapshot_types` names are averaged, not added.
pub fn compact(
    root: &Path,
    slice_secs: SliceSecs,
    closed_before: i64,
    limits: Limits,
    snapshot_types: &[String],
) -> std::io::Result<Compacted> {
    let mut done = Compacted::default();
    let apps = match app_dirs(root) {
        Ok(apps) => apps,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(done),
        Err(e) => return Err(e),
    };
    for (_, app) in apps {
        recover(&app)?;
        let mut pieces: BTreeMap<i64, Vec<PathBuf>> = BTreeMap::new();
        for file in stored_in(&app) {
            let piece = file.time - file.time.rem_euclid(slice_secs.secs());
            if piece + slice_secs.secs() <= closed_before {
                pieces.entry(piece).or_default().push(file.path);
            }
        }
        for (piece, files) in pieces.into_iter().filter(|(_, f)| f.len() > 1) {
            let one = compact_piece(&app, piece, &files, limits, snapshot_types)?;
            done.merged += one.merged;
            done.replaced += one.replaced;
        }
    }
    Ok(done)
}

/// Merges the readable files of one piece, by shape; a file that cannot be read stays.
fn compact_piece(
    app: &Path,
    piece: i64,
    files: &[PathBuf],
    limits: Limits,
    snapshot_types: &[String],
) -> std::io::Result<Compacted> {
    let mut shapes: BTreeMap<Vec<Vec<u8>>, Vec<(PathBuf, proto::Profile)>> = BTreeMap::new();
    for path in files {
        let Ok(raw) = fs::read(path) else { continue };
        let Ok(bytes) = decompress(&raw, limits) else {
            continue;
        };
        let Ok(profile) = proto::Profile::decode(&*bytes) else {
            continue;
        };
        shapes
            .entry(shape(&profile))
            .or_default()
            .push((path.clone(), profile));
    }
    let mut done = Compacted::default();
    for group in shapes.into_values().filter(|g| g.len() > 1) {
        let (sources, profiles): (Vec<PathBuf>, Vec<proto::Profile>) = group.into_iter().unzip();
        let temporary = staged(
            app,
            &super::normalize::gzip(&merge(&profiles, snapshot_types).encode_to_vec())?,
        )?;
        let target = stored_name(piece);
        let names: Vec<String> = sources
            .iter()
            .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
            .collect();
        // The journal first: once the merged file is in place, its sources are known to be
        // replaced, by the reader and by a pass after a crash.
        let journal = format!("{target}\n{}", names.join("\n"));
        let journal_name = format!("{JOURNAL}{target}");
        placed(app, &staged(app, journal.as_bytes())?, &journal_name)?;
        fs::rename(&temporary, app.join(&target))?;
        finish(app, &names)?;
        fs::remove_file(app.join(&journal_name))?;
        done.merged += 1;
        done.replaced += names.len() as u64;
    }
    Ok(done)
}

/// Removes `names` from `dir` (those already gone are fine), then syncs the directory.
fn finish(dir: &Path, names: &[String]) -> std::io::Result<()> {
    for name in names {
        match fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    fs::File::open(dir)?.sync_all()
}

/// Finishes what a journal of `dir` began: its merged file in place → its sources go; else
/// the journal (and the merged file's temporary) is forgotten.
fn recover(dir: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)?.flatten() {
        let name = entry.file_name();
        let Some(target) = name.to_str().and_then(|n| n.strip_prefix(JOURNAL)) else {
            continue;
        };
        let journal = fs::read_to_string(entry.path()).unwrap_or_default();
        let sources: Vec<String> = journal.lines().skip(1).map(str::to_owned).collect();
        if dir.join(target).exists() {
            finish(dir, &sources)?;
        }
        fs::remove_file(entry.path())?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "compact_tests.rs"]
mod tests;

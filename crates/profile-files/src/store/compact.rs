//! Compaction: the pushes of each app that fall in one closed piece of time (the watcher's
//! slice, five minutes by default) become one file, so that a day of 10-s pushes is read as
//! 288 files, not 8 640. Crash-safe by a journal: the sources are named in a hidden journal
//! before the merged file takes its place, the reader skips the sources a journal names once
//! its merged file is there (so a piece counts once at every moment), and a pass finishes
//! (or forgets) what a journal left before it starts.
//!
//! A merge works within a fixed memory budget whatever a piece holds (SPEC §34): files are
//! read one at a time into the merged profile, in runs whose pprofs fit the budget; a file too
//! big for it alone is left as it was pushed, and counted.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use prost::Message;

use super::merge::{shape_of, span, Merge};
use super::normalize::stated_size;
use super::sweep::stored_in;
use super::write::{placed, staged, stored_name};
use crate::{app_dirs, COMPACTION_JOURNAL};
use pf_model::SliceSecs;
use pf_pprof::{decompress, proto, Limits, PprofError};

const JOURNAL: &str = COMPACTION_JOURNAL;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compacted {
    /// Files written, each in place of several.
    pub merged: u64,
    /// Files they replaced.
    pub replaced: u64,
    /// Files of closed pieces left as they are: too big to merge within the memory budget.
    pub left: u64,
}

/// What a pass may use: the files' limits, and the memory one merge may take
/// (`ingest.compaction_memory_bytes`).
#[derive(Debug, Clone, Copy)]
pub struct CompactionBudget {
    pub limits: Limits,
    pub memory_bytes: u64,
}

/// Memory a pprof takes decoded by prost, per byte of it: a sample of two locations and one
/// value is 9 bytes on the wire and about 140 in memory (its struct and two vectors).
const DECODED_PER_BYTE: u64 = 16;

impl CompactionBudget {
    /// The largest pprof (decompressed) a merge takes in: it and what it merges into stay
    /// within the budget.
    fn max_pprof_bytes(self) -> u64 {
        (self.memory_bytes / DECODED_PER_BYTE).min(self.limits.max_decoded_bytes)
    }
}

/// Compacts every app of `root`: pieces of `slice_secs` that ended before `closed_before`;
/// the sample types `snapshot_types` names are averaged, not added.
pub fn compact(
    root: &Path,
    slice_secs: SliceSecs,
    closed_before: i64,
    budget: CompactionBudget,
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
            let one = compact_piece(&app, piece, &files, budget, snapshot_types)?;
            done.merged += one.merged;
            done.replaced += one.replaced;
            done.left += one.left;
        }
    }
    Ok(done)
}

/// A file of a piece as the first reading saw it.
struct Source {
    path: PathBuf,
    /// Its pprof's size, decompressed.
    size: u64,
    /// Its `time_nanos` and `duration_nanos`.
    time: (i64, i64),
}

/// Merges the readable files of one piece, by shape, one file at a time and within the
/// budget: a shape's files are merged in runs whose pprofs together fit
/// [`CompactionBudget::max_pprof_bytes`]; a file that alone does not is left as it is (and
/// counted), a file that cannot be read stays.
fn compact_piece(
    app: &Path,
    piece: i64,
    files: &[PathBuf],
    budget: CompactionBudget,
    snapshot_types: &[String],
) -> std::io::Result<Compacted> {
    let max = budget.max_pprof_bytes();
    let limits = Limits {
        max_decoded_bytes: max,
        ..budget.limits
    };
    let mut done = Compacted::default();
    // First reading: each file's shape, time and size, without its samples.
    let mut shapes: BTreeMap<Vec<Vec<u8>>, Vec<Source>> = BTreeMap::new();
    for path in files {
        let Ok(raw) = fs::read(path) else { continue };
        // A push its gzip trailer says is too big is left without being decompressed: the
        // pass comes back every minute, and such a file stays as it is.
        if stated_size(&raw) > max {
            done.left += 1;
            continue;
        }
        let bytes = match decompress(&raw, limits) {
            Ok(bytes) => bytes,
            Err(PprofError::TooLarge { .. }) => {
                done.left += 1;
                continue;
            }
            Err(_) => continue,
        };
        let Ok(tables) = proto::ProfileTables::decode(&*bytes) else {
            continue;
        };
        let shape = shape_of(
            &tables.string_table,
            &tables.sample_type,
            tables.period_type.as_ref(),
        );
        shapes.entry(shape).or_default().push(Source {
            path: path.clone(),
            size: bytes.len() as u64,
            time: (tables.time_nanos, tables.duration_nanos),
        });
    }
    for group in shapes.into_values() {
        for run in runs(group, max) {
            let one = merge_run(app, piece, &run, limits, snapshot_types)?;
            done.merged += one.merged;
            done.replaced += one.replaced;
        }
    }
    Ok(done)
}

/// `group` cut into runs of two files or more whose sizes add up to at most `max`, in order.
fn runs(group: Vec<Source>, max: u64) -> Vec<Vec<Source>> {
    let mut runs: Vec<Vec<Source>> = vec![Vec::new()];
    let mut size = 0;
    for file in group {
        if size + file.size > max {
            runs.push(Vec::new());
            size = 0;
        }
        size += file.size;
        if let Some(run) = runs.last_mut() {
            run.push(file);
        }
    }
    runs.retain(|run| run.len() > 1);
    runs
}

/// Merges one run into a file in its place, reading its files again one at a time; a file
/// that cannot be read now is left out of the merge and stays.
fn merge_run(
    app: &Path,
    piece: i64,
    run: &[Source],
    limits: Limits,
    snapshot_types: &[String],
) -> std::io::Result<Compacted> {
    let mut merge = Merge::new(span(run.iter().map(|s| s.time)), snapshot_types);
    let mut names = Vec::new();
    for source in run {
        let Ok(raw) = fs::read(&source.path) else {
            continue;
        };
        let Ok(bytes) = decompress(&raw, limits) else {
            continue;
        };
        let Ok(profile) = proto::Profile::decode(&*bytes) else {
            continue;
        };
        merge.add(&profile);
        if let Some(name) = source.path.file_name().and_then(|n| n.to_str()) {
            names.push(name.to_owned());
        }
    }
    if names.len() < 2 {
        return Ok(Compacted::default());
    }
    let temporary = staged(
        app,
        &super::normalize::gzip(&merge.finish().encode_to_vec())?,
    )?;
    let target = stored_name(piece);
    // The journal first: once the merged file is in place, its sources are known to be
    // replaced, by the reader and by a pass after a crash.
    let journal = format!("{target}\n{}", names.join("\n"));
    let journal_name = format!("{JOURNAL}{target}");
    placed(app, &staged(app, journal.as_bytes())?, &journal_name)?;
    fs::rename(&temporary, app.join(&target))?;
    finish(app, &names)?;
    fs::remove_file(app.join(&journal_name))?;
    Ok(Compacted {
        merged: 1,
        replaced: names.len() as u64,
        left: 0,
    })
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

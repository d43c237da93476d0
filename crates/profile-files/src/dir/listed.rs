//! A file of the profile directories as the readers see it: its app, its parsed call tree and
//! the time it counts from, and the replay that moves the bundled demo's recorded day.

use std::path::PathBuf;
use std::sync::Arc;

use pf_pprof::{parse_file_where, Limits, ParsedProfile};

/// One readable file.
#[derive(Debug, Clone)]
pub struct ProfileFile {
    pub app: String,
    /// Where to read the file again for a query that filters samples by label
    /// (docs/gate.md#comparing-a-canary): `parse_file_where` with the query's filter, since the
    /// cached tree holds every sample.
    pub path: PathBuf,
    /// The file as parsed: its types, time and labels, and its call tree with every sample when
    /// `tree_kept` (else read again with [`ProfileFile::tree`]).
    pub profile: Arc<ParsedProfile>,
    /// Whether `profile` holds the call tree: the listing keeps trees within
    /// `profiles.max_parsed_bytes`, the newest first.
    pub tree_kept: bool,
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
    pub(super) fn time_of(&self, nanos: i64) -> i64 {
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
    /// The file with its call tree: as kept by the listing, else read from the file again (it
    /// may have gone since the scan: then the error).
    pub fn tree(&self, limits: Limits) -> Result<Arc<ParsedProfile>, String> {
        if self.tree_kept {
            return Ok(self.profile.clone());
        }
        let raw = std::fs::read(&self.path).map_err(|e| e.to_string())?;
        parse_file_where(&raw, limits, None)
            .map(Arc::new)
            .map_err(|e| e.to_string())
    }

    /// The index of `sample_type` (`type/unit`) among the file's sample types, if it has it.
    pub fn value_index(&self, sample_type: &str) -> Option<usize> {
        self.profile
            .sample_types
            .iter()
            .position(|t| t.name() == sample_type)
    }

    /// Whether the file counts in `[from, to)` (epoch seconds): its time, where it starts,
    /// lies in it (docs/agents.md#pushing-from-agents: a profile belongs to the one
    /// window holding its start, as Pyroscope stamps it, so adjacent windows never share a
    /// profile). A file without a time counts everywhere.
    pub fn in_window(&self, from: i64, to: i64) -> bool {
        if self.time_nanos == 0 {
            return true;
        }
        let (from, to) = (
            from.saturating_mul(1_000_000_000),
            to.saturating_mul(1_000_000_000),
        );
        from <= self.time_nanos && self.time_nanos < to
    }
}

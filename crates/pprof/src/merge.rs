//! Many CPU profiles merged into the one Go's compiler takes (`go build -pgo=`,
//! docs/gate.md#a-profile-for-the-compiler): Go's sample types (`samples/count`,
//! `cpu/nanoseconds`), every function with its file and start line and every location with its
//! inlined lines, each kept once by content; samples of the same stack summed, their labels dropped
//! (the compiler reads none). With a bound on locations, each stack is first cut to its innermost
//! ones, as `profilecli query go-pgo` does.
//!
//! Each file's samples are read straight off the wire (`wire.rs`), as the reader reads them:
//! its ids are mapped through per-file tables, and a stack is looked up by a reused buffer, so
//! nothing is allocated per sample but the first sample of each distinct stack.

use std::collections::HashMap;
use std::num::NonZeroUsize;

use super::decode::pprof_bytes;
use super::error::PprofError;
use super::hash::BuildIntHasher;
use super::profile::Limits;
use super::proto;
use super::stack_set::StackSet;
use super::tables::IdMap;
use super::walk::SampleFilter;
use super::wire::{for_each_field, read_location, wire_error};
use samples::reading;

#[path = "merge_samples.rs"]
mod samples;

/// The period Go's runtime/pprof samples CPU at (100 Hz), written when no profile says one.
const GO_PERIOD_NANOS: i64 = 10_000_000;

/// CPU profiles being merged into one.
pub struct CpuMerge<'f> {
    keep_locations: Option<NonZeroUsize>,
    filter: SampleFilter<'f>,
    strings: Vec<Vec<u8>>,
    string_ids: HashMap<Vec<u8>, i64>,
    functions: Vec<proto::Function>,
    /// By name, system name, file name (merged string indexes) and start line.
    /// Integer keys hash with the trie's multiplicative hasher: a few million lookups a day
    /// of pushes; a file crafted to collide slows only its own merge.
    function_ids: HashMap<[i64; 4], u64, BuildIntHasher>,
    locations: Vec<proto::Location>,
    /// By `[address, function id, line, function id, line, …]` (merged ids).
    location_ids: HashMap<Box<[u64]>, u64, BuildIntHasher>,
    /// Each merged sample's count and nanoseconds, by position.
    samples: Vec<[i64; 2]>,
    /// Each merged sample's stack (merged location ids, leaf first), by the same position.
    stacks: StackSet,
    period: i64,
    span: Option<(i64, i64)>,
    /// Whether the merged profile has a count of samples beside the nanoseconds.
    counted: bool,
}

impl<'f> CpuMerge<'f> {
    /// An empty merge: stacks cut to `keep_locations` (all kept when `None`), samples kept as
    /// `filter` says (all when `None`).
    pub fn new(keep_locations: Option<NonZeroUsize>, filter: SampleFilter<'f>) -> Self {
        CpuMerge {
            keep_locations,
            filter,
            strings: vec![Vec::new()],
            string_ids: HashMap::from([(Vec::new(), 0)]),
            functions: Vec::new(),
            function_ids: HashMap::default(),
            locations: Vec::new(),
            location_ids: HashMap::default(),
            samples: Vec::new(),
            stacks: StackSet::default(),
            period: 0,
            span: None,
            counted: true,
        }
    }

    /// For profiles whose period is not how often they were sampled (Grafana Pyroscope writes
    /// one second for every CPU profile it merges): no count of samples is made up, the merged
    /// profile holds `cpu/nanoseconds` alone, which Go's compiler weighs its call edges by as
    /// it would by the counts.
    #[must_use]
    pub fn without_counts(mut self) -> Self {
        self.counted = false;
        self
    }

    /// Distinct stacks merged so far.
    pub fn stacks(&self) -> usize {
        self.samples.len()
    }

    /// Adds the samples of a file's content (gzip or raw pprof, or a JFR recording) in its
    /// sample type `sample_type` (`type/unit`, e.g. `cpu/nanoseconds` or `samples/count`).
    /// A file without that type adds nothing.
    ///
    /// # Errors
    /// What the reader would skip the file for: not a profile, truncated, a bad index.
    pub fn add_file(
        &mut self,
        raw: &[u8],
        limits: Limits,
        sample_type: &str,
    ) -> Result<(), PprofError> {
        let bytes = pprof_bytes(raw, limits)?;
        let tables = header(&bytes)?;
        let Some(reading) = reading(&tables, sample_type) else {
            return Ok(());
        };
        if self.period == 0 {
            self.period = reading.period;
        }
        if tables.time_nanos > 0 {
            let end = tables
                .time_nanos
                .saturating_add(tables.duration_nanos.max(0));
            let (start, last) = self.span.unwrap_or((tables.time_nanos, end));
            self.span = Some((start.min(tables.time_nanos), last.max(end)));
        }
        let functions = self.add_functions(&tables)?;
        let locations = self.add_locations(&bytes, &functions)?;
        // Room for the stacks at once rather than by doubling: a sample takes 32 bytes or more
        // on the wire, and a merged answer's are nearly all new.
        self.stacks.reserve(bytes.len() / 64, bytes.len() / 16);
        self.add_samples(&bytes, &tables.string_table, &locations, &reading)
    }

    /// The merged profile.
    pub fn finish(self) -> proto::Profile {
        let mut strings = self.strings;
        let mut string_ids = self.string_ids;
        let mut string = |s: &str| -> i64 {
            let next = strings.len() as i64;
            *string_ids.entry(s.as_bytes().to_vec()).or_insert_with(|| {
                strings.push(s.as_bytes().to_vec());
                next
            })
        };
        let mut value_type = |kind: &str, unit: &str| proto::ValueType {
            r#type: string(kind),
            unit: string(unit),
        };
        let counted = self.counted;
        let mut samples: Vec<proto::Sample> = self
            .samples
            .iter()
            .map(|&[count, nanos]| proto::Sample {
                location_id: Vec::new(),
                value: if counted {
                    vec![count, nanos]
                } else {
                    vec![nanos]
                },
                label: Vec::new(),
            })
            .collect();
        for (n, sample) in samples.iter_mut().enumerate() {
            sample.location_id = self.stacks.get(n).to_vec();
        }
        let sample_type = if counted {
            vec![
                value_type("samples", "count"),
                value_type("cpu", "nanoseconds"),
            ]
        } else {
            vec![value_type("cpu", "nanoseconds")]
        };
        let period_type = Some(value_type("cpu", "nanoseconds"));
        let (time_nanos, duration_nanos) = self.span.map_or((0, 0), |(s, e)| (s, e - s));
        proto::Profile {
            sample_type,
            sample: samples,
            location: self.locations,
            function: self.functions,
            string_table: strings,
            time_nanos,
            duration_nanos,
            period_type,
            period: if self.period > 0 {
                self.period
            } else {
                GO_PERIOD_NANOS
            },
        }
    }

    /// String `i` of a file's `table` as an index of the merged table.
    fn string(&mut self, table: &[Vec<u8>], i: i64) -> Result<i64, PprofError> {
        let s = usize::try_from(i)
            .ok()
            .and_then(|i| table.get(i))
            .ok_or(PprofError::BadIndex {
                what: "function string",
                index: i.unsigned_abs(),
            })?;
        if let Some(&id) = self.string_ids.get(s.as_slice()) {
            return Ok(id);
        }
        let id = self.strings.len() as i64;
        self.strings.push(s.clone());
        self.string_ids.insert(s.clone(), id);
        Ok(id)
    }

    /// The file's functions kept once by content: its function ids to merged ones.
    fn add_functions(&mut self, t: &proto::ProfileHeader) -> Result<IdMap, PprofError> {
        let mut ids = Vec::with_capacity(t.function.len());
        for f in &t.function {
            let table = &t.string_table;
            let key = [
                self.string(table, f.name)?,
                self.string(table, f.system_name)?,
                self.string(table, f.filename)?,
                f.start_line,
            ];
            let next = self.functions.len() as u64 + 1;
            let id = *self.function_ids.entry(key).or_insert(next);
            if id == next {
                self.functions.push(proto::Function {
                    id,
                    name: key[0],
                    system_name: key[1],
                    filename: key[2],
                    start_line: key[3],
                });
            }
            ids.push((f.id, merged_id(id)?));
        }
        Ok(IdMap::new(ids.into_iter(), t.function.len()))
    }

    /// The file's locations (read off the wire from `bytes`) kept once by address and lines:
    /// its location ids to merged ones.
    fn add_locations(&mut self, bytes: &[u8], functions: &IdMap) -> Result<IdMap, PprofError> {
        let mut ids = Vec::new();
        let (mut key, mut lines): (Vec<u64>, Vec<(u64, i64)>) = (Vec::new(), Vec::new());
        for_each_field(bytes, 4, |location| {
            lines.clear();
            let (file_id, address) = read_location(location, &mut lines)?;
            key.clear();
            key.push(address);
            for &(function_id, line) in &lines {
                let f = functions.get(function_id).ok_or(PprofError::BadIndex {
                    what: "function id",
                    index: function_id,
                })?;
                key.extend([u64::from(f), line as u64]);
            }
            let id = match self.location_ids.get(key.as_slice()) {
                Some(&id) => id,
                None => {
                    let id = self.locations.len() as u64 + 1;
                    self.locations.push(proto::Location {
                        id,
                        address,
                        line: key[1..]
                            .chunks_exact(2)
                            .map(|p| proto::Line {
                                function_id: p[0],
                                line: p[1] as i64,
                            })
                            .collect(),
                    });
                    self.location_ids.insert(key.clone().into_boxed_slice(), id);
                    id
                }
            };
            ids.push((file_id, merged_id(id)?));
            Ok(())
        })?;
        let len = ids.len();
        Ok(IdMap::new(ids.into_iter(), len))
    }
}

/// A profile's tables but its locations, refused as the reader refuses them (`decode.rs`)
/// when it has no sample types or its string table does not start with `""`.
fn header(bytes: &[u8]) -> Result<proto::ProfileHeader, PprofError> {
    use prost::Message as _;
    let header = proto::ProfileHeader::decode(bytes).map_err(|e| wire_error(&e))?;
    let table = &header.string_table;
    if table.first().is_none_or(|s| !s.is_empty()) || header.sample_type.is_empty() {
        return Err(PprofError::NotPprof(
            "no sample types, or a string table that does not start with \"\"".into(),
        ));
    }
    Ok(header)
}

/// A merged id as the per-file tables hold it.
fn merged_id(id: u64) -> Result<u32, PprofError> {
    u32::try_from(id)
        .ok()
        .filter(|&id| id != u32::MAX)
        .ok_or_else(|| PprofError::Invalid("too many functions or locations".into()))
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;

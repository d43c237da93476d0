//! From the bytes of a file to a checked, compact profile: gzip or raw by content, a bound on
//! the decompressed size, prost decoding, and every index resolved once, so that building a
//! tree later cannot fail on the file's content.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Read;

use prost::Message;

use super::error::PprofError;
use super::proto;
use super::wire::{read_sample, samples, wire_error};

/// How much a file may ask of the service.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest profile accepted, in bytes after decompression (the zip-bomb guard).
    pub max_decoded_bytes: u64,
    /// Deepest stack accepted, in frames (inlined lines count).
    pub max_stack_depth: usize,
}

/// A sample type, e.g. `cpu` / `nanoseconds`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleType {
    pub kind: String,
    pub unit: String,
}

impl SampleType {
    /// `kind/unit`, as the settings name sample types.
    pub fn name(&self) -> String {
        format!("{}/{}", self.kind, self.unit)
    }
}

/// A decoded pprof file with every index resolved. Stacks are root first.
#[derive(Debug, Clone, Default)]
pub struct ParsedProfile {
    /// 0 when the file does not say when it was taken.
    pub time_nanos: i64,
    pub duration_nanos: i64,
    pub sample_types: Vec<SampleType>,
    pub period_type: Option<SampleType>,
    /// The distinct frame names of this file.
    pub names: Vec<String>,
    /// Frames of location `i` (root first, as indexes into `names`):
    /// `frames[frame_starts[i]..frame_starts[i + 1]]`.
    pub(super) frames: Vec<u32>,
    pub(super) frame_starts: Vec<u32>,
    /// Locations of sample `i` (root first, as location indexes):
    /// `stacks[stack_starts[i]..stack_starts[i + 1]]`.
    pub(super) stacks: Vec<u32>,
    pub(super) stack_starts: Vec<u32>,
    /// `sample_types.len()` values per sample.
    pub(super) values: Vec<i64>,
}

impl ParsedProfile {
    /// Number of samples.
    pub fn sample_count(&self) -> usize {
        self.stack_starts.len().saturating_sub(1)
    }

    /// Sample `i`'s location indexes (root first) and its values.
    pub(super) fn sample(&self, i: usize) -> (&[u32], &[i64]) {
        let n = self.sample_types.len();
        let stack = &self.stacks[self.stack_starts[i] as usize..self.stack_starts[i + 1] as usize];
        (stack, &self.values[i * n..(i + 1) * n])
    }

    /// Location `i`'s frames (root first).
    pub(super) fn frames_of(&self, location: u32) -> &[u32] {
        let i = location as usize;
        &self.frames[self.frame_starts[i] as usize..self.frame_starts[i + 1] as usize]
    }
}

/// Decompresses (when the content is gzip) within the size bound.
pub fn decompress(raw: &[u8], limits: Limits) -> Result<Cow<'_, [u8]>, PprofError> {
    let limit = limits.max_decoded_bytes;
    if !raw.starts_with(&[0x1f, 0x8b]) {
        if raw.len() as u64 > limit {
            return Err(PprofError::TooLarge { limit });
        }
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = Vec::new();
    let mut reader = flate2::read::MultiGzDecoder::new(raw).take(limit.saturating_add(1));
    match reader.read_to_end(&mut out) {
        Ok(_) if out.len() as u64 > limit => Err(PprofError::TooLarge { limit }),
        Ok(_) => Ok(Cow::Owned(out)),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Err(PprofError::Truncated(format!("gzip stream: {e}")))
        }
        Err(e) => Err(PprofError::NotPprof(format!("not gzip of a profile: {e}"))),
    }
}

/// Reads a whole file's content: gzip or raw, then the profile in it.
pub fn parse_file(raw: &[u8], limits: Limits) -> Result<ParsedProfile, PprofError> {
    let bytes = decompress(raw, limits)?;
    let tables = proto::ProfileTables::decode(&*bytes).map_err(|e| wire_error(&e))?;
    resolve(tables, &samples(&bytes)?, limits)
}

/// Maps item ids to positions; an id of 0 stands for the item's 1-based position (a .NET
/// profiler leaves function ids out while its lines count from 1). The first item wins a
/// duplicate id.
struct IdMap {
    dense: Vec<u32>,
    sparse: HashMap<u64, u32>,
}

impl IdMap {
    fn new(ids: impl Iterator<Item = u64>, len: usize) -> Self {
        let mut map = IdMap {
            dense: vec![u32::MAX; len.saturating_mul(2) + 16],
            sparse: HashMap::new(),
        };
        for (pos, id) in ids.enumerate() {
            let id = if id == 0 { pos as u64 + 1 } else { id };
            let index = pos as u32;
            match usize::try_from(id).ok().and_then(|i| map.dense.get_mut(i)) {
                Some(slot) if *slot == u32::MAX => *slot = index,
                Some(_) => {}
                None => {
                    map.sparse.entry(id).or_insert(index);
                }
            }
        }
        map
    }

    fn get(&self, id: u64) -> Option<u32> {
        match usize::try_from(id).ok().and_then(|i| self.dense.get(i)) {
            Some(&i) if i != u32::MAX => Some(i),
            Some(_) => None,
            None => self.sparse.get(&id).copied(),
        }
    }
}

fn string(table: &[Vec<u8>], index: i64, what: &'static str) -> Result<String, PprofError> {
    usize::try_from(index)
        .ok()
        .and_then(|i| table.get(i))
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .ok_or(PprofError::BadIndex {
            what,
            index: index.unsigned_abs(),
        })
}

fn sample_type(table: &[Vec<u8>], t: &proto::ValueType) -> Result<SampleType, PprofError> {
    Ok(SampleType {
        kind: string(table, t.r#type, "sample type string")?,
        unit: string(table, t.unit, "sample unit string")?,
    })
}

/// Checks every index and flattens the tables.
fn resolve(
    p: proto::ProfileTables,
    samples: &[&[u8]],
    limits: Limits,
) -> Result<ParsedProfile, PprofError> {
    let table = &p.string_table;
    if table.first().is_none_or(|s| !s.is_empty()) || p.sample_type.is_empty() {
        return Err(PprofError::NotPprof(
            "no sample types, or a string table that does not start with \"\"".into(),
        ));
    }
    let mut out = ParsedProfile {
        time_nanos: p.time_nanos,
        duration_nanos: p.duration_nanos,
        sample_types: p
            .sample_type
            .iter()
            .map(|t| sample_type(table, t))
            .collect::<Result<_, _>>()?,
        period_type: p
            .period_type
            .as_ref()
            .map(|t| sample_type(table, t))
            .transpose()?,
        ..ParsedProfile::default()
    };
    let mut interned: HashMap<String, u32> = HashMap::new();
    let mut intern = |name: String, names: &mut Vec<String>| {
        *interned.entry(name).or_insert_with_key(|n| {
            names.push(n.clone());
            (names.len() - 1) as u32
        })
    };
    let mut function_names = Vec::with_capacity(p.function.len());
    for f in &p.function {
        let mut name = string(table, f.name, "function name string")?;
        if name.is_empty() {
            name = string(table, f.system_name, "function system name string")?;
        }
        function_names.push(name);
    }
    let functions = IdMap::new(p.function.iter().map(|f| f.id), p.function.len());
    out.frame_starts.push(0);
    for loc in &p.location {
        if loc.line.is_empty() {
            let name = format!("0x{:x}", loc.address);
            out.frames.push(intern(name, &mut out.names));
        }
        for line in loc.line.iter().rev() {
            let f = functions
                .get(line.function_id)
                .ok_or(PprofError::BadIndex {
                    what: "function id",
                    index: line.function_id,
                })?;
            let name = match &function_names[f as usize] {
                n if n.is_empty() => format!("0x{:x}", loc.address),
                n => n.clone(),
            };
            out.frames.push(intern(name, &mut out.names));
        }
        out.frame_starts.push(out.frames.len() as u32);
    }
    let locations = IdMap::new(p.location.iter().map(|l| l.id), p.location.len());
    let n_types = out.sample_types.len();
    out.stack_starts.push(0);
    out.stacks
        .reserve(samples.iter().map(|s| s.len() / 2).sum());
    out.values.reserve(samples.len() * n_types);
    for sample in samples {
        let (start, values) = (out.stacks.len(), out.values.len());
        let mut depth = 0usize;
        let (starts, stacks) = (&out.frame_starts, &mut out.stacks);
        let on_location = |id| {
            let loc = locations.get(id).ok_or(PprofError::BadIndex {
                what: "location id",
                index: id,
            })?;
            depth += (starts[loc as usize + 1] - starts[loc as usize]) as usize;
            stacks.push(loc);
            Ok(())
        };
        read_sample(sample, on_location, &mut out.values)?;
        if depth > limits.max_stack_depth {
            return Err(PprofError::TooDeep {
                depth,
                limit: limits.max_stack_depth,
            });
        }
        if out.values.len() - values != n_types {
            return Err(PprofError::Invalid(format!(
                "a sample has {} values for {n_types} sample types",
                out.values.len() - values
            )));
        }
        // Written leaf first; kept root first.
        out.stacks[start..].reverse();
        out.stack_starts.push(out.stacks.len() as u32);
    }
    Ok(out)
}

//! From the bytes of a file to its call tree: gzip or raw by content, a bound on the
//! decompressed size, a JFR recording (by its `FLR` magic) made into a pprof first, prost for the small tables, then the samples walked straight into the
//! tree (`walk.rs`). Every index is checked on the way, so nothing later can fail on the
//! file's content.

use std::borrow::Cow;
use std::sync::{Mutex, PoisonError};

use prost::Message;

use super::error::PprofError;
use super::profile::{FileLabels, Limits, ParsedProfile, SampleType};
use super::proto;
use super::tables::{sample_type, Locations};
use super::tree::StackTree;
use super::walk::{add_samples, Encoded, SampleFilter, SampleSink};
use super::wire::wire_error;
use crate::gzip::{gunzip, GzipError};
use crate::jfr::{is_jfr, jfr_combined};

/// Decompresses (when the content is gzip) within the size bound.
pub fn decompress(raw: &[u8], limits: Limits) -> Result<Cow<'_, [u8]>, PprofError> {
    let limit = limits.max_decoded_bytes;
    if !raw.starts_with(&[0x1f, 0x8b]) {
        if raw.len() as u64 > limit {
            return Err(PprofError::TooLarge { limit });
        }
        return Ok(Cow::Borrowed(raw));
    }
    match gunzip(raw, limit) {
        Ok(out) => Ok(Cow::Owned(out)),
        Err(GzipError::TooLarge { limit }) => Err(PprofError::TooLarge { limit }),
        Err(GzipError::Truncated(e)) => Err(PprofError::Truncated(format!("gzip stream: {e}"))),
        Err(GzipError::Invalid(e)) => {
            Err(PprofError::NotPprof(format!("not gzip of a profile: {e}")))
        }
    }
}

/// Reads a whole file's content: gzip or raw, then the profile in it, with its samples'
/// string labels.
pub fn parse_file(raw: &[u8], limits: Limits) -> Result<ParsedProfile, PprofError> {
    let labels = Mutex::new(FileLabels::default());
    let note = |pairs: &[(&str, &str)]| {
        if !pairs.is_empty() {
            let mut labels = labels.lock().unwrap_or_else(PoisonError::into_inner);
            for (name, value) in pairs {
                labels.add(name, value);
            }
        }
        true
    };
    let mut parsed = parse_file_where(raw, limits, Some(&note))?;
    parsed.labels = labels.into_inner().unwrap_or_else(PoisonError::into_inner);
    Ok(parsed)
}

/// [`parse_file`] keeping only the samples `filter` keeps (every sample when `None`).
pub fn parse_file_where(
    raw: &[u8],
    limits: Limits,
    filter: SampleFilter<'_>,
) -> Result<ParsedProfile, PprofError> {
    let bytes = pprof_bytes(raw, limits)?;
    let read = read(&bytes, limits, filter, None)?;
    Ok(ParsedProfile {
        time_nanos: read.tables.time_nanos,
        duration_nanos: read.tables.duration_nanos,
        sample_types: read.sample_types,
        period_type: read.period_type,
        tree: read.tree.finish(),
        labels: FileLabels::default(),
    })
}

/// The pprof a file's content holds: decompressed (when gzip) within the size bound; a JFR
/// recording made into the pprof of all its sample types, then read like any pprof.
pub(super) fn pprof_bytes(raw: &[u8], limits: Limits) -> Result<Cow<'_, [u8]>, PprofError> {
    let bytes = decompress(raw, limits)?;
    if !is_jfr(&bytes) {
        return Ok(bytes);
    }
    let profile = jfr_combined(&bytes).map_err(|e| PprofError::Invalid(e.to_string()))?;
    Ok(Cow::Owned(profile.encode_to_vec()))
}

/// A profile's tables (prost skips the samples, which are most of the bytes), refused when
/// it has no sample types or its string table does not start with `""`.
pub(super) fn tables(bytes: &[u8]) -> Result<proto::ProfileTables, PprofError> {
    let tables = proto::ProfileTables::decode(bytes).map_err(|e| wire_error(&e))?;
    let table = &tables.string_table;
    if table.first().is_none_or(|s| !s.is_empty()) || tables.sample_type.is_empty() {
        return Err(PprofError::NotPprof(
            "no sample types, or a string table that does not start with \"\"".into(),
        ));
    }
    Ok(tables)
}

/// What the reader's passes over a profile give: its tables, its sample and period types, and
/// its stacks merged into a tree (not yet made compact: a push's check needs no more).
pub(super) struct Decoded {
    pub tables: proto::ProfileTables,
    pub sample_types: Vec<SampleType>,
    pub period_type: Option<SampleType>,
    pub tree: StackTree,
}

/// The reader's two passes over a decompressed pprof: its tables, checked and resolved, then
/// each sample into the call tree (and shown to `sink`).
pub(super) fn read<'a>(
    bytes: &'a [u8],
    limits: Limits,
    filter: SampleFilter<'_>,
    sink: SampleSink<'_, 'a>,
) -> Result<Decoded, PprofError> {
    // Pass 1: the tables.
    let tables = tables(bytes)?;
    let table = &tables.string_table;
    let sample_types = tables
        .sample_type
        .iter()
        .map(|t| sample_type(table, t))
        .collect::<Result<Vec<_>, _>>()?;
    let period_type = tables
        .period_type
        .as_ref()
        .map(|t| sample_type(table, t))
        .transpose()?;
    let mut tree = StackTree::new(sample_types.len());
    let locations = Locations::resolve(&tables, &mut tree)?;
    // Pass 2: each sample into the tree.
    let encoded = Encoded {
        bytes,
        strings: table,
        locations: &locations,
    };
    add_samples(encoded, &mut tree, limits, filter, sink)?;
    Ok(Decoded {
        tables,
        sample_types,
        period_type,
        tree,
    })
}

//! A file's samples added to a [`CpuMerge`]: read off the wire one at a time, each as Go's two
//! CPU values, its stack in merged location ids and cut to the innermost ones kept.

use std::borrow::Cow;
use std::num::NonZeroUsize;

use super::{CpuMerge, GO_PERIOD_NANOS};
use crate::error::PprofError;
use crate::proto;
use crate::tables::IdMap;
use crate::walk::keeps;
use crate::wire::{for_each_sample, read_sample, unpack, SampleParts};

/// Where one file's value of a sample is read from, and how it becomes Go's two values.
pub(super) struct Reading {
    /// Index of the chosen CPU sample type, and what one unit of it is in nanoseconds.
    pub(super) cpu: usize,
    pub(super) nanos_per_unit: i64,
    /// Index of a `samples/count` type, when the file has one besides.
    pub(super) count: Option<usize>,
    pub(super) period: i64,
    pub(super) types: usize,
}

impl CpuMerge<'_> {
    /// Each sample the filter keeps, its stack in merged ids and cut, added to its stack's.
    pub(super) fn add_samples(
        &mut self,
        bytes: &[u8],
        strings: &[Vec<u8>],
        locations: &IdMap,
        reading: &Reading,
    ) -> Result<(), PprofError> {
        let filter = self.filter;
        let labels: Vec<Cow<'_, str>> = match filter {
            Some(_) => strings.iter().map(|s| String::from_utf8_lossy(s)).collect(),
            None => Vec::new(),
        };
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        let mut parts = SampleParts::default();
        let mut ids: Vec<u64> = Vec::new();
        let mut stack: Vec<u64> = Vec::new();
        let keep = self.keep_locations.map_or(usize::MAX, NonZeroUsize::get);
        for_each_sample(bytes, |sample| {
            read_sample(sample, &mut parts, filter.is_some())?;
            if parts.values.len() != reading.types {
                return Err(PprofError::Invalid(format!(
                    "a sample has {} values for {} sample types",
                    parts.values.len(),
                    reading.types
                )));
            }
            let cpu = parts.values[reading.cpu].max(0);
            if cpu == 0 || !keeps(filter, &labels, &parts.labels, &mut pairs)? {
                return Ok(());
            }
            let nanos = cpu.saturating_mul(reading.nanos_per_unit);
            let count = match reading.count {
                Some(i) => parts.values[i].max(0),
                None => (nanos / reading.period.max(1)).max(1),
            };
            ids.clear();
            if let Some(packed) = parts.packed {
                unpack(packed, &mut ids)?;
            }
            ids.extend_from_slice(&parts.ids);
            stack.clear();
            for &id in ids.iter().take(keep) {
                let merged = locations.get(id).ok_or(PprofError::BadIndex {
                    what: "location id",
                    index: id,
                })?;
                stack.push(u64::from(merged));
            }
            let (slot, new) = self.stacks.slot(&stack);
            if new {
                self.samples.push([0, 0]);
            }
            let value = &mut self.samples[slot];
            value[0] = value[0].saturating_add(count);
            value[1] = value[1].saturating_add(nanos);
            Ok(())
        })
    }
}

/// How a file's samples are read: its sample type `wanted` (`type/unit`), and a count of
/// samples beside it; `None` when it has no such type.
pub(super) fn reading(t: &proto::ProfileHeader, wanted: &str) -> Option<Reading> {
    let text = |i: i64| {
        usize::try_from(i)
            .ok()
            .and_then(|i| t.string_table.get(i))
            .map_or(Cow::Borrowed(""), |s| String::from_utf8_lossy(s))
    };
    let names: Vec<(Cow<'_, str>, Cow<'_, str>)> = t
        .sample_type
        .iter()
        .map(|v| (text(v.r#type), text(v.unit)))
        .collect();
    let cpu = names
        .iter()
        .position(|(k, u)| format!("{k}/{u}") == wanted)?;
    let period_unit = t.period_type.as_ref().map(|p| text(p.unit));
    let period = match period_unit.as_deref() {
        Some(unit) => t.period.saturating_mul(nanos_per(unit).unwrap_or(1)),
        None => t.period,
    };
    let nanos_per_unit = match nanos_per(&names[cpu].1) {
        Some(n) => n,
        // A count of samples: each one a period long.
        None if period > 0 => period,
        None => GO_PERIOD_NANOS,
    };
    let count = names
        .iter()
        .position(|(k, u)| matches!(&**k, "samples" | "sample") && u == "count")
        .filter(|&i| i != cpu);
    Some(Reading {
        cpu,
        nanos_per_unit,
        count,
        period,
        types: names.len(),
    })
}

/// Nanoseconds in one `unit` of time; `None` for a unit that is not one.
fn nanos_per(unit: &str) -> Option<i64> {
    match unit {
        "nanoseconds" | "ns" => Some(1),
        "microseconds" | "us" => Some(1_000),
        "milliseconds" | "ms" => Some(1_000_000),
        "seconds" | "s" => Some(1_000_000_000),
        _ => None,
    }
}

//! A pushed pprof decoded once
//! (docs/performance.md#off-the-request-threads-decoded-once-issue-46): read by the
//! reader's own two passes (`decode.rs`), so every check a later read of the stored file makes has
//! passed, and kept as what writing it again needs — its tables, and each sample's location ids,
//! values and labels as the walk read them — so that relabelling it and setting its time decode
//! nothing more. Written again, it is the bytes prost encodes for the same [`proto::Profile`].

use std::ops::Range;

use prost::encoding::{self as pb, encoded_len_varint, WireType};

use super::decode::read;
use super::error::PprofError;
use super::profile::Limits;
use super::proto;
use super::wire::SampleParts;
use crate::jfr::is_jfr;

/// A decompressed pprof, decoded once and checked as the reader checks it.
pub struct DecodedPprof<'a> {
    tables: proto::ProfileTables,
    samples: Vec<Sample<'a>>,
    /// The parts of every sample, end to end; each [`Sample`] holds its ranges.
    ids: Vec<u64>,
    values: Vec<i64>,
    labels: Vec<(i64, i64)>,
    /// Bytes of the profile as decoded: about what writing it again takes.
    size: usize,
}

/// One sample: where its parts are.
struct Sample<'a> {
    ids: Ids<'a>,
    values: Range<usize>,
    labels: Range<usize>,
}

/// Location ids as they came: one packed field (its bytes, written again as they are), or
/// read one by one.
enum Ids<'a> {
    Packed(&'a [u8]),
    Listed(Range<usize>),
}

impl<'a> DecodedPprof<'a> {
    /// Decodes `bytes` (a pprof, decompressed) with the reader's walk; whatever the reader
    /// would skip the file for is the error. A JFR recording is not a pprof here: it is pushed
    /// as `format=jfr`.
    pub fn read(bytes: &'a [u8], limits: Limits) -> Result<Self, PprofError> {
        if is_jfr(bytes) {
            return Err(PprofError::NotPprof(
                "a JFR recording: push it with format=jfr".into(),
            ));
        }
        let (mut samples, mut ids, mut values, mut labels) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut keep = |parts: &SampleParts<'a>| {
            let sample_ids = match parts.packed {
                Some(packed) => Ids::Packed(packed),
                None => {
                    let start = ids.len();
                    ids.extend_from_slice(&parts.ids);
                    Ids::Listed(start..ids.len())
                }
            };
            let (v, l) = (values.len(), labels.len());
            values.extend_from_slice(&parts.values);
            labels.extend_from_slice(&parts.labels);
            samples.push(Sample {
                ids: sample_ids,
                values: v..values.len(),
                labels: l..labels.len(),
            });
        };
        let tables = read(bytes, limits, None, Some(&mut keep))?.tables;
        Ok(DecodedPprof {
            tables,
            samples,
            ids,
            values,
            labels,
            size: bytes.len(),
        })
    }

    /// When the profile was taken, in epoch nanoseconds (0 when it does not say).
    pub fn time_nanos(&self) -> i64 {
        self.tables.time_nanos
    }

    /// Sets when the profile was taken and for how long.
    pub fn set_time(&mut self, time_nanos: i64, duration_nanos: i64) {
        self.tables.time_nanos = time_nanos;
        self.tables.duration_nanos = duration_nanos;
    }

    /// The index of `s` in the string table (the first of equal strings), added at its end
    /// when it is not there.
    pub fn string(&mut self, s: &str) -> i64 {
        let table = &mut self.tables.string_table;
        let index = match table.iter().position(|t| t == s.as_bytes()) {
            Some(i) => i,
            None => {
                table.push(s.as_bytes().to_vec());
                table.len() - 1
            }
        };
        i64::try_from(index).unwrap_or(i64::MAX)
    }

    /// The profile encoded, each of `labels` added to every sample that has no label of its
    /// key (a sample's own label wins).
    pub fn encode(&self, labels: &[proto::Label]) -> Vec<u8> {
        let t = &self.tables;
        let extra = labels.len() * self.samples.len() * 8;
        let mut out = Vec::with_capacity(self.size + extra + 64);
        pb::message::encode_repeated(1, &t.sample_type, &mut out);
        let mut added = Vec::with_capacity(labels.len());
        for sample in &self.samples {
            let own = &self.labels[sample.labels.clone()];
            added.clear();
            added.extend(
                labels
                    .iter()
                    .filter(|l| own.iter().all(|&(key, _)| key != l.key))
                    .map(|l| (l.key, l.str)),
            );
            self.encode_sample(sample, own.iter().chain(&added), &mut out);
        }
        pb::message::encode_repeated(4, &t.location, &mut out);
        pb::message::encode_repeated(5, &t.function, &mut out);
        pb::bytes::encode_repeated(6, &t.string_table, &mut out);
        for (tag, value) in [(9, t.time_nanos), (10, t.duration_nanos)] {
            if value != 0 {
                pb::int64::encode(tag, &value, &mut out);
            }
        }
        if let Some(period_type) = &t.period_type {
            pb::message::encode(11, period_type, &mut out);
        }
        if t.period != 0 {
            pb::int64::encode(12, &t.period, &mut out);
        }
        out
    }

    /// Field 2 of a `Profile`: one `Sample`, its ids and values packed, then its labels.
    fn encode_sample<'l>(
        &self,
        sample: &Sample<'_>,
        labels: impl Iterator<Item = &'l (i64, i64)> + Clone,
        out: &mut Vec<u8>,
    ) {
        let listed = |r: &Range<usize>| &self.ids[r.clone()];
        let ids_len = match &sample.ids {
            Ids::Packed(packed) => packed.len(),
            Ids::Listed(r) => listed(r).iter().map(|&id| encoded_len_varint(id)).sum(),
        };
        let values = &self.values[sample.values.clone()];
        let values_len: usize = values.iter().map(|&v| encoded_len_varint(v as u64)).sum();
        let labels_len: usize = labels
            .clone()
            .map(|&(k, s)| field_len(label_len(k, s)))
            .sum();
        let len = packed_len(ids_len) + packed_len(values_len) + labels_len;
        pb::encode_key(2, WireType::LengthDelimited, out);
        pb::encode_varint(len as u64, out);
        if ids_len > 0 {
            pb::encode_key(1, WireType::LengthDelimited, out);
            pb::encode_varint(ids_len as u64, out);
            match &sample.ids {
                Ids::Packed(packed) => out.extend_from_slice(packed),
                Ids::Listed(r) => listed(r).iter().for_each(|&id| pb::encode_varint(id, out)),
            }
        }
        if values_len > 0 {
            pb::encode_key(2, WireType::LengthDelimited, out);
            pb::encode_varint(values_len as u64, out);
            values
                .iter()
                .for_each(|&v| pb::encode_varint(v as u64, out));
        }
        for &(key, value) in labels {
            pb::encode_key(3, WireType::LengthDelimited, out);
            pb::encode_varint(label_len(key, value) as u64, out);
            for (tag, index) in [(1, key), (2, value)] {
                if index != 0 {
                    pb::int64::encode(tag, &index, out);
                }
            }
        }
    }
}

/// Bytes of a `Label` of string indexes `key` and `value` (zeros are left out).
fn label_len(key: i64, value: i64) -> usize {
    [key, value]
        .iter()
        .filter(|&&i| i != 0)
        .map(|&i| 1 + encoded_len_varint(i as u64))
        .sum()
}

/// Bytes of a length-delimited field of a small tag holding `len` bytes.
fn field_len(len: usize) -> usize {
    1 + encoded_len_varint(len as u64) + len
}

/// Bytes of a packed field of a small tag holding `len` bytes (nothing when empty).
fn packed_len(len: usize) -> usize {
    if len == 0 {
        0
    } else {
        field_len(len)
    }
}

#[cfg(test)]
#[path = "decoded_tests.rs"]
mod tests;

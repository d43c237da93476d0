//! A pushed profile made into the file the store keeps (pure): the pprof checked by the same
//! reader that will read it, the push's labels written onto every sample (a sample's own label
//! of the same name wins), its time set, gzip. What the store keeps is a plain pprof file, so
//! pushed profiles and copied files are read alike.

use std::collections::HashMap;
use std::io::Write;

use prost::Message;

use crate::sor::profile_data::ingest::{IngestError, Pushed};
use crate::sor::profile_data::pprof::{decompress, parse_file, proto, Limits, PprofError};

const NANOS: i64 = 1_000_000_000;

/// A push that says nothing of its time covers the seconds before it arrived, as an agent's
/// push of its last interval does, so a default window (which ends at now floored to 10 s)
/// holds it at once rather than 10 s later.
pub const UNTIMED_SECS: i64 = 10;

/// What one push becomes: the file's bytes and the second it counts from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredProfile {
    pub bytes: Vec<u8>,
    pub time_secs: i64,
}

/// The file of `pushed`, which arrived at `arrived` (epoch seconds): its time is the push's
/// window, else the pprof's own, else the [`UNTIMED_SECS`] before its arrival.
pub fn stored_profile(
    pushed: &Pushed,
    arrived: i64,
    limits: Limits,
) -> Result<StoredProfile, IngestError> {
    let raw = decompress(&pushed.pprof, limits).map_err(refused)?;
    // Read as the profile source will read it: what cannot be read is refused now, not
    // skipped later.
    parse_file(&raw, limits).map_err(refused)?;
    let mut profile =
        proto::Profile::decode(&*raw).map_err(|e| refused(PprofError::NotPprof(e.to_string())))?;
    label_samples(&mut profile, &pushed.labels.pairs());
    match pushed.window {
        Some((from, until)) => {
            profile.time_nanos = from.saturating_mul(NANOS);
            profile.duration_nanos = (until - from).saturating_mul(NANOS);
        }
        None if profile.time_nanos > 0 => {}
        None => {
            profile.time_nanos = arrived.saturating_sub(UNTIMED_SECS).saturating_mul(NANOS);
            profile.duration_nanos = UNTIMED_SECS.saturating_mul(NANOS);
        }
    }
    let bytes = gzip(&profile.encode_to_vec())
        .map_err(|e| IngestError::Malformed(format!("cannot compress the profile: {e}")))?;
    Ok(StoredProfile {
        bytes,
        time_secs: profile.time_nanos.div_euclid(NANOS),
    })
}

/// `raw` gzip-compressed at the fastest level (cheap on the push path).
pub(super) fn gzip(raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gzip.write_all(raw)?;
    gzip.finish()
}

/// Adds `labels` to every sample that has no label of the same name.
fn label_samples(profile: &mut proto::Profile, labels: &[(&str, &str)]) {
    if labels.is_empty() {
        return;
    }
    let mut index: HashMap<Vec<u8>, i64> = HashMap::new();
    for (i, s) in profile.string_table.iter().enumerate() {
        index.entry(s.clone()).or_insert(i as i64);
    }
    let mut string = |s: &str| -> i64 {
        *index.entry(s.as_bytes().to_vec()).or_insert_with(|| {
            profile.string_table.push(s.as_bytes().to_vec());
            profile.string_table.len() as i64 - 1
        })
    };
    let pairs: Vec<proto::Label> = labels
        .iter()
        .map(|(k, v)| proto::Label {
            key: string(k),
            str: string(v),
        })
        .collect();
    for sample in &mut profile.sample {
        for pair in &pairs {
            if !sample.label.iter().any(|l| l.key == pair.key) {
                sample.label.push(pair.clone());
            }
        }
    }
}

fn refused(e: PprofError) -> IngestError {
    match e {
        PprofError::TooLarge { limit } => IngestError::TooLarge(format!(
            "the profile is larger than {limit} bytes once decompressed"
        )),
        e => IngestError::Malformed(format!("the profile cannot be read: {e}")),
    }
}

#[cfg(test)]
#[path = "normalize_tests.rs"]
mod tests;

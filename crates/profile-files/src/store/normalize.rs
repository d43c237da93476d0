//! A pushed profile made into the file the store keeps (pure): the pprof decoded once, by the
//! same reader that will read it (its check), the push's labels written onto every sample of
//! that decode (a sample's own label of the same name wins), its time set, gzip. What the
//! store keeps is a plain pprof file, so pushed profiles and copied files are read alike.

use std::io::Write;

use super::pushed::{IngestError, LabelSet, Pushed};
use pf_pprof::{decompress, proto, DecodedPprof, Limits, PprofError};

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
    // The one decode, the reader's own: what it cannot read is refused now, not skipped later,
    // and what it read is what the file is written from.
    let decoded = DecodedPprof::read(&raw, limits).map_err(refused)?;
    relabelled(decoded, &pushed.labels, pushed.window, arrived)
}

/// The file of a decoded push: `labels` on every sample (a sample's own label of the same name
/// wins), the time set as [`stored_profile`] says, gzip.
pub fn relabelled(
    mut profile: DecodedPprof<'_>,
    labels: &LabelSet,
    window: Option<(i64, i64)>,
    arrived: i64,
) -> Result<StoredProfile, IngestError> {
    let labels: Vec<proto::Label> = labels
        .pairs()
        .into_iter()
        .map(|(k, v)| proto::Label {
            key: profile.string(k),
            str: profile.string(v),
        })
        .collect();
    match window {
        Some((from, until)) => {
            profile.set_time(
                from.saturating_mul(NANOS),
                (until - from).saturating_mul(NANOS),
            );
        }
        None if profile.time_nanos() > 0 => {}
        None => profile.set_time(
            arrived.saturating_sub(UNTIMED_SECS).saturating_mul(NANOS),
            UNTIMED_SECS.saturating_mul(NANOS),
        ),
    }
    let bytes = gzip(&profile.encode(&labels))
        .map_err(|e| IngestError::Malformed(format!("cannot compress the profile: {e}")))?;
    Ok(StoredProfile {
        bytes,
        time_secs: profile.time_nanos().div_euclid(NANOS),
    })
}

/// `raw` gzip-compressed at the fastest level (cheap on the push path).
pub(super) fn gzip(raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gzip.write_all(raw)?;
    gzip.finish()
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

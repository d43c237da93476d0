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

/// Memory a pprof takes while it is decoded and written again, per byte of it: the pprof, its
/// samples as the reader keeps them (56 bytes each for a sample of 9 bytes or more) and the
/// file written.
pub const DECODING_PER_BYTE: u64 = 8;

/// The files of one push's profiles, which arrived at `arrived`, made one at a time within one
/// decode budget (`limits.max_decoded_bytes`) for all of them together (SPEC §34): a request of
/// many profiles, each under the bound alone, is refused once their sum passes it. Before each
/// is decompressed, `reserve` is asked for the memory its decoding takes, by the size its gzip
/// trailer states (a stream longer than it says is refused). Each file is given to `check` as
/// it is made.
pub fn stored_profiles<T, E: From<IngestError>>(
    pushed: &[Pushed],
    arrived: i64,
    limits: Limits,
    reserve: &mut dyn FnMut(u64) -> Result<(), E>,
    mut check: impl FnMut(&Pushed, StoredProfile) -> Result<T, E>,
) -> Result<Vec<T>, E> {
    let total = limits.max_decoded_bytes;
    let mut left = total;
    let mut files = Vec::with_capacity(pushed.len());
    for p in pushed {
        let stated = stated_size(&p.pprof).min(left.saturating_add(1));
        reserve(stated.saturating_mul(DECODING_PER_BYTE))?;
        let limits = Limits {
            max_decoded_bytes: left.min(stated),
            ..limits
        };
        let raw = decompress(&p.pprof, limits).map_err(|e| match e {
            PprofError::TooLarge { .. } if stated < left => {
                IngestError::Malformed("the gzip stream is longer than its trailer says".into())
            }
            PprofError::TooLarge { .. } => IngestError::TooLarge(format!(
                "the push's profiles are larger than {total} bytes together once decompressed \
                 (profiles.max_decoded_bytes)"
            )),
            e => refused(e),
        })?;
        left = left.saturating_sub(raw.len() as u64);
        let file = stored_of(p, &raw, arrived, limits)?;
        files.push(check(p, file)?);
    }
    Ok(files)
}

/// The size a (possibly gzip) `pprof` states it has decompressed: a gzip stream's trailer (ISIZE, modulo 4 GiB,
/// never less than the stream), else its length.
pub fn stated_size(pprof: &[u8]) -> u64 {
    let len = pprof.len() as u64;
    match pprof {
        [0x1f, 0x8b, .., a, b, c, d] => u64::from(u32::from_le_bytes([*a, *b, *c, *d])).max(len),
        _ => len,
    }
}

/// The file of `pushed`, which arrived at `arrived` (epoch seconds): its time is the push's
/// window, else the pprof's own, else the [`UNTIMED_SECS`] before its arrival.
pub fn stored_profile(
    pushed: &Pushed,
    arrived: i64,
    limits: Limits,
) -> Result<StoredProfile, IngestError> {
    let raw = decompress(&pushed.pprof, limits).map_err(refused)?;
    stored_of(pushed, &raw, arrived, limits)
}

/// The file of `pushed` from its pprof `raw`, decompressed.
fn stored_of(
    pushed: &Pushed,
    raw: &[u8],
    arrived: i64,
    limits: Limits,
) -> Result<StoredProfile, IngestError> {
    // The one decode, the reader's own: what it cannot read is refused now, not skipped later,
    // and what it read is what the file is written from.
    let decoded = DecodedPprof::read(raw, limits).map_err(refused)?;
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

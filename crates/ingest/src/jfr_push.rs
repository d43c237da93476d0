//! A JFR push (`/ingest?format=jfr`): the recording, raw or in the multipart part `jfr`, with
//! the agent's labels snapshot in the part `labels`; either part may be gzip, as the agent
//! compresses them. One push per logical type the recording has events of.

use super::push::gunzip;
use pf_pprof::jfr::{jfr_profiles, JfrError};
use pf_profile_files::{IngestError, Pushed};
use prost::Message;

/// The profiles of a JFR push, each as `template` (its app, labels and window) with its pprof.
pub fn jfr_pushed(
    template: Pushed,
    jfr: &[u8],
    snapshot: Option<&[u8]>,
    max_decoded: u64,
) -> Result<Vec<Pushed>, IngestError> {
    let jfr = ungzipped(jfr, max_decoded)?;
    let snapshot = snapshot.map(|s| ungzipped(s, max_decoded)).transpose()?;
    let profiles = jfr_profiles(&jfr, snapshot.as_deref()).map_err(|e| match e {
        JfrError::Malformed(_) | JfrError::NoEvents => IngestError::Malformed(e.to_string()),
    })?;
    Ok(profiles
        .into_iter()
        .map(|p| Pushed {
            pprof: p.profile.encode_to_vec().into(),
            ..template.clone()
        })
        .collect())
}

/// `part` without its gzip, within `limit`; as it is when it is not gzip.
fn ungzipped(part: &[u8], limit: u64) -> Result<std::borrow::Cow<'_, [u8]>, IngestError> {
    if part.starts_with(&[0x1f, 0x8b]) {
        return Ok(gunzip(part, limit)?.into());
    }
    if part.len() as u64 > limit {
        return Err(IngestError::TooLarge(format!(
            "the recording is larger than {limit} bytes"
        )));
    }
    Ok(part.into())
}

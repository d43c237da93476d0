//! The one bounded gunzip: every gzip the service reads (a pushed body, a JFR's compressed
//! part, a pprof file) is inflated here, never past a bound on what it decompresses to, so a
//! small body cannot expand into gigabytes. Concatenated members are read as one stream, as
//! `gzip -d` does.

use std::io::Read;

/// Why a gzip stream was not read.
#[derive(Debug, thiserror::Error)]
pub enum GzipError {
    /// It decompresses to more than `limit` bytes.
    #[error("larger than {limit} bytes when decompressed")]
    TooLarge { limit: u64 },
    /// It ends before its trailer.
    #[error("{0}")]
    Truncated(std::io::Error),
    /// It is not gzip, or its data is corrupt.
    #[error("{0}")]
    Invalid(std::io::Error),
}

/// `raw` (gzip) decompressed, at most `limit` bytes of it.
///
/// # Errors
/// [`GzipError`]: over the bound, truncated or not gzip.
pub fn gunzip(raw: &[u8], limit: u64) -> Result<Vec<u8>, GzipError> {
    // The gzip trailer's size (of the last member, modulo 4 GiB) is a hint: reserved at once,
    // the output is not copied again and again as it grows. A hint beyond the bound, or far
    // beyond what profiles compress to, reserves nothing.
    let hint = raw
        .last_chunk::<4>()
        .map_or(0, |size| u64::from(u32::from_le_bytes(*size)))
        .saturating_add(1);
    let plausible = hint <= limit && hint <= (raw.len() as u64).saturating_mul(64);
    let mut out = Vec::with_capacity(if plausible { hint as usize } else { 0 });
    let mut reader = flate2::read::MultiGzDecoder::new(raw).take(limit.saturating_add(1));
    match reader.read_to_end(&mut out) {
        Ok(_) if out.len() as u64 > limit => Err(GzipError::TooLarge { limit }),
        Ok(_) => Ok(out),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(GzipError::Truncated(e)),
        Err(e) => Err(GzipError::Invalid(e)),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use crate::gzip::{gunzip, GzipError};

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        w.write_all(data).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn reads_within_the_bound_and_refuses_past_it() {
        let body = gz(&[7u8; 1000]);
        assert_eq!(gunzip(&body, 1000).unwrap(), vec![7u8; 1000]);
        assert!(matches!(
            gunzip(&body, 999),
            Err(GzipError::TooLarge { limit: 999 })
        ));
    }

    #[test]
    fn concatenated_members_are_one_stream_and_a_cut_one_is_truncated() {
        let mut two = gz(b"ab");
        two.extend(gz(b"cd"));
        assert_eq!(gunzip(&two, 10).unwrap(), b"abcd");
        let cut = &two[..two.len() - 6];
        assert!(matches!(gunzip(cut, 10), Err(GzipError::Truncated(_))));
        assert!(matches!(
            gunzip(b"\x1f\x8bnot gzip at all", 10),
            Err(GzipError::Invalid(_))
        ));
    }
}

//! Samples read straight from the protobuf wire. They are most of a profile's bytes; decoding
//! them into one `Vec` per sample (as prost does) costs more than everything else together, so
//! their location ids and values go straight into the flat arrays of the parsed profile.

use prost::encoding::decode_varint;

use super::error::PprofError;

/// Protobuf wire types.
const VARINT: u64 = 0;
const FIXED64: u64 = 1;
const LEN: u64 = 2;
const FIXED32: u64 = 5;

/// How a malformed wire reads: running out of bytes is a truncated file, anything else is
/// not a profile.
pub(super) fn wire_error(e: &prost::DecodeError) -> PprofError {
    let message = e.to_string();
    if message.contains("underflow") {
        PprofError::Truncated(message)
    } else {
        PprofError::NotPprof(message)
    }
}

fn varint(buf: &mut &[u8]) -> Result<u64, PprofError> {
    decode_varint(buf).map_err(|e| wire_error(&e))
}

fn take<'a>(buf: &mut &'a [u8]) -> Result<&'a [u8], PprofError> {
    let len = usize::try_from(varint(buf)?).unwrap_or(usize::MAX);
    if len > buf.len() {
        return Err(PprofError::Truncated(format!(
            "a field of {len} bytes with {} left",
            buf.len()
        )));
    }
    let (field, rest) = buf.split_at(len);
    *buf = rest;
    Ok(field)
}

fn skip(wire_type: u64, buf: &mut &[u8]) -> Result<(), PprofError> {
    let n = match wire_type {
        VARINT => return varint(buf).map(drop),
        LEN => return take(buf).map(drop),
        FIXED64 => 8,
        FIXED32 => 4,
        other => return Err(PprofError::NotPprof(format!("wire type {other}"))),
    };
    if buf.len() < n {
        return Err(PprofError::Truncated("a fixed-size field".into()));
    }
    *buf = &buf[n..];
    Ok(())
}

/// The encoded `Sample` messages (field 2) of an encoded `Profile`, in order.
pub(super) fn samples(mut buf: &[u8]) -> Result<Vec<&[u8]>, PprofError> {
    let mut samples = Vec::new();
    while !buf.is_empty() {
        let key = varint(&mut buf)?;
        if key >> 3 == 2 && key & 7 == LEN {
            samples.push(take(&mut buf)?);
        } else {
            skip(key & 7, &mut buf)?;
        }
    }
    Ok(samples)
}

/// Reads one `Sample`: each location id (as written, leaf first) goes to `location`, each
/// value (packed or not) is appended to `values`; labels and unknown fields are skipped.
pub(super) fn read_sample(
    mut buf: &[u8],
    mut location: impl FnMut(u64) -> Result<(), PprofError>,
    values: &mut Vec<i64>,
) -> Result<(), PprofError> {
    while !buf.is_empty() {
        let key = varint(&mut buf)?;
        match (key >> 3, key & 7) {
            (1, LEN) => {
                let mut ids = take(&mut buf)?;
                while !ids.is_empty() {
                    location(varint(&mut ids)?)?;
                }
            }
            (1, VARINT) => location(varint(&mut buf)?)?,
            // int64 on the wire: two's complement in a varint.
            (2, LEN) => {
                let mut packed = take(&mut buf)?;
                while !packed.is_empty() {
                    values.push(varint(&mut packed)? as i64);
                }
            }
            (2, VARINT) => values.push(varint(&mut buf)? as i64),
            (_, wire_type) => skip(wire_type, &mut buf)?,
        }
    }
    Ok(())
}

//! Samples read straight from the protobuf wire. They are most of a profile's bytes; decoding
//! them into one `Vec` per sample (as prost does) costs more than everything else together, so
//! each is read in place, one at a time, and goes straight into the stack tree.

use prost::encoding::decode_varint;

use super::error::PprofError;
use pf_model::saturate;

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

#[inline]
pub(super) fn varint(buf: &mut &[u8]) -> Result<u64, PprofError> {
    decode_varint(buf).map_err(|e| wire_error(&e))
}

#[inline]
fn take<'a>(buf: &mut &'a [u8]) -> Result<&'a [u8], PprofError> {
    let len: usize = saturate(varint(buf)?);
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

/// Calls `sample` with each encoded `Sample` message (field 2) of an encoded `Profile`, in
/// order, without collecting them.
pub(super) fn for_each_sample<'a>(
    buf: &'a [u8],
    sample: impl FnMut(&'a [u8]) -> Result<(), PprofError>,
) -> Result<(), PprofError> {
    for_each_field(buf, 2, sample)
}

/// Calls `each` with every length-delimited field `tag` of an encoded message, in order.
pub(super) fn for_each_field<'a>(
    mut buf: &'a [u8],
    tag: u64,
    mut each: impl FnMut(&'a [u8]) -> Result<(), PprofError>,
) -> Result<(), PprofError> {
    while !buf.is_empty() {
        let key = varint(&mut buf)?;
        if key >> 3 == tag && key & 7 == LEN {
            each(take(&mut buf)?)?;
        } else {
            skip(key & 7, &mut buf)?;
        }
    }
    Ok(())
}

/// A `Location`'s id and address; its lines, `(function id, line)`, appended to `lines`.
pub(super) fn read_location(
    mut buf: &[u8],
    lines: &mut Vec<(u64, i64)>,
) -> Result<(u64, u64), PprofError> {
    let (mut id, mut address) = (0, 0);
    while !buf.is_empty() {
        let key = varint(&mut buf)?;
        match (key >> 3, key & 7) {
            (1, VARINT) => id = varint(&mut buf)?,
            (3, VARINT) => address = varint(&mut buf)?,
            (4, LEN) => {
                let (mut line, mut function_id, mut number) = (take(&mut buf)?, 0, 0);
                while !line.is_empty() {
                    let key = varint(&mut line)?;
                    match (key >> 3, key & 7) {
                        (1, VARINT) => function_id = varint(&mut line)?,
                        (2, VARINT) => number = varint(&mut line)? as i64,
                        (_, wire_type) => skip(wire_type, &mut line)?,
                    }
                }
                lines.push((function_id, number));
            }
            (_, wire_type) => skip(wire_type, &mut buf)?,
        }
    }
    Ok((id, address))
}

/// What the tree needs of one `Sample`, borrowed from the wire and reused from sample to
/// sample.
#[derive(Default)]
pub(super) struct SampleParts<'a> {
    /// The location ids (leaf first) when they are one packed field, as writers write them:
    /// their bytes, so that the root side shared with the previous sample need not be decoded.
    pub packed: Option<&'a [u8]>,
    /// Otherwise the location ids, leaf first.
    pub ids: Vec<u64>,
    pub values: Vec<i64>,
    /// `(key, str)` string indexes of the labels; read only when a filter asks for them.
    pub labels: Vec<(i64, i64)>,
}

/// Appends the varints of `packed` to `out`.
pub(super) fn unpack(mut packed: &[u8], out: &mut Vec<u64>) -> Result<(), PprofError> {
    // Ids of one and two bytes (below 16 384) are most of a profile's: read inline, the rest
    // by prost's decoder.
    loop {
        match *packed {
            [] => return Ok(()),
            [b, ref rest @ ..] if b < 0x80 => {
                out.push(u64::from(b));
                packed = rest;
            }
            [b0, b1, ref rest @ ..] if b1 < 0x80 => {
                out.push(u64::from(b0 & 0x7f) | (u64::from(b1) << 7));
                packed = rest;
            }
            _ => out.push(varint(&mut packed)?),
        }
    }
}

/// Reads one `Sample` into `parts`: location ids (packed or not), values (packed or not) and,
/// when `labels`, the label string indexes; unknown fields are skipped.
pub(super) fn read_sample<'a>(
    mut buf: &'a [u8],
    parts: &mut SampleParts<'a>,
    labels: bool,
) -> Result<(), PprofError> {
    parts.packed = None;
    parts.ids.clear();
    parts.values.clear();
    parts.labels.clear();
    while !buf.is_empty() {
        let key = varint(&mut buf)?;
        match (key >> 3, key & 7) {
            (1, LEN) => {
                let ids = take(&mut buf)?;
                if parts.packed.is_none() && parts.ids.is_empty() {
                    parts.packed = Some(ids);
                } else {
                    // More than one field: all of them as numbers, in order.
                    if let Some(first) = parts.packed.take() {
                        unpack(first, &mut parts.ids)?;
                    }
                    unpack(ids, &mut parts.ids)?;
                }
            }
            (1, VARINT) => {
                if let Some(first) = parts.packed.take() {
                    unpack(first, &mut parts.ids)?;
                }
                parts.ids.push(varint(&mut buf)?);
            }
            // int64 on the wire: two's complement in a varint.
            (2, LEN) => {
                let mut packed = take(&mut buf)?;
                while !packed.is_empty() {
                    parts.values.push(varint(&mut packed)? as i64);
                }
            }
            (2, VARINT) => parts.values.push(varint(&mut buf)? as i64),
            (3, LEN) if labels => parts.labels.push(label(take(&mut buf)?)?),
            (_, wire_type) => skip(wire_type, &mut buf)?,
        }
    }
    Ok(())
}

/// A `Label`'s `(key, str)` string indexes (0, the empty string, when absent).
fn label(mut buf: &[u8]) -> Result<(i64, i64), PprofError> {
    let (mut key, mut value) = (0, 0);
    while !buf.is_empty() {
        let tag = varint(&mut buf)?;
        match (tag >> 3, tag & 7) {
            (1, VARINT) => key = varint(&mut buf)? as i64,
            (2, VARINT) => value = varint(&mut buf)? as i64,
            (_, wire_type) => skip(wire_type, &mut buf)?,
        }
    }
    Ok((key, value))
}

#[cfg(test)]
mod unpack_tests {
    use prost::encoding::encode_varint;

    use crate::wire::unpack;

    #[test]
    fn ids_of_every_length_read_as_prost_wrote_them() {
        let ids = [0, 1, 127, 128, 300, 16_383, 16_384, 1 << 35, u64::MAX];
        let mut packed = Vec::new();
        for id in ids {
            encode_varint(id, &mut packed);
        }
        let mut out = Vec::new();
        unpack(&packed, &mut out).unwrap();
        assert_eq!(out, ids);
        // A varint cut short is an error, not a guess.
        assert!(unpack(&[0x80], &mut out).is_err());
        assert!(unpack(&[0x81, 0x80], &mut out).is_err());
    }
}

//! A walk over a JFR's chunk headers and event sizes before `jfrs` reads it. `jfrs` trusts what
//! a chunk says of itself: a chunk size beyond the file is allocated before it is read, an
//! event of size 0 is read again forever, a constant-pool chain that loops is followed forever.
//! Each of those is refused here as a reason, so the reader only sees a well-framed file.

use std::collections::HashSet;

/// `FLR\0`, the start of every chunk.
pub const MAGIC: &[u8; 4] = b"FLR\0";
/// Bytes of a chunk header (magic, version, sizes, offsets, times, features).
const HEADER: usize = 68;

/// Whether `bytes` start as a JFR recording does.
pub fn is_jfr(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Checks every chunk's framing: its size within the file, events that each move forward and
/// end inside it, metadata and constant pools at event starts, a constant-pool chain without
/// a loop. The reason of the first fault.
pub fn check_framing(bytes: &[u8]) -> Result<usize, String> {
    let (mut at, mut chunks) = (0usize, 0usize);
    while at < bytes.len() {
        let chunk = &bytes[at..];
        if !chunk.starts_with(MAGIC) {
            return Err(format!("chunk {chunks} at byte {at}: no `FLR` magic"));
        }
        let header = chunk
            .get(..HEADER)
            .ok_or_else(|| format!("chunk {chunks} at byte {at}: truncated header"))?;
        let major = u16::from_be_bytes([header[4], header[5]]);
        if !(1..=2).contains(&major) {
            return Err(format!("chunk {chunks}: version {major} is not JFR 1 or 2"));
        }
        let size = be_i64(header, 8);
        if size < HEADER as i64 || size as u64 > chunk.len() as u64 {
            return Err(format!(
                "chunk {chunks} at byte {at} says it has {size} bytes; {} are left \
                 (truncated, or not a finished recording)",
                chunk.len()
            ));
        }
        let body = &chunk[..size as usize];
        let compressed = be_i32(header, 64) & 1 != 0;
        let starts = event_starts(body, compressed).map_err(|e| format!("chunk {chunks}: {e}"))?;
        let metadata = be_i64(header, 24);
        if !starts.contains(&metadata) {
            return Err(format!("chunk {chunks}: no event at its metadata offset"));
        }
        constant_pools(body, be_i64(header, 16), &starts, compressed)
            .map_err(|e| format!("chunk {chunks}: {e}"))?;
        at += size as usize;
        chunks += 1;
    }
    if chunks == 0 {
        return Err("empty: no chunk".into());
    }
    Ok(chunks)
}

/// The offset (from the chunk start) of every event of `body`.
fn event_starts(body: &[u8], compressed: bool) -> Result<HashSet<i64>, String> {
    let mut starts = HashSet::new();
    let mut at = HEADER;
    while at < body.len() {
        let (size, _) = read_int(body, at, compressed, 4)
            .ok_or_else(|| format!("event at byte {at}: truncated size"))?;
        if size < 2 || size as u64 > (body.len() - at) as u64 {
            return Err(format!(
                "event at byte {at}: size {size} does not fit the chunk"
            ));
        }
        starts.insert(at as i64);
        at += size as usize;
    }
    Ok(starts)
}

/// Follows the chain of constant-pool events from `first`: each must be an event start, none
/// twice.
fn constant_pools(
    body: &[u8],
    first: i64,
    starts: &HashSet<i64>,
    compressed: bool,
) -> Result<(), String> {
    let (mut offset, mut delta, mut seen) = (0i64, first, HashSet::new());
    while delta != 0 {
        offset = offset.saturating_add(delta);
        if !starts.contains(&offset) || !seen.insert(offset) {
            return Err(format!(
                "a constant pool chain through byte {offset} is broken"
            ));
        }
        // size, type, start, duration, then the delta to the next pool.
        let mut at = offset as usize;
        for width in [4, 8, 8, 8] {
            at = read_int(body, at, compressed, width)
                .ok_or("truncated constant pool")?
                .1;
        }
        delta = read_int(body, at, compressed, 8)
            .ok_or("truncated constant pool")?
            .0;
    }
    Ok(())
}

/// The integer at `at` (LEB128-style as JFR compresses them, else big-endian of `width`
/// bytes) and the offset after it.
fn read_int(bytes: &[u8], at: usize, compressed: bool, width: usize) -> Option<(i64, usize)> {
    if !compressed {
        let raw = bytes.get(at..at.checked_add(width)?)?;
        let value = if width == 4 {
            i64::from(be_i32(raw, 0))
        } else {
            be_i64(raw, 0)
        };
        return Some((value, at + width));
    }
    let mut value = 0i64;
    for i in 0..9 {
        let b = *bytes.get(at + i)?;
        if i == 8 {
            return Some((value | (i64::from(b) << 56), at + 9));
        }
        value |= i64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, at + i + 1));
        }
    }
    None
}

fn be_i64(b: &[u8], at: usize) -> i64 {
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&b[at..at + 8]);
    i64::from_be_bytes(raw)
}

fn be_i32(b: &[u8], at: usize) -> i32 {
    let mut raw = [0u8; 4];
    raw.copy_from_slice(&b[at..at + 4]);
    i32::from_be_bytes(raw)
}

//! The samples of a profile walked straight into its stack tree, one at a time, with no array
//! of all stacks. Writers walk a tree of their own, so consecutive samples often share their
//! root side: the path of the previous sample is reused as far as the two agree. Samples are
//! written leaf first, so the shared root side is the common tail of the two samples' packed
//! location ids, found by comparing bytes; only the rest is decoded.

use std::borrow::Cow;

use super::error::PprofError;
use super::profile::Limits;
use super::tables::{Code, Locations};
use super::tree::{StackTree, ROOT};
use super::wire::{for_each_sample, read_sample, varint, SampleParts};

/// Which samples a query keeps, by their string labels as `(key, value)` pairs
/// (docs/gate.md#comparing-a-canary filters pprof files this way); `None` keeps every sample.
pub type SampleFilter<'f> = Option<&'f (dyn Fn(&[(&str, &str)]) -> bool + Sync)>;

/// Shown each sample of a walk once it is checked, whatever its values and labels, with its
/// labels read: what writing the profile again needs, without a second decode.
pub(super) type SampleSink<'s, 'a> = Option<&'s mut dyn FnMut(&SampleParts<'a>)>;

/// The previous sample walked: its bytes, and per location from the root its code, the tree
/// node reached and the frames so far.
#[derive(Default)]
struct Path<'a> {
    packed: Option<&'a [u8]>,
    locations: Vec<Code>,
    nodes: Vec<u32>,
    depths: Vec<usize>,
}

/// The profile a walk reads: its encoded bytes, its string table and its resolved locations.
pub(super) struct Encoded<'a, 't> {
    pub bytes: &'a [u8],
    pub strings: &'t [Vec<u8>],
    pub locations: &'t Locations,
}

/// Walks every sample of the encoded profile into `tree`, showing each to `sink`.
pub(super) fn add_samples<'a>(
    profile: Encoded<'a, '_>,
    tree: &mut StackTree,
    limits: Limits,
    filter: SampleFilter<'_>,
    mut sink: SampleSink<'_, 'a>,
) -> Result<(), PprofError> {
    let Encoded {
        bytes,
        strings,
        locations,
    } = profile;
    let labels: Vec<Cow<'_, str>> = match filter {
        Some(_) => strings.iter().map(|s| String::from_utf8_lossy(s)).collect(),
        None => Vec::new(),
    };
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    let mut path = Path::default();
    let mut parts = SampleParts::default();
    // Locations of the sample's part not shared with the previous one, leaf first.
    let mut fresh: Vec<Code> = Vec::new();
    for_each_sample(bytes, |sample| {
        read_sample(sample, &mut parts, filter.is_some() || sink.is_some())?;
        fresh.clear();
        let shared = match (parts.packed, path.packed) {
            (Some(ids), Some(previous)) => {
                let (start, previous_start) = common_tail(ids, previous);
                let mut rest = &ids[..start];
                while !rest.is_empty() {
                    fresh.push(locations.get(varint(&mut rest)?)?);
                }
                // The previous sample's own part is short: count there what is not shared.
                let own = varints(&previous[..previous_start]);
                path.locations.len().saturating_sub(own)
            }
            _ => {
                if let Some(ids) = parts.packed {
                    let mut rest = ids;
                    while !rest.is_empty() {
                        fresh.push(locations.get(varint(&mut rest)?)?);
                    }
                }
                for &id in &parts.ids {
                    fresh.push(locations.get(id)?);
                }
                let shared = path
                    .locations
                    .iter()
                    .zip(fresh.iter().rev())
                    .take_while(|(a, b)| a == b)
                    .count();
                fresh.truncate(fresh.len() - shared);
                shared
            }
        };
        let base = shared.checked_sub(1).map_or(0, |i| path.depths[i]);
        let depth = base
            + fresh
                .iter()
                .map(|l| locations.frames(l).len())
                .sum::<usize>();
        if depth > limits.max_stack_depth {
            return Err(PprofError::TooDeep {
                depth,
                limit: limits.max_stack_depth,
            });
        }
        let types = tree.types();
        if parts.values.len() != types {
            return Err(PprofError::Invalid(format!(
                "a sample has {} values for {types} sample types",
                parts.values.len()
            )));
        }
        if let Some(sink) = sink.as_mut() {
            sink(&parts);
        }
        if parts.values.iter().all(|&v| v <= 0) {
            // Nothing to add: the path stays the previous sample's.
            return Ok(());
        }
        if !keeps(filter, &labels, &parts.labels, &mut pairs)? {
            return Ok(());
        }
        path.locations.truncate(shared);
        path.nodes.truncate(shared);
        path.depths.truncate(shared);
        let (mut node, mut depth) = (path.nodes.last().copied().unwrap_or(ROOT), base);
        for &location in fresh.iter().rev() {
            let frames = locations.frames(&location);
            for &frame in frames {
                node = tree.child(node, frame)?;
            }
            depth += frames.len();
            path.locations.push(location);
            path.nodes.push(node);
            path.depths.push(depth);
        }
        for (i, &value) in parts.values.iter().enumerate() {
            if value > 0 {
                tree.add_value(node, i, value.unsigned_abs())?;
            }
        }
        path.packed = parts.packed;
        Ok(())
    })
}

/// Whether `filter` keeps a sample of `labels` (string indexes into `strings`).
pub(super) fn keeps<'s>(
    filter: SampleFilter<'_>,
    strings: &'s [Cow<'s, str>],
    labels: &[(i64, i64)],
    pairs: &mut Vec<(&'s str, &'s str)>,
) -> Result<bool, PprofError> {
    let Some(keep) = filter else {
        return Ok(true);
    };
    let string = |i: i64| {
        usize::try_from(i)
            .ok()
            .and_then(|i| strings.get(i))
            .map(|s| &**s)
            .ok_or(PprofError::BadIndex {
                what: "label string",
                index: i.unsigned_abs(),
            })
    };
    pairs.clear();
    for &(key, value) in labels {
        pairs.push((string(key)?, string(value)?));
    }
    Ok(keep(pairs))
}

/// Where the longest common tail of whole varints of two packed arrays starts in `a` and in
/// `b`. Equal bytes are equal ids; a varint ends at a byte below 0x80, so a common tail of
/// bytes holds whole varints from its first boundary on.
fn common_tail(a: &[u8], b: &[u8]) -> (usize, usize) {
    let n = a.len().min(b.len());
    let (ta, tb) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut equal = 0;
    let mut whole_words = true;
    for (x, y) in ta.rchunks_exact(8).zip(tb.rchunks_exact(8)) {
        let diff = word(x) ^ word(y);
        if diff != 0 {
            // Little endian: the last bytes of the chunk are its most significant ones.
            equal += (diff.leading_zeros() / 8) as usize;
            whole_words = false;
            break;
        }
        equal += 8;
    }
    if whole_words {
        let (ra, rb) = (&ta[..n - equal], &tb[..n - equal]);
        equal += ra
            .iter()
            .rev()
            .zip(rb.iter().rev())
            .take_while(|(x, y)| x == y)
            .count();
    }
    let (sa, sb) = (a.len() - equal, b.len() - equal);
    let boundary = |s: &[u8], at: usize| at == 0 || s[at - 1] < 0x80;
    if equal == 0 || (boundary(a, sa) && boundary(b, sb)) {
        return (sa, sb);
    }
    // The tail starts inside a varint: the shared ones begin after its end.
    match a[sa..].iter().position(|&x| x < 0x80) {
        Some(end) => (sa + end + 1, sb + end + 1),
        None => (a.len(), b.len()),
    }
}

/// Number of varints in `packed` (whole ones): the bytes that end one.
fn varints(packed: &[u8]) -> usize {
    packed.iter().filter(|&&x| x < 0x80).count()
}

fn word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(bytes);
    u64::from_le_bytes(w)
}

#[cfg(test)]
mod tests {
    use super::{common_tail, varints};

    fn packed(ids: &[u64]) -> Vec<u8> {
        let mut out = Vec::new();
        for &id in ids {
            prost::encoding::encode_varint(id, &mut out);
        }
        out
    }

    #[test]
    fn the_common_tail_counts_whole_shared_ids_only() {
        let cases: &[(&[u64], &[u64], usize)] = &[
            (&[1, 2, 3], &[9, 2, 3], 2),
            (&[1, 2, 3], &[1, 2, 3], 3),
            (&[5], &[6], 0),
            (&[], &[1, 2], 0),
            (&[7, 300, 4], &[44, 300, 4], 2),
            // 300 and 302 end in the same byte (0x02): that byte alone shares no id.
            (&[300], &[302], 0),
            (&[1, 300, 9], &[302, 9], 1),
            (
                &[1; 40],
                &[2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
                19,
            ),
            (
                &[70_000, 3, 2, 1, 0, 1, 2, 3, 4, 5],
                &[3, 2, 1, 0, 1, 2, 3, 4, 5],
                9,
            ),
        ];
        for &(a, b, want) in cases {
            let (pa, pb) = (packed(a), packed(b));
            let (start, b_start) = common_tail(&pa, &pb);
            assert_eq!(varints(&pa[start..]), want, "{a:?} vs {b:?}");
            assert_eq!(pa[start..], packed(&a[a.len() - want..]), "{a:?} vs {b:?}");
            assert_eq!(pb[b_start..], pa[start..], "{a:?} vs {b:?}");
        }
    }
}

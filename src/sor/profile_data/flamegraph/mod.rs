//! Parses Grafana Pyroscope flame graphs (Connect and legacy flamebearer JSON) into per-function sample counts ranked by self time.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use crate::profile::percent_of;

/// Name Pyroscope gives to the synthetic nodes that absorb call sites too small to keep.
pub const TRUNCATED_NAME: &str = "other";

/// Samples attributed to one function name, merged over all of its call sites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSamples {
    /// Function name exactly as Pyroscope reported it.
    pub name: String,
    /// Samples whose innermost frame is this function.
    pub self_samples: u64,
    /// Samples with this function anywhere on the stack; a stack on which the function recurses
    /// (directly or through other functions) is counted once.
    pub total_samples: u64,
}

/// Per-function statistics of one flame graph.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlameGraphStats {
    /// Samples in the whole profile (the root's total).
    pub total_samples: u64,
    /// Self samples of the synthetic [`TRUNCATED_NAME`] nodes, i.e. samples whose real function
    /// Pyroscope folded away.
    pub truncated_samples: u64,
    /// Every function seen below the root, by `self_samples` descending, then name ascending.
    pub functions: Vec<FunctionSamples>,
}

impl FlameGraphStats {
    /// `f.self_samples` as a percentage of the profile total (0 for an empty profile).
    pub fn self_percent(&self, f: &FunctionSamples) -> f64 {
        percent_of(f.self_samples, self.total_samples)
    }

    /// `f.total_samples` as a percentage of the profile total (0 for an empty profile).
    pub fn total_percent(&self, f: &FunctionSamples) -> f64 {
        percent_of(f.total_samples, self.total_samples)
    }

    /// Share of the profile hidden in truncated (`other`) nodes, in percent.
    pub fn truncated_percent(&self) -> f64 {
        percent_of(self.truncated_samples, self.total_samples)
    }
}

/// Why a flame graph was rejected. In every variant `level` indexes `levels` and `node` is the
/// position of the 4-tuple within that level; other fields carry the offending values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlamegraphError {
    /// Not JSON, truncated, the wrong shape, or a sample value that is not an int64 (number or
    /// decimal string), e.g. `1.5`, `"abc"` or `9223372036854775808`.
    #[error("invalid flame graph JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A legacy diff flame graph (`metadata.format == "double"`, 7-tuples).
    #[error("diff flame graphs (format \"double\") are not supported")]
    DiffFormat,
    /// A legacy `metadata.format` other than `single` or `double`.
    #[error("unsupported flamebearer format {0:?}")]
    UnsupportedFormat(String),
    /// `names` is non-empty but `levels` is missing or empty.
    #[error("flame graph has {names} names but no levels")]
    MissingLevels { names: usize },
    /// Level 0 does not hold exactly one (root) node.
    #[error("level 0 must hold exactly one root node, found {found}")]
    RootCount { found: usize },
    /// The declared profile total is negative.
    #[error("profile total {0} is negative")]
    NegativeTotal(i64),
    /// The root's total differs from the declared profile total (`total` / `numTicks`).
    #[error("root total {root} does not match declared profile total {declared}")]
    TotalMismatch { root: u64, declared: u64 },
    /// A level's length is not a multiple of 4.
    #[error("level {level} has {len} values, not a multiple of 4")]
    TupleLength { level: usize, len: usize },
    /// An offset, total, self or name index is negative.
    #[error("level {level} node {node}: negative value {value}")]
    NegativeValue {
        level: usize,
        node: usize,
        value: i64,
    },
    /// A name index does not point into `names`.
    #[error("level {level} node {node}: name index {index} out of range for {names} names")]
    NameIndexOutOfRange {
        level: usize,
        node: usize,
        index: u64,
        names: usize,
    },
    /// A node's self count exceeds its total.
    #[error("level {level} node {node}: self {self_samples} exceeds total {total}")]
    SelfExceedsTotal {
        level: usize,
        node: usize,
        self_samples: u64,
        total: u64,
    },
    /// No node on the level above covers the node's start.
    #[error("level {level} node {node}: no node on the level above contains x = {x}")]
    NoParent { level: usize, node: usize, x: u64 },
    /// The node starts inside its parent but ends after it.
    #[error("level {level} node {node}: span extends past the end of its parent")]
    ChildOutsideParent { level: usize, node: usize },
    /// A node's self samples plus its children's totals exceed its own total.
    #[error("level {level} node {node}: self plus children ({sum}) exceed total {total}")]
    ChildrenExceedParent {
        level: usize,
        node: usize,
        sum: u64,
        total: u64,
    },
    /// An absolute position or a sum does not fit in `u64`.
    #[error("level {level} node {node}: arithmetic overflow")]
    Overflow { level: usize, node: usize },
}

/// Parses a legacy Pyroscope `/render?format=json` response (`{"flamebearer": …, "metadata": …}`).
///
/// A document without `flamebearer` (e.g. `{}`) is an empty profile. A missing
/// `metadata.format` means `single`; `double` (diff) is rejected with
/// [`FlamegraphError::DiffFormat`], any other format with [`FlamegraphError::UnsupportedFormat`].
/// `numTicks` is the profile total and must equal the root's total.
pub fn parse_legacy(bytes: &[u8]) -> Result<FlameGraphStats, FlamegraphError> {
    let doc: LegacyResponse<'_> = serde_json::from_slice(bytes)?;
    match doc
        .metadata
        .and_then(|m| m.format)
        .as_ref()
        .map(AsRef::as_ref)
    {
        None | Some("single") => {}
        Some("double") => return Err(FlamegraphError::DiffFormat),
        Some(other) => return Err(FlamegraphError::UnsupportedFormat(other.to_owned())),
    }
    let Some(fb) = doc.flamebearer else {
        return Ok(FlameGraphStats::default());
    };
    let total = declared_total(fb.num_ticks)?;
    analyse(
        &fb.names.unwrap_or_default(),
        &fb.levels.unwrap_or_default(),
        total,
    )
}

/// Parses the JSON encoding of a Connect `SelectMergeStacktraces` response (`{"flamegraph": …}`).
///
/// int64 fields may be JSON strings (the protobuf JSON mapping) or numbers. Fields left out or
/// `null` take their protobuf default, so `{}` and `{"flamegraph": {}}` are empty profiles; a
/// missing `total` is 0 and must then match the root.
pub fn parse_connect(bytes: &[u8]) -> Result<FlameGraphStats, FlamegraphError> {
    let doc: ConnectResponse<'_> = serde_json::from_slice(bytes)?;
    let Some(fg) = doc.flamegraph else {
        return Ok(FlameGraphStats::default());
    };
    let total = declared_total(fg.total)?;
    analyse(
        &fg.names.unwrap_or_default(),
        &fg.levels.unwrap_or_default(),
        total,
    )
}

fn declared_total(total: Option<Int>) -> Result<u64, FlamegraphError> {
    let raw = total.map_or(0, |t| t.0);
    u64::try_from(raw).map_err(|_| FlamegraphError::NegativeTotal(raw))
}

/// Computes per-function statistics from decoded `names` and `levels` for a profile of `total`
/// samples; this is the core both parsers share.
///
/// Each level is a flat list of `[offset, total, self, nameIndex]` tuples; a node starts `offset`
/// after the end of the previous node on its level and spans `total`, and its parent is the node
/// one level up whose span contains that start. The tree is rebuilt with one forward sweep per
/// level and aggregated with one DFS, so the cost is linear in the number of nodes at any depth.
///
/// Rules, beyond the errors listed on [`FlamegraphError`]:
/// - No levels and no names is an empty profile (then `total` must be 0).
/// - Level 0 holds exactly the root, whose total must equal `total`; the root is never reported,
///   but a deeper node whose name equals the root's (a real function called `total`) is.
/// - Every other node with a non-zero total needs a parent: the node one level up whose
///   `[start, start + total)` contains the node's start, and the node must end within it.
/// - Nodes with a zero total carry no samples, so they are validated but otherwise ignored.
/// - Duplicate strings in `names` are one function.
pub fn analyse<S, L>(
    names: &[S],
    levels: &[L],
    total: u64,
) -> Result<FlameGraphStats, FlamegraphError>
where
    S: AsRef<str>,
    L: AsRef<[i64]>,
{
    let Some((root_level, deeper)) = levels.split_first() else {
        if !names.is_empty() {
            return Err(FlamegraphError::MissingLevels { names: names.len() });
        }
        if total != 0 {
            return Err(FlamegraphError::TotalMismatch {
                root: 0,
                declared: total,
            });
        }
        return Ok(FlameGraphStats::default());
    };
    let (canonical, other) = canonical_ids(names);

    let capacity = levels.iter().map(|l| l.as_ref().len() / 4).sum();
    let mut nodes = Vec::with_capacity(capacity);
    let mut parents = Vec::new();
    let mut children = Vec::new();
    decode_level(0, root_level.as_ref(), &canonical, &mut nodes, &mut parents)?;
    if let [root] = nodes.as_slice() {
        if root.total != total {
            return Err(FlamegraphError::TotalMismatch {
                root: root.total,
                declared: total,
            });
        }
    } else {
        return Err(FlamegraphError::RootCount { found: nodes.len() });
    }

    let mut parent_base = 0;
    let mut level_starts = Vec::with_capacity(levels.len());
    level_starts.push(0);
    for (i, level) in deeper.iter().enumerate() {
        let child_base = nodes.len();
        level_starts.push(child_base);
        decode_level(i + 1, level.as_ref(), &canonical, &mut nodes, &mut children)?;
        link_level(
            i + 1,
            &parents,
            parent_base,
            &children,
            child_base,
            &mut nodes,
        )?;
        check_parents(i, &nodes, parent_base, child_base)?;
        std::mem::swap(&mut parents, &mut children);
        parent_base = child_base;
    }

    let sums = aggregate(&nodes, &level_starts, canonical.len())?;
    let mut functions: Vec<FunctionSamples> = sums
        .iter()
        .enumerate()
        .filter(|(_, s)| s.total > 0)
        .map(|(i, s)| FunctionSamples {
            name: names[i].as_ref().to_owned(),
            self_samples: s.self_samples,
            total_samples: s.total,
        })
        .collect();
    // Names are unique after canonicalisation, so the order is total and stability is moot.
    functions.sort_unstable_by(|a, b| {
        b.self_samples
            .cmp(&a.self_samples)
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(FlameGraphStats {
        total_samples: total,
        truncated_samples: other.map_or(0, |i| sums[i].self_samples),
        functions,
    })
}

/// One decoded tuple. Children of a node are contiguous on the next level (both levels are
/// sorted by x), so a `first_child..child_end` range into the flat node list is enough.
struct Node {
    total: u64,
    self_samples: u64,
    /// Canonical name index (first occurrence of the string in `names`).
    name: usize,
    first_child: usize,
    child_end: usize,
}

/// Absolute horizontal extent `[start, end)` of a node on its level.
struct Span {
    start: u64,
    end: u64,
}

#[derive(Clone, Copy, Default)]
struct Sums {
    self_samples: u64,
    total: u64,
}

/// Maps every name index to the first index holding the same string, so duplicate strings merge
/// (and count as the same function for recursion); also returns the index of `other`.
fn canonical_ids<S: AsRef<str>>(names: &[S]) -> (Vec<usize>, Option<usize>) {
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(names.len());
    let canonical = names
        .iter()
        .enumerate()
        .map(|(i, n)| *first.entry(n.as_ref()).or_insert(i))
        .collect();
    (canonical, first.get(TRUNCATED_NAME).copied())
}

/// Validates one level and appends its nodes and absolute spans, undoing the delta encoding.
fn decode_level(
    level: usize,
    values: &[i64],
    canonical: &[usize],
    nodes: &mut Vec<Node>,
    spans: &mut Vec<Span>,
) -> Result<(), FlamegraphError> {
    let (tuples, rest) = values.as_chunks::<4>();
    if !rest.is_empty() {
        return Err(FlamegraphError::TupleLength {
            level,
            len: values.len(),
        });
    }
    spans.clear();
    let mut end = 0u64;
    for (node, &[offset, total, self_samples, name]) in tuples.iter().enumerate() {
        let unsigned = |value: i64| {
            u64::try_from(value).map_err(|_| FlamegraphError::NegativeValue { level, node, value })
        };
        let (offset, total, self_samples, name) = (
            unsigned(offset)?,
            unsigned(total)?,
            unsigned(self_samples)?,
            unsigned(name)?,
        );
        let name = usize::try_from(name)
            .ok()
            .and_then(|i| canonical.get(i).copied())
            .ok_or(FlamegraphError::NameIndexOutOfRange {
                level,
                node,
                index: name,
                names: canonical.len(),
            })?;
        if self_samples > total {
            return Err(FlamegraphError::SelfExceedsTotal {
                level,
                node,
                self_samples,
                total,
            });
        }
        let start = end
            .checked_add(offset)
            .ok_or(FlamegraphError::Overflow { level, node })?;
        end = start
            .checked_add(total)
            .ok_or(FlamegraphError::Overflow { level, node })?;
        spans.push(Span { start, end });
        nodes.push(Node {
            total,
            self_samples,
            name,
            first_child: 0,
            child_end: 0,
        });
    }
    Ok(())
}

/// Attaches each node of `level` to its parent with a two-pointer sweep: both levels are sorted
/// by x and the spans on one level never overlap, so the parent cursor only moves forward.
fn link_level(
    level: usize,
    parents: &[Span],
    parent_base: usize,
    children: &[Span],
    child_base: usize,
    nodes: &mut [Node],
) -> Result<(), FlamegraphError> {
    let mut cursor = 0;
    for (node, child) in children.iter().enumerate() {
        if child.start == child.end {
            continue; // Zero samples: nothing to attribute, and it may sit on a parent boundary.
        }
        while parents.get(cursor).is_some_and(|p| p.end <= child.start) {
            cursor += 1;
        }
        let parent = match parents.get(cursor) {
            Some(p) if p.start <= child.start => p,
            _ => {
                return Err(FlamegraphError::NoParent {
                    level,
                    node,
                    x: child.start,
                })
            }
        };
        if child.end > parent.end {
            return Err(FlamegraphError::ChildOutsideParent { level, node });
        }
        let index = child_base + node;
        let parent = &mut nodes[parent_base + cursor];
        if parent.first_child == parent.child_end {
            parent.first_child = index;
        }
        parent.child_end = index + 1;
    }
    Ok(())
}

/// Checks `self + Σ children.total <= total` for the nodes of `level` (flat indices
/// `parent_base..child_base`). Zero-total nodes inside a child range add nothing.
fn check_parents(
    level: usize,
    nodes: &[Node],
    parent_base: usize,
    child_base: usize,
) -> Result<(), FlamegraphError> {
    for (node, parent) in nodes[parent_base..child_base].iter().enumerate() {
        let sum = nodes[parent.first_child..parent.child_end]
            .iter()
            .try_fold(parent.self_samples, |acc, c| acc.checked_add(c.total))
            .ok_or(FlamegraphError::Overflow { level, node })?;
        if sum > parent.total {
            return Err(FlamegraphError::ChildrenExceedParent {
                level,
                node,
                sum,
                total: parent.total,
            });
        }
    }
    Ok(())
}

/// Sums self and recursion-aware total samples per canonical name with an iterative DFS from the
/// root. `active[name]` counts the nodes of that name on the current root-to-node path, so a node
/// adds its total only when no ancestor shares its name: O(nodes) however deep the recursion.
/// `level_starts[l]` is the flat index of level `l`'s first node, used only to report errors.
fn aggregate(
    nodes: &[Node],
    level_starts: &[usize],
    name_count: usize,
) -> Result<Vec<Sums>, FlamegraphError> {
    let mut sums = vec![Sums::default(); name_count];
    let mut active = vec![0usize; name_count];
    let Some(root) = nodes.first() else {
        return Ok(sums);
    };
    // Frames are (node, next child to visit); the stack length is the level being entered.
    let mut stack = vec![(0usize, root.first_child)];
    while let Some(frame) = stack.last_mut() {
        let (node, next) = *frame;
        if next < nodes[node].child_end {
            frame.1 += 1;
            let child = &nodes[next];
            if child.total == 0 {
                continue;
            }
            // Validation bounds every sum by the root total, so this only guards the invariant.
            let level = stack.len();
            let overflow = || FlamegraphError::Overflow {
                level,
                node: next - level_starts.get(level).copied().unwrap_or(0),
            };
            let sum = &mut sums[child.name];
            sum.self_samples = sum
                .self_samples
                .checked_add(child.self_samples)
                .ok_or_else(overflow)?;
            if active[child.name] == 0 {
                sum.total = sum.total.checked_add(child.total).ok_or_else(overflow)?;
            }
            active[child.name] += 1;
            stack.push((next, child.first_child));
        } else {
            stack.pop();
            if node != 0 {
                active[nodes[node].name] -= 1;
            }
        }
    }
    Ok(sums)
}

// ---------------------------------------------------------------------------------------------
// Wire types. Everything is borrowed from the input where possible: names without escapes are
// `&str` slices and int64 strings are parsed in place, so parsing allocates per level, not per
// value.

#[derive(Deserialize)]
struct ConnectResponse<'a> {
    #[serde(borrow, default)]
    flamegraph: Option<ConnectFlameGraph<'a>>,
}

#[derive(Deserialize)]
struct ConnectFlameGraph<'a> {
    #[serde(borrow, default)]
    names: Option<Vec<Name<'a>>>,
    #[serde(default)]
    levels: Option<Vec<ConnectLevel>>,
    #[serde(default)]
    total: Option<Int>,
}

#[derive(Deserialize)]
struct ConnectLevel {
    #[serde(default)]
    values: Option<Values>,
}

impl AsRef<[i64]> for ConnectLevel {
    fn as_ref(&self) -> &[i64] {
        self.values.as_ref().map_or(&[], |v| v.0.as_slice())
    }
}

#[derive(Deserialize)]
struct LegacyResponse<'a> {
    #[serde(borrow, default)]
    flamebearer: Option<Flamebearer<'a>>,
    #[serde(borrow, default)]
    metadata: Option<Metadata<'a>>,
}

#[derive(Deserialize)]
struct Flamebearer<'a> {
    #[serde(borrow, default)]
    names: Option<Vec<Name<'a>>>,
    #[serde(default)]
    levels: Option<Vec<Values>>,
    #[serde(default, rename = "numTicks")]
    num_ticks: Option<Int>,
}

#[derive(Deserialize)]
struct Metadata<'a> {
    #[serde(borrow, default)]
    format: Option<Name<'a>>,
}

/// A JSON string, borrowed unless it contained escapes.
struct Name<'a>(Cow<'a, str>);

impl AsRef<str> for Name<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Name<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Cow<'de, str>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v))
            }
        }
        deserializer.deserialize_str(NameVisitor).map(Name)
    }
}

/// An int64 given as a JSON number or, per the protobuf JSON mapping, a decimal string.
struct Int(i64);

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IntVisitor).map(Int)
    }
}

struct IntVisitor;

impl Visitor<'_> for IntVisitor {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an int64 as a JSON integer or decimal string")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }
    // Floats fall through to the default `visit_f64`, which rejects them.
    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.parse()
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

/// One level's flat value list, decoded without an intermediate `Vec<Int>` or `String`s.
#[derive(Default)]
struct Values(Vec<i64>);

impl AsRef<[i64]> for Values {
    fn as_ref(&self) -> &[i64] {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValuesVisitor;
        impl<'de> Visitor<'de> for ValuesVisitor {
            type Value = Values;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of int64 values")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Values, A::Error> {
                let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
                while let Some(Int(v)) = seq.next_element()? {
                    values.push(v);
                }
                Ok(Values(values))
            }
        }
        deserializer.deserialize_seq(ValuesVisitor)
    }
}

#[cfg(test)]
mod tests;

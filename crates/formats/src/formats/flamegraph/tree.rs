//! The call tree rebuilt from a flame graph's delta-encoded levels: decoding, parent links and
//! their validation. Children of a node are contiguous (on a flame graph's next level both levels
//! are sorted by x), so a `first_child..child_end` range into the flat node list is enough.

use std::collections::HashMap;

use super::stats::{FlamegraphError, TRUNCATED_NAME};
use pf_model::TreeNode;

/// Absolute horizontal extent `[start, end)` of a node on its level, and how much of it its
/// self samples and the children linked so far take.
pub(super) struct Span {
    pub(super) start: u64,
    pub(super) end: u64,
    used: u64,
}

#[derive(Clone, Copy, Default)]
pub(super) struct Sums {
    pub(super) self_samples: u64,
    pub(super) total: u64,
}

/// Maps every name index to the first index holding the same string, so duplicate strings merge
/// (and count as the same function for recursion); also returns the index of `other`.
pub(super) fn canonical_ids<S: AsRef<str>>(names: &[S]) -> (Vec<u32>, Option<u32>) {
    let mut first: HashMap<&str, u32> = HashMap::with_capacity(names.len());
    let canonical = names
        .iter()
        .enumerate()
        .map(|(i, n)| *first.entry(n.as_ref()).or_insert(i as u32))
        .collect();
    (canonical, first.get(TRUNCATED_NAME).copied())
}

/// Validates one level and appends its nodes and absolute spans, undoing the delta encoding.
pub(super) fn decode_level(
    level: usize,
    values: &[i64],
    canonical: &[u32],
    nodes: &mut Vec<TreeNode>,
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
        // Errors are built only on the error path: one built eagerly (`ok_or(…)`) would be
        // dropped for every node.
        let Some(name) = usize::try_from(name)
            .ok()
            .and_then(|i| canonical.get(i).copied())
        else {
            return Err(FlamegraphError::NameIndexOutOfRange {
                level,
                node,
                index: name,
                names: canonical.len(),
            });
        };
        if self_samples > total {
            return Err(FlamegraphError::SelfExceedsTotal {
                level,
                node,
                self_samples,
                total,
            });
        }
        let overflow = || FlamegraphError::Overflow { level, node };
        let start = end.checked_add(offset).ok_or_else(overflow)?;
        end = start.checked_add(total).ok_or_else(overflow)?;
        spans.push(Span {
            start,
            end,
            used: self_samples,
        });
        nodes.push(TreeNode::leaf(total, self_samples, name));
    }
    Ok(())
}

/// Attaches each node of `level` to its parent with a two-pointer sweep: both levels are sorted
/// by x and the spans on one level never overlap, so the parent cursor only moves forward.
/// Then checks `self + Σ children.total <= total` for every parent (flat indices from
/// `parent_base`; zero-total children add nothing).
pub(super) fn link_level(
    level: usize,
    parents: &mut [Span],
    parent_base: usize,
    children: &[Span],
    child_base: usize,
    nodes: &mut [TreeNode],
) -> Result<(), FlamegraphError> {
    let mut cursor = 0;
    for (node, child) in children.iter().enumerate() {
        if child.start == child.end {
            continue; // Zero samples: nothing to attribute, and it may sit on a parent boundary.
        }
        while parents.get(cursor).is_some_and(|p| p.end <= child.start) {
            cursor += 1;
        }
        let parent = match parents.get_mut(cursor) {
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
        // Children lie inside the parent without overlapping, so their totals add up to at
        // most the parent's, and values are at most i64::MAX: the sum cannot wrap.
        parent.used = parent.used.saturating_add(child.end - child.start);
        // The parser refuses more than u32::MAX nodes before it links any.
        let index = (child_base + node) as u32;
        let parent = &mut nodes[parent_base + cursor];
        if parent.first_child == parent.child_end {
            parent.first_child = index;
        }
        parent.child_end = index + 1;
    }
    for (node, parent) in parents.iter().enumerate() {
        let total = parent.end - parent.start;
        if parent.used > total {
            return Err(FlamegraphError::ChildrenExceedParent {
                level: level - 1,
                node,
                sum: parent.used,
                total,
            });
        }
    }
    Ok(())
}

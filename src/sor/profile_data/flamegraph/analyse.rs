//! The core both parsers share: per-function statistics from decoded names and levels.

use std::sync::Arc;

use super::stats::{FlameGraphStats, FlamegraphError, FunctionSamples};
use super::tree::{canonical_ids, check_parents, decode_level, link_level, Sums};
use crate::profile::{CallTree, TreeNode};

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

    let capacity: usize = levels.iter().map(|l| l.as_ref().len() / 4).sum();
    if u32::try_from(capacity).is_err() {
        return Err(FlamegraphError::Overflow { level: 0, node: 0 });
    }
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
    Ok(rank_sums(&sums, CallTree::new(nodes, names), other, total))
}

/// Per-function statistics of a call tree that another source built (pprof files): the same
/// aggregation and ranking as for a flame graph, and the tree kept beside them. The tree's
/// names are distinct, and `total` is the root's total. Nothing is truncated in such a tree.
///
/// # Errors
/// [`FlamegraphError::Overflow`] when a sum does not fit in `u64`.
pub fn tree_stats(tree: CallTree, total: u64) -> Result<FlameGraphStats, FlamegraphError> {
    let sums = aggregate(tree.nodes(), &[], tree.name_count())?;
    Ok(rank_sums(&sums, tree, None, total))
}

/// The functions with samples, by self samples descending, then name.
fn rank_sums(sums: &[Sums], tree: CallTree, other: Option<u32>, total: u64) -> FlameGraphStats {
    let mut functions: Vec<FunctionSamples> = sums
        .iter()
        .enumerate()
        .filter(|(_, s)| s.total > 0)
        .map(|(i, s)| FunctionSamples {
            name: tree.name(i as u32).to_owned(),
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
    FlameGraphStats {
        total_samples: total,
        truncated_samples: other.map_or(0, |i| sums[i as usize].self_samples),
        functions,
        // A tree without samples draws nothing, however its zero nodes were spelled.
        tree: Arc::new(if total == 0 {
            CallTree::default()
        } else {
            tree
        }),
    }
}

/// Sums self and recursion-aware total samples per canonical name with an iterative DFS from the
/// root. `active[name]` counts the nodes of that name on the current root-to-node path, so a node
/// adds its total only when no ancestor shares its name: O(nodes) however deep the recursion.
/// `level_starts[l]` is the flat index of level `l`'s first node, used only to report errors.
fn aggregate(
    nodes: &[TreeNode],
    level_starts: &[usize],
    name_count: usize,
) -> Result<Vec<Sums>, FlamegraphError> {
    let mut sums = vec![Sums::default(); name_count];
    let mut active = vec![0usize; name_count];
    let Some(root) = nodes.first() else {
        return Ok(sums);
    };
    // Frames are (node, next child to visit); the stack length is the level being entered.
    let mut stack = vec![(0usize, root.first_child as usize)];
    while let Some(frame) = stack.last_mut() {
        let (node, next) = *frame;
        if next < nodes[node].child_end as usize {
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
            let name = child.name as usize;
            let sum = &mut sums[name];
            sum.self_samples = sum
                .self_samples
                .checked_add(child.self_samples)
                .ok_or_else(overflow)?;
            if active[name] == 0 {
                sum.total = sum.total.checked_add(child.total).ok_or_else(overflow)?;
            }
            active[name] += 1;
            stack.push((next, child.first_child as usize));
        } else {
            stack.pop();
            if node != 0 {
                active[nodes[node].name as usize] -= 1;
            }
        }
    }
    Ok(sums)
}

// ---------------------------------------------------------------------------------------------
// Wire types. Everything is borrowed from the input where possible: names without escapes are
// `&str` slices and int64 strings are parsed in place, so parsing allocates per level, not per
// value.

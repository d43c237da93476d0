//! The core both parsers share: per-function statistics from decoded names and levels.

use std::sync::Arc;

use super::stats::{FlameGraphStats, FlamegraphError, FunctionSamples, TRUNCATED_NAME};
use super::tree::{canonical_ids, decode_level, link_level, Span, Sums};
use pf_model::{CallTree, TreeNode};

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
    let mut tree = TreeBuilder::new(names);
    for level in levels {
        tree.level(level.as_ref())?;
    }
    tree.finish(names, total)
}

/// The call tree of a flame graph, rebuilt one level at a time as the levels are read, so a
/// parser need not keep them all: what [`analyse`] does, for a parser that reads the names
/// before the levels.
pub(super) struct TreeBuilder {
    canonical: Vec<u32>,
    other: Option<u32>,
    nodes: Vec<TreeNode>,
    /// The absolute spans of the last level added, and of the one being added.
    parents: Vec<Span>,
    children: Vec<Span>,
    /// The flat index of each level's first node.
    level_starts: Vec<usize>,
}

impl TreeBuilder {
    pub(super) fn new<S: AsRef<str>>(names: &[S]) -> Self {
        let (canonical, other) = canonical_ids(names);
        TreeBuilder {
            canonical,
            other,
            nodes: Vec::new(),
            parents: Vec::new(),
            children: Vec::new(),
            level_starts: Vec::new(),
        }
    }

    /// Adds the next level: decodes its nodes and links each to its parent on the level above.
    pub(super) fn level(&mut self, values: &[i64]) -> Result<(), FlamegraphError> {
        let level = self.level_starts.len();
        let base = self.nodes.len();
        // Node indexes are u32: refuse more nodes before any is linked.
        if u32::try_from(base + values.len() / 4).is_err() {
            return Err(FlamegraphError::Overflow { level, node: 0 });
        }
        self.level_starts.push(base);
        let (nodes, children) = (&mut self.nodes, &mut self.children);
        decode_level(level, values, &self.canonical, nodes, children)?;
        if let Some(parent_base) = level.checked_sub(1).map(|l| self.level_starts[l]) {
            link_level(level, &mut self.parents, parent_base, children, base, nodes)?;
        } else if nodes.len() != 1 {
            return Err(FlamegraphError::RootCount { found: nodes.len() });
        }
        std::mem::swap(&mut self.parents, &mut self.children);
        Ok(())
    }

    /// The statistics of the tree built, whose root must hold the declared `total`.
    pub(super) fn finish<S: AsRef<str>>(
        self,
        names: &[S],
        total: u64,
    ) -> Result<FlameGraphStats, FlamegraphError> {
        let root = self.nodes.first().map_or(0, |r| r.total);
        if self.nodes.is_empty() && !names.is_empty() {
            return Err(FlamegraphError::MissingLevels { names: names.len() });
        }
        if root != total {
            return Err(FlamegraphError::TotalMismatch {
                root,
                declared: total,
            });
        }
        let sums = aggregate(&self.nodes, &self.level_starts, self.canonical.len())?;
        Ok(rank_sums(
            &sums,
            CallTree::new(self.nodes, names),
            self.other,
            total,
        ))
    }
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

/// `stats` with every count multiplied by `factor` (finite, ≥ 0): each node's self samples
/// rounded, each total the sum of the self samples below it, so the tree stays whole; the
/// functions ranked again and the truncated remainder scaled with them. In-use memory read
/// through Pyroscope is its merged sum scaled to the window's level (docs/at-scale.md).
pub fn scaled(stats: &FlameGraphStats, factor: f64) -> FlameGraphStats {
    let factor = if factor.is_finite() {
        factor.max(0.0)
    } else {
        0.0
    };
    let tree = stats.tree.as_ref();
    let mut nodes = tree.nodes().to_vec();
    for node in &mut nodes {
        node.self_samples = (node.self_samples as f64 * factor).round() as u64;
    }
    // Every node's children come after it: summing from the last node up leaves each child's
    // total final before its parent reads it.
    for i in (0..nodes.len()).rev() {
        let children: u64 = nodes[nodes[i].children()]
            .iter()
            .map(|c| c.total)
            .fold(0u64, u64::saturating_add);
        nodes[i].total = nodes[i].self_samples.saturating_add(children);
    }
    let names: Vec<&str> = (0..tree.name_count() as u32)
        .map(|i| tree.name(i))
        .collect();
    let other = (stats.truncated_samples > 0)
        .then(|| names.iter().position(|n| *n == TRUNCATED_NAME))
        .flatten()
        .map(|i| i as u32);
    rank(CallTree::new(nodes, &names), other)
}

/// The statistics of `tree`, whose names are distinct, `other` the index of the remainder's
/// name when the tree holds one.
pub(super) fn rank(tree: CallTree, other: Option<u32>) -> FlameGraphStats {
    let total = tree.total();
    match aggregate(tree.nodes(), &[], tree.name_count()) {
        Ok(sums) => rank_sums(&sums, tree, other, total),
        // Validation bounds every sum by the root's total, which is a sum itself.
        Err(_) => FlameGraphStats::default(),
    }
}

/// The functions with samples, by self samples descending, then name. Pyroscope's `other`
/// node is the remainder of a cut graph, not a function: its samples are only
/// `truncated_samples` (docs/at-scale.md).
fn rank_sums(sums: &[Sums], tree: CallTree, other: Option<u32>, total: u64) -> FlameGraphStats {
    let mut functions: Vec<FunctionSamples> = sums
        .iter()
        .enumerate()
        .filter(|&(i, s)| s.total > 0 && Some(i as u32) != other)
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
    /// A node being visited: its children not yet entered, and its name.
    struct Frame {
        next: u32,
        end: u32,
        name: u32,
    }
    let mut sums = vec![Sums::default(); name_count];
    let mut active = vec![0u32; name_count];
    let Some(root) = nodes.first() else {
        return Ok(sums);
    };
    // The stack's length is the level being entered; the root's name is never counted.
    let mut stack = vec![Frame {
        next: root.first_child,
        end: root.child_end,
        name: u32::MAX,
    }];
    while let Some(frame) = stack.last_mut() {
        if frame.next == frame.end {
            let name = frame.name;
            stack.pop();
            if let Some(count) = active.get_mut(name as usize) {
                *count -= 1;
            }
            continue;
        }
        let index = frame.next as usize;
        frame.next += 1;
        let child = &nodes[index];
        if child.total == 0 {
            continue;
        }
        // Validation bounds every sum by the root total, so this only guards the invariant.
        let level = stack.len();
        let overflow = || FlamegraphError::Overflow {
            level,
            node: index - level_starts.get(level).copied().unwrap_or(0),
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
        // A leaf would be entered and left at once: its name need not be marked.
        if child.first_child != child.child_end {
            active[name] += 1;
            stack.push(Frame {
                next: child.first_child,
                end: child.child_end,
                name: child.name,
            });
        }
    }
    Ok(sums)
}

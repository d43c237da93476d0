//! The compact call tree of a file (or of merged files): what the source caches per file. Per
//! node only its name, its parent and its self value per sample type; parents come before
//! their children and each node's children are contiguous, so totals take one backward pass
//! and the flame graph's node list one forward pass.

use pf_formats::formats::flamegraph::{tree_stats, FlameGraphStats, FlamegraphError};
use pf_model::{CallTree, TreeNode};

/// No node: the root's parent.
pub(super) const NONE: u32 = u32::MAX;

/// A call tree; node 0 is the root (parent [`NONE`]).
#[derive(Debug, Clone, Default)]
pub struct FileTree {
    names: Vec<String>,
    name: Vec<u32>,
    parent: Vec<u32>,
    /// `types` self values per node.
    values: Vec<u64>,
    types: usize,
}

impl FileTree {
    pub(super) fn with_capacity(names: Vec<String>, types: usize, nodes: usize) -> Self {
        FileTree {
            names,
            name: Vec::with_capacity(nodes),
            parent: Vec::with_capacity(nodes),
            values: Vec::with_capacity(nodes * types),
            types,
        }
    }

    /// Appends a node; its parent, when it has one, is already in the tree.
    pub(super) fn push(&mut self, name: u32, parent: u32, values: &[u64]) {
        self.name.push(name);
        self.parent.push(parent);
        self.values.extend_from_slice(values);
    }

    pub(super) fn names(&self) -> &[String] {
        &self.names
    }

    pub(super) fn name(&self, node: usize) -> u32 {
        self.name[node]
    }

    pub(super) fn parent(&self, node: usize) -> u32 {
        self.parent[node]
    }

    pub(super) fn self_value(&self, node: usize, value_index: usize) -> u64 {
        self.values[node * self.types + value_index]
    }

    /// Nodes below the root.
    pub fn node_count(&self) -> usize {
        self.name.len().saturating_sub(1)
    }

    /// Bytes this tree holds on the heap (its arrays and names, not allocator overhead).
    pub fn heap_bytes(&self) -> usize {
        let names: usize = self
            .names
            .iter()
            .map(|n| n.capacity() + std::mem::size_of::<String>())
            .sum();
        names
            + (self.name.capacity() + self.parent.capacity()) * std::mem::size_of::<u32>()
            + self.values.capacity() * std::mem::size_of::<u64>()
    }

    /// Each node's total of sample type `value_index`: its self value and its descendants'.
    pub(super) fn totals(&self, value_index: usize) -> Result<Vec<u64>, FlamegraphError> {
        if value_index >= self.types {
            return Ok(vec![0; self.name.len()]);
        }
        let mut totals: Vec<u64> = self
            .values
            .iter()
            .skip(value_index)
            .step_by(self.types)
            .copied()
            .collect();
        // Children come after their parent, so one backward pass sums the totals.
        for i in (1..totals.len()).rev() {
            let parent = self.parent[i] as usize;
            totals[parent] = totals[parent]
                .checked_add(totals[i])
                .ok_or(FlamegraphError::Overflow { level: 0, node: i })?;
        }
        Ok(totals)
    }

    /// Per-function statistics of sample type `value_index`, exactly as for a flame graph of
    /// the same stacks. Nodes without samples of that type are left out.
    pub fn stats(&self, value_index: usize) -> Result<FlameGraphStats, FlamegraphError> {
        let totals = self.totals(value_index)?;
        let Some(&total) = totals.first() else {
            return tree_stats(CallTree::default(), 0);
        };
        let mut position = vec![NONE; totals.len()];
        let mut flat: Vec<TreeNode> = Vec::with_capacity(totals.len());
        for (i, &node_total) in totals.iter().enumerate() {
            if node_total == 0 && i != 0 {
                continue;
            }
            let here = flat.len();
            position[i] = here as u32;
            flat.push(TreeNode::leaf(
                node_total,
                self.self_value(i, value_index),
                self.name[i],
            ));
            let parent = position.get(self.parent[i] as usize).copied();
            if let Some(parent) = parent.and_then(|p| flat.get_mut(p as usize)) {
                // Children are contiguous: the first one opens the range, each extends it.
                if parent.child_end == 0 {
                    parent.first_child = here as u32;
                }
                parent.child_end = here as u32 + 1;
            }
        }
        tree_stats(CallTree::new(flat, &self.names), total)
    }
}

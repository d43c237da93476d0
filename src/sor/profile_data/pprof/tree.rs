//! Stacks of one or more files merged into one trie by frame name, then laid out as the flame
//! graph's call tree (children contiguous, root first) and ranked by the same aggregation.

use std::collections::HashMap;

use super::decode::ParsedProfile;
use super::error::PprofError;
use super::hash::BuildIntHasher;
use crate::profile::{CallTree, TreeNode};
use crate::sor::profile_data::flamegraph::{tree_stats, FlameGraphStats, FlamegraphError};

/// Name of the synthetic root, as in Pyroscope's flame graphs; never reported.
const ROOT_NAME: &str = "total";

struct TrieNode {
    name: u32,
    parent: u32,
    first_child: u32,
    next_sibling: u32,
    children: u32,
    self_value: u64,
}

const NONE: u32 = u32::MAX;

/// Up to this many children a node's child is found by walking its child list (near in memory,
/// no hashing); beyond it, through the edge map.
const LIST_CHILDREN: u32 = 8;

/// The merged stacks of the files added so far.
pub struct StackTree {
    names: Vec<String>,
    ids: HashMap<String, u32>,
    nodes: Vec<TrieNode>,
    /// (parent node << 32 | name) → child node.
    edges: HashMap<u64, u32, BuildIntHasher>,
}

impl Default for StackTree {
    fn default() -> Self {
        let mut tree = StackTree {
            names: Vec::new(),
            ids: HashMap::new(),
            nodes: Vec::new(),
            edges: HashMap::default(),
        };
        let root = tree.intern(ROOT_NAME);
        tree.nodes.push(TrieNode {
            name: root,
            parent: NONE,
            first_child: NONE,
            next_sibling: NONE,
            children: 0,
            self_value: 0,
        });
        tree
    }
}

impl StackTree {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.ids.insert(name.to_owned(), id);
        id
    }

    fn child(&mut self, parent: u32, name: u32) -> Result<u32, PprofError> {
        let key = (u64::from(parent) << 32) | u64::from(name);
        let p = &self.nodes[parent as usize];
        if p.children <= LIST_CHILDREN {
            let mut child = p.first_child;
            while child != NONE {
                let c = &self.nodes[child as usize];
                if c.name == name {
                    return Ok(child);
                }
                child = c.next_sibling;
            }
        } else if let Some(&child) = self.edges.get(&key) {
            return Ok(child);
        }
        let id = u32::try_from(self.nodes.len())
            .ok()
            .filter(|&id| id != NONE)
            .ok_or_else(|| PprofError::Invalid("more than 4 billion stack nodes".into()))?;
        let p = &mut self.nodes[parent as usize];
        let next_sibling = p.first_child;
        p.first_child = id;
        p.children += 1;
        let children = p.children;
        self.nodes.push(TrieNode {
            name,
            parent,
            first_child: NONE,
            next_sibling,
            children: 0,
            self_value: 0,
        });
        if children == LIST_CHILDREN + 1 {
            // From now on through the map: move the whole list there.
            let mut child = id;
            while child != NONE {
                let c = &self.nodes[child as usize];
                self.edges
                    .insert((u64::from(parent) << 32) | u64::from(c.name), child);
                child = c.next_sibling;
            }
        } else if children > LIST_CHILDREN {
            self.edges.insert(key, id);
        }
        Ok(id)
    }

    /// Adds the samples of `file` with their values of sample type `value_index`. Values ≤ 0
    /// are ignored. Consecutive samples often share their root side (writers walk a tree), so
    /// the path of the previous sample is reused as far as the two stacks agree.
    pub fn add(&mut self, file: &ParsedProfile, value_index: usize) -> Result<(), PprofError> {
        let names: Vec<u32> = file.names.iter().map(|n| self.intern(n)).collect();
        self.nodes.reserve(file.sample_count());
        let mut previous: &[u32] = &[];
        // path[k]: the trie node after the first k + 1 locations of `previous`.
        let mut path: Vec<u32> = Vec::new();
        for i in 0..file.sample_count() {
            let (stack, values) = file.sample(i);
            let value = match values.get(value_index) {
                Some(&v) if v > 0 => v.unsigned_abs(),
                _ => continue,
            };
            let common = stack
                .iter()
                .zip(previous)
                .take_while(|(a, b)| a == b)
                .count();
            path.truncate(common);
            let mut node = path.last().copied().unwrap_or(0);
            for &location in &stack[common..] {
                for &frame in file.frames_of(location) {
                    node = self.child(node, names[frame as usize])?;
                }
                path.push(node);
            }
            let slot = &mut self.nodes[node as usize].self_value;
            *slot = slot
                .checked_add(value)
                .ok_or_else(|| PprofError::Invalid("sample values overflow".into()))?;
            previous = stack;
        }
        Ok(())
    }

    /// Nodes of the tree below the root.
    pub fn node_count(&self) -> usize {
        self.nodes.len() - 1
    }

    /// Per-function statistics of the merged stacks, exactly as for a flame graph of them.
    pub fn stats(self) -> Result<FlameGraphStats, FlamegraphError> {
        // Children come after their parent, so one backward pass sums the totals.
        let mut totals: Vec<u64> = self.nodes.iter().map(|n| n.self_value).collect();
        for i in (1..self.nodes.len()).rev() {
            let parent = self.nodes[i].parent as usize;
            totals[parent] = totals[parent]
                .checked_add(totals[i])
                .ok_or(FlamegraphError::Overflow { level: 0, node: i })?;
        }
        // Breadth first, so that each node's children are contiguous.
        let mut order: Vec<u32> = Vec::with_capacity(self.nodes.len());
        let mut flat: Vec<TreeNode> = Vec::with_capacity(self.nodes.len());
        order.push(0);
        flat.push(self.flat_node(0, &totals));
        let mut next = 0;
        while next < order.len() {
            let first = flat.len() as u32;
            let mut child = self.nodes[order[next] as usize].first_child;
            while child != NONE {
                order.push(child);
                flat.push(self.flat_node(child, &totals));
                child = self.nodes[child as usize].next_sibling;
            }
            flat[next].first_child = first;
            flat[next].child_end = flat.len() as u32;
            next += 1;
        }
        tree_stats(CallTree::new(flat, &self.names), totals[0])
    }

    fn flat_node(&self, i: u32, totals: &[u64]) -> TreeNode {
        let n = &self.nodes[i as usize];
        TreeNode::leaf(totals[i as usize], n.self_value, n.name)
    }
}

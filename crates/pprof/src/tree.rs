//! A trie of stacks by frame name: built from one file's samples while they are decoded (one
//! value per sample type), or merged from the call trees of several files (one value). It ends
//! as a compact [`FileTree`].

use std::collections::HashMap;

use super::error::PprofError;
use super::file_tree::{FileTree, NONE};
use super::hash::BuildIntHasher;
use super::profile::ParsedProfile;
use pf_formats::formats::flamegraph::{FlameGraphStats, FlamegraphError};
use pf_model::saturate;

/// A factor `num / den` applied to the values of a file merged into a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weight {
    pub num: u64,
    pub den: u64,
}

impl Weight {
    /// Values as they are.
    pub const ONE: Weight = Weight { num: 1, den: 1 };

    /// `value × num / den`, rounded to the nearest unit (a zero `den` counts as one).
    pub fn of(self, value: u64) -> u64 {
        if self == Weight::ONE {
            return value;
        }
        let den = u128::from(self.den.max(1));
        let scaled = (u128::from(value) * u128::from(self.num) + den / 2) / den;
        saturate(scaled)
    }
}

/// Name of the synthetic root, as in Pyroscope's flame graphs; never reported.
const ROOT_NAME: &str = "total";

/// The root's node index.
pub(super) const ROOT: u32 = 0;

pub(super) struct TrieNode {
    name: u32,
    parent: u32,
    first_child: u32,
    next_sibling: u32,
    children: u32,
}

/// Up to this many children a node's child is found by walking its child list (near in memory,
/// no hashing); beyond it, through the edge map.
const LIST_CHILDREN: u32 = 8;

/// Stacks merged so far, with `types` self values per node.
pub struct StackTree {
    names: Vec<String>,
    /// foldhash, not SipHash: every function name of every file read is interned here.
    ids: HashMap<String, u32, foldhash::fast::RandomState>,
    nodes: Vec<TrieNode>,
    /// `types` values per node: self values by sample type.
    values: Vec<u64>,
    types: usize,
    /// (parent node << 32 | name) → child node.
    edges: HashMap<u64, u32, BuildIntHasher>,
}

impl Default for StackTree {
    /// A tree of one value per node, to merge files into.
    fn default() -> Self {
        StackTree::new(1)
    }
}

impl StackTree {
    /// An empty tree (just the root) of `types` values per node.
    pub(super) fn new(types: usize) -> Self {
        let mut tree = StackTree {
            names: Vec::new(),
            ids: HashMap::default(),
            nodes: Vec::new(),
            values: Vec::new(),
            types,
            edges: HashMap::default(),
        };
        let root = tree.intern(ROOT_NAME);
        tree.push(root, NONE, NONE);
        tree
    }

    /// Values per node.
    pub(super) fn types(&self) -> usize {
        self.types
    }

    pub(super) fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.ids.insert(name.to_owned(), id);
        id
    }

    fn push(&mut self, name: u32, parent: u32, next_sibling: u32) {
        self.nodes.push(TrieNode {
            name,
            parent,
            first_child: NONE,
            next_sibling,
            children: 0,
        });
        self.values.resize(self.values.len() + self.types, 0);
    }

    /// The child of `parent` named `name`, created when missing.
    #[inline]
    pub(super) fn child(&mut self, parent: u32, name: u32) -> Result<u32, PprofError> {
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
        self.push(name, parent, next_sibling);
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

    /// Adds `value` to `node`'s self value of sample type `index`.
    #[inline]
    pub(super) fn add_value(
        &mut self,
        node: u32,
        index: usize,
        value: u64,
    ) -> Result<(), PprofError> {
        let slot = &mut self.values[node as usize * self.types + index];
        *slot = slot
            .checked_add(value)
            .ok_or_else(|| PprofError::Invalid("sample values overflow".into()))?;
        Ok(())
    }

    /// Merges the stacks of `file` with their values of sample type `value_index` into this
    /// tree's first value: one lookup per node of the file's tree that has samples of that type.
    pub fn add(&mut self, file: &ParsedProfile, value_index: usize) -> Result<(), PprofError> {
        self.add_weighted(file, value_index, Weight::ONE)
    }

    /// As [`StackTree::add`], each value multiplied by `weight` (rounded to the nearest unit):
    /// how a snapshot counts its share of a window's mean.
    pub fn add_weighted(
        &mut self,
        file: &ParsedProfile,
        value_index: usize,
        weight: Weight,
    ) -> Result<(), PprofError> {
        let tree = &file.tree;
        let totals = tree
            .totals(value_index)
            .map_err(|_| PprofError::Invalid("sample values overflow".into()))?;
        let names: Vec<u32> = tree.names().iter().map(|n| self.intern(n)).collect();
        let mut here = vec![NONE; totals.len()];
        for (i, &total) in totals.iter().enumerate() {
            if total == 0 {
                continue;
            }
            let node = match tree.parent(i) {
                NONE => ROOT,
                // A parent's total is at least its child's, so it was merged before.
                parent => self.child(here[parent as usize], names[tree.name(i) as usize])?,
            };
            here[i] = node;
            self.add_value(node, 0, weight.of(tree.self_value(i, value_index)))?;
        }
        Ok(())
    }

    /// Nodes of the tree below the root.
    pub fn node_count(&self) -> usize {
        self.nodes.len() - 1
    }

    /// Per-function statistics of the merged stacks, exactly as for a flame graph of them.
    pub fn stats(self) -> Result<FlameGraphStats, FlamegraphError> {
        self.finish().stats(0)
    }

    /// The compact tree, each node's children contiguous and laid out right after the group of
    /// its parent's earlier siblings' subtrees: depth first by sibling group, so that ranking,
    /// which walks depth first, reads memory mostly forward.
    pub(super) fn finish(self) -> FileTree {
        let mut order: Vec<u32> = Vec::with_capacity(self.nodes.len());
        let mut stack = vec![ROOT];
        order.push(ROOT);
        while let Some(node) = stack.pop() {
            let start = order.len();
            let mut child = self.nodes[node as usize].first_child;
            while child != NONE {
                order.push(child);
                child = self.nodes[child as usize].next_sibling;
            }
            stack.extend(order[start..].iter().rev());
        }
        let mut position = vec![NONE; self.nodes.len()];
        for (i, &node) in order.iter().enumerate() {
            position[node as usize] = i as u32;
        }
        let mut tree = FileTree::with_capacity(self.names, self.types, order.len());
        for &node in &order {
            let n = &self.nodes[node as usize];
            let parent = match n.parent {
                NONE => NONE,
                p => position[p as usize],
            };
            let start = node as usize * self.types;
            tree.push(n.name, parent, &self.values[start..start + self.types]);
        }
        tree
    }
}

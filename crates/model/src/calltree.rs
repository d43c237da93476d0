//! A profile's call tree, as compact as the flame graph it came from: what the function
//! statistics are summed from and what the pictures draw.

/// One node of a call tree: a frame on a path from the root.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreeNode {
    /// Samples with this node on the stack.
    pub total: u64,
    /// Samples whose innermost frame is this node.
    pub self_samples: u64,
    /// Index of the node's name in [`CallTree::name`].
    pub name: u32,
    /// The node's children are `first_child..child_end`.
    pub first_child: u32,
    pub child_end: u32,
}

impl TreeNode {
    /// A node without children.
    pub fn leaf(total: u64, self_samples: u64, name: u32) -> Self {
        TreeNode {
            total,
            self_samples,
            name,
            first_child: 0,
            child_end: 0,
        }
    }

    /// Positions of the node's children in [`CallTree::nodes`].
    pub fn children(&self) -> std::ops::Range<usize> {
        self.first_child as usize..self.child_end as usize
    }
}

/// The call tree of one profile. `nodes[0]` is the synthetic root (its name is never reported);
/// every node's children are one contiguous range after it, so a tree cannot hold a cycle.
/// Nodes with a zero total carry nothing and are skipped by every reader. Names are stored in
/// one string, so a tree of 50 000 nodes costs two allocations for its names, not thousands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallTree {
    nodes: Vec<TreeNode>,
    text: String,
    name_ends: Vec<u32>,
}

impl CallTree {
    /// A tree of `nodes` over `names`. The caller guarantees the layout described on the type
    /// and that every name index is below `names.len()`; the flame-graph parser checks both for
    /// untrusted input before it builds a tree.
    pub fn new<S: AsRef<str>>(nodes: Vec<TreeNode>, names: &[S]) -> Self {
        let mut text = String::with_capacity(names.iter().map(|n| n.as_ref().len()).sum());
        let mut name_ends = Vec::with_capacity(names.len());
        for name in names {
            text.push_str(name.as_ref());
            name_ends.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
        }
        CallTree {
            nodes,
            text,
            name_ends,
        }
    }

    pub fn nodes(&self) -> &[TreeNode] {
        &self.nodes
    }

    /// The root, if the tree is not empty.
    pub fn root(&self) -> Option<&TreeNode> {
        self.nodes.first()
    }

    /// Samples in the whole tree (the root's total; 0 for an empty tree).
    pub fn total(&self) -> u64 {
        self.root().map_or(0, |r| r.total)
    }

    /// Number of names.
    pub fn name_count(&self) -> usize {
        self.name_ends.len()
    }

    /// Name `i` (empty when out of range).
    pub fn name(&self, i: u32) -> &str {
        let i = i as usize;
        let end = self.name_ends.get(i).map_or(0, |&e| e as usize);
        let start = match i {
            0 => 0,
            _ => self.name_ends.get(i - 1).map_or(end, |&e| e as usize),
        };
        self.text.get(start..end).unwrap_or("")
    }

    /// The name of `node`.
    pub fn name_of(&self, node: &TreeNode) -> &str {
        self.name(node.name)
    }

    /// The children of `node` that carry samples.
    pub fn children<'a>(&'a self, node: &TreeNode) -> impl Iterator<Item = &'a TreeNode> + 'a {
        self.nodes
            .get(node.children())
            .unwrap_or(&[])
            .iter()
            .filter(|c| c.total > 0)
    }

    /// Every node under the root, depth first, shown to `visit` with the names on its path
    /// from the root's child down to itself (itself last).
    pub fn walk_paths<'a>(&'a self, mut visit: impl FnMut(&[u32], &'a TreeNode)) {
        let Some(root) = self.root() else {
            return;
        };
        let mut path: Vec<u32> = Vec::new();
        // (node, depth): the node's path is the first `depth` names of `path`, then its own.
        let mut pending: Vec<(&TreeNode, usize)> = self.children(root).map(|c| (c, 0)).collect();
        while let Some((node, depth)) = pending.pop() {
            path.truncate(depth);
            path.push(node.name);
            visit(&path, node);
            pending.extend(self.children(node).map(|c| (c, depth + 1)));
        }
    }

    /// Heap bytes held, for cache weights.
    pub fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<TreeNode>()
            + self.text.capacity()
            + self.name_ends.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_back_as_given_and_children_skip_empty_nodes() {
        let mut root = TreeNode::leaf(10, 0, 0);
        (root.first_child, root.child_end) = (1, 4);
        let tree = CallTree::new(
            vec![
                root,
                TreeNode::leaf(6, 6, 1),
                TreeNode::leaf(0, 0, 2),
                TreeNode::leaf(4, 4, 2),
            ],
            &["total", "main", "<script>"],
        );
        assert_eq!(tree.total(), 10);
        assert_eq!(tree.name(1), "main");
        assert_eq!(tree.name(2), "<script>");
        assert_eq!(tree.name(7), "");
        let names: Vec<_> = tree
            .children(&tree.nodes()[0])
            .map(|c| tree.name_of(c))
            .collect();
        assert_eq!(names, ["main", "<script>"]);
        assert_eq!(CallTree::default().total(), 0);
    }
}

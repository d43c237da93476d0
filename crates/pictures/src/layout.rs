//! Where each frame of a flame graph goes: one pass over the call tree that places every frame
//! wide enough to see and merges each node's narrower children into one block, as
//! flamegraph.pl's `--minwidth` leaves them out (here they still add up, so the picture keeps
//! every sample).

use pf_model::CallTree;

/// Frames narrower than this many pixels are merged into one block per parent.
pub const MIN_WIDTH_PX: f64 = 0.3;

/// One frame to draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Left edge, in samples from the root's left edge.
    pub x: u64,
    /// Width in samples (the node's total, or the merged children's sum).
    pub samples: u64,
    /// 0 for the root.
    pub depth: u32,
    /// The tree node drawn, or for a merged block, its parent.
    pub node: u32,
    /// How many narrow children a merged block stands for; 0 for a node's own frame.
    pub merged: u32,
}

/// The frames of `tree` on a graph `width_px` wide (the root spans it), parents before their
/// children. Empty for an empty tree.
pub fn frames(tree: &CallTree, width_px: f64) -> Vec<Frame> {
    let nodes = tree.nodes();
    let Some(root) = nodes.first().filter(|r| r.total > 0) else {
        return Vec::new();
    };
    let min_samples = MIN_WIDTH_PX * root.total as f64 / width_px.max(1.0);
    let mut out = Vec::new();
    let mut stack = vec![(0u32, 0u64, 0u32)];
    while let Some((index, x, depth)) = stack.pop() {
        out.push(Frame {
            x,
            samples: nodes[index as usize].total,
            depth,
            node: index,
            merged: 0,
        });
        let (mut child_x, mut merged, mut merged_samples) = (x, 0u32, 0u64);
        let range = nodes[index as usize].children();
        for (offset, child) in nodes[range.clone()].iter().enumerate() {
            if child.total == 0 {
                continue;
            }
            if child.total as f64 >= min_samples {
                stack.push(((range.start + offset) as u32, child_x, depth + 1));
                child_x += child.total;
            } else {
                merged += 1;
                merged_samples += child.total;
            }
        }
        if merged > 0 && merged_samples as f64 >= min_samples {
            out.push(Frame {
                x: child_x,
                samples: merged_samples,
                depth: depth + 1,
                node: index,
                merged,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pf_model::TreeNode;

    /// root(1000) → a(600) → b(500); root → 300 children of 1 sample each.
    fn tree() -> CallTree {
        let mut nodes = vec![TreeNode::leaf(1000, 100, 0)];
        nodes[0].first_child = 1;
        nodes[0].child_end = 302;
        nodes.push(TreeNode {
            first_child: 302,
            child_end: 303,
            ..TreeNode::leaf(600, 100, 1)
        });
        nodes.extend((0..300).map(|_| TreeNode::leaf(1, 1, 3)));
        nodes.push(TreeNode::leaf(500, 500, 2));
        CallTree::new(nodes, &["total", "a", "b", "tiny"])
    }

    #[test]
    fn wide_frames_are_placed_and_narrow_siblings_merge() {
        let frames = frames(&tree(), 100.0);
        let find = |node: u32, merged: bool| {
            frames
                .iter()
                .find(|f| f.node == node && (f.merged > 0) == merged)
                .copied()
        };
        let a = find(1, false).expect("a is drawn");
        assert_eq!((a.x, a.samples, a.depth), (0, 600, 1));
        let b = find(302, false).expect("b is drawn");
        assert_eq!((b.x, b.samples, b.depth), (0, 500, 2));
        let block = find(0, true).expect("the 300 one-sample children merge");
        assert_eq!((block.x, block.samples, block.merged), (600, 300, 300));
        assert_eq!(frames.len(), 4);
        assert!(super::frames(&CallTree::default(), 1000.0).is_empty());
    }
}

//! Call trees for tests, from folded stacks.

use pf_model::{CallTree, TreeNode};

/// A call tree from folded stacks (`("a;b;c", samples)`), children in first-seen order.
pub fn tree_of(stacks: &[(&str, u64)]) -> CallTree {
    struct Building {
        name: u32,
        self_samples: u64,
        total: u64,
        children: Vec<usize>,
    }
    let mut names: Vec<String> = vec!["total".into()];
    let mut nodes = vec![Building {
        name: 0,
        self_samples: 0,
        total: 0,
        children: vec![],
    }];
    for (stack, samples) in stacks {
        let mut at = 0;
        nodes[0].total += samples;
        for frame in stack.split(';') {
            let name = match names.iter().position(|n| n == frame) {
                Some(i) => i as u32,
                None => {
                    names.push(frame.into());
                    (names.len() - 1) as u32
                }
            };
            let found = nodes[at]
                .children
                .iter()
                .copied()
                .find(|&c| nodes[c].name == name);
            at = found.unwrap_or_else(|| {
                nodes.push(Building {
                    name,
                    self_samples: 0,
                    total: 0,
                    children: vec![],
                });
                let id = nodes.len() - 1;
                nodes[at].children.push(id);
                id
            });
            nodes[at].total += samples;
        }
        nodes[at].self_samples += samples;
    }
    // Breadth first, so that children are contiguous.
    let mut order = vec![0usize];
    let mut flat: Vec<TreeNode> = vec![];
    let mut next = 0;
    while next < order.len() {
        let b = &nodes[order[next]];
        let first = order.len() as u32;
        order.extend(&b.children);
        flat.push(TreeNode {
            total: b.total,
            self_samples: b.self_samples,
            name: b.name,
            first_child: first,
            child_end: order.len() as u32,
        });
        next += 1;
    }
    CallTree::new(flat, &names)
}

//! Flame graphs of consecutive windows added up into the flame graph of their union: what a
//! window longer than Pyroscope's `max_query_length` is read as (docs/at-scale.md).

use std::collections::HashMap;
use std::sync::Arc;

use super::analyse::rank;
use super::stats::{FlameGraphStats, TRUNCATED_NAME};
use pf_model::{CallTree, TreeNode};

/// One node of the union, before it is laid out.
struct Node {
    name: u32,
    self_samples: u64,
    children: HashMap<u32, usize>,
}

/// The flame graph of `parts` added up: equal paths (by their frames' names) merged, self
/// samples summed, totals the sums below; an `other` remainder stays the remainder.
pub fn merged(parts: &[&FlameGraphStats]) -> FlameGraphStats {
    if let [one] = parts {
        return (*one).clone();
    }
    let mut names: Vec<String> = Vec::new();
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut intern = |name: &str| -> u32 {
        if let Some(&id) = ids.get(name) {
            return id;
        }
        let id = names.len() as u32;
        names.push(name.to_owned());
        ids.insert(name.to_owned(), id);
        id
    };
    let root_name = intern("total");
    let mut nodes = vec![Node {
        name: root_name,
        self_samples: 0,
        children: HashMap::new(),
    }];
    for part in parts {
        let tree = part.tree.as_ref();
        let Some(root) = tree.root() else { continue };
        nodes[0].self_samples = nodes[0].self_samples.saturating_add(root.self_samples);
        // (a node of the part, the union's node it merges into)
        let mut pending: Vec<(&TreeNode, usize)> = tree.children(root).map(|c| (c, 0)).collect();
        while let Some((node, parent)) = pending.pop() {
            let name = intern(tree.name_of(node));
            let at = match nodes[parent].children.get(&name) {
                Some(&at) => at,
                None => {
                    nodes.push(Node {
                        name,
                        self_samples: 0,
                        children: HashMap::new(),
                    });
                    let at = nodes.len() - 1;
                    nodes[parent].children.insert(name, at);
                    at
                }
            };
            nodes[at].self_samples = nodes[at].self_samples.saturating_add(node.self_samples);
            pending.extend(tree.children(node).map(|c| (c, at)));
        }
    }
    let tree = laid_out(&nodes, &names);
    let truncated = parts.iter().any(|p| p.truncated_samples > 0);
    let other = truncated
        .then(|| ids.get(TRUNCATED_NAME).copied())
        .flatten();
    rank(tree, other)
}

/// The union as a [`CallTree`]: breadth first, each node's children one contiguous range
/// after it, each total its self samples and its children's totals.
fn laid_out(nodes: &[Node], names: &[String]) -> CallTree {
    let mut order: Vec<usize> = vec![0];
    let mut out: Vec<TreeNode> = vec![TreeNode::leaf(0, nodes[0].self_samples, nodes[0].name)];
    let mut next = 0;
    while next < order.len() {
        let node = &nodes[order[next]];
        let mut children: Vec<usize> = node.children.values().copied().collect();
        // The same union in the same layout whatever the parts' order.
        children.sort_unstable_by(|a, b| {
            names[nodes[*a].name as usize].cmp(&names[nodes[*b].name as usize])
        });
        let first = out.len() as u32;
        for &child in &children {
            order.push(child);
            out.push(TreeNode::leaf(
                0,
                nodes[child].self_samples,
                nodes[child].name,
            ));
        }
        out[next].first_child = first;
        out[next].child_end = out.len() as u32;
        next += 1;
    }
    for i in (0..out.len()).rev() {
        let below: u64 = out[out[i].children()]
            .iter()
            .map(|c| c.total)
            .fold(0, u64::saturating_add);
        out[i].total = out[i].self_samples.saturating_add(below);
    }
    CallTree::new(out, names)
}

/// Keeps a merged tree's stats cheap to share.
pub fn merged_arc(parts: &[Arc<FlameGraphStats>]) -> Arc<FlameGraphStats> {
    match parts {
        [one] => one.clone(),
        _ => Arc::new(merged(&parts.iter().map(Arc::as_ref).collect::<Vec<_>>())),
    }
}

//! A call tree written as Pyroscope's flame graph (docs/grafana.md#flame-graphs): names and
//! levels, children in name order, cut to `max_nodes` as Pyroscope cuts it — a node keeps its
//! place when its total is at least the `max_nodes`-th largest total, and the children a parent
//! loses are summed into one child `other` (its self value their total), so every total stays
//! what it was. A call site (`stack_trace_selector.call_site`) keeps the stacks under it.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use pf_formats::formats::pyroscope_api::{FlameGraph, Level};
use pf_model::{CallTree, TreeNode};

/// What the cut children of a node are summed into.
pub const OTHER: &str = "other";

/// The least total a node needs to stay: the `max_nodes`-th largest total under the root,
/// 0 when no more than `max_nodes` nodes carry samples.
fn least_kept(tree: &CallTree, from: &TreeNode, max_nodes: usize) -> u64 {
    let room = max_nodes.min(tree.nodes().len()) + 1;
    let mut heap: BinaryHeap<Reverse<u64>> = BinaryHeap::with_capacity(room);
    let mut pending: Vec<&TreeNode> = tree.children(from).collect();
    let mut seen = 0usize;
    while let Some(node) = pending.pop() {
        seen += 1;
        heap.push(Reverse(node.total));
        if heap.len() > max_nodes {
            heap.pop();
        }
        pending.extend(tree.children(node));
    }
    match heap.peek() {
        Some(&Reverse(least)) if seen > max_nodes => least,
        _ => 0,
    }
}

/// The nodes from the root's child down to the call site's last frame, following `call_site`'s
/// names (root first); `None` when no stack passes there. An empty call site is the root.
fn descend<'a>(tree: &'a CallTree, call_site: &[String]) -> Option<Vec<&'a TreeNode>> {
    let mut node = tree.root()?;
    let mut path = Vec::with_capacity(call_site.len());
    for name in call_site {
        node = tree.children(node).find(|c| tree.name_of(c) == name)?;
        path.push(node);
    }
    Some(path)
}

/// Names of the graph, each once, `total` first.
struct Names(Vec<String>, HashMap<String, i64>);

impl Names {
    fn index(&mut self, name: &str) -> i64 {
        if let Some(&i) = self.1.get(name) {
            return i;
        }
        let i = self.0.len() as i64;
        self.0.push(name.to_owned());
        self.1.insert(name.to_owned(), i);
        i
    }
}

/// One node to lay out: a tree node, or the `other` of a parent's cut children.
#[derive(Clone, Copy)]
enum Place<'a> {
    Node(&'a TreeNode),
    Other(u64),
}

/// `tree` (only the stacks under `call_site`) as a flame graph of at most about `max_nodes`
/// nodes. An empty tree is a graph of its root alone, total 0.
pub fn flame_graph(tree: &CallTree, max_nodes: usize, call_site: &[String]) -> FlameGraph {
    let mut names = Names(Vec::new(), HashMap::new());
    names.index("total");
    let path = descend(tree, call_site).unwrap_or_default();
    let start = match (path.last(), tree.root()) {
        (Some(last), _) => Some(*last),
        (None, Some(root)) if call_site.is_empty() => Some(root),
        _ => None,
    };
    let Some(start) = start.filter(|n| n.total > 0) else {
        return FlameGraph {
            names: names.0,
            levels: vec![Level {
                values: vec![0, 0, 0, 0],
            }],
            total: 0,
            max_self: 0,
        };
    };
    let total = start.total;
    let least = least_kept(tree, start, max_nodes);
    let mut levels: Vec<Vec<i64>> = vec![vec![0, to_i64(total), 0, 0]];
    // The call site's frames, each the whole width, then what is under its last frame.
    for node in &path {
        let own = if std::ptr::eq(*node, start) {
            node.self_samples
        } else {
            0
        };
        let name = names.index(tree.name_of(node));
        levels.push(vec![0, to_i64(total), to_i64(own), name]);
    }
    if path.is_empty() {
        levels[0][2] = to_i64(start.self_samples);
    }
    let mut ends: Vec<u64> = vec![total; levels.len()];
    let mut pending: Vec<(Place, u64, usize)> = Vec::new();
    push_children(tree, start, 0, levels.len(), least, &mut pending);
    while let Some((place, x, depth)) = pending.pop() {
        if levels.len() <= depth {
            levels.push(Vec::new());
            ends.push(0);
        }
        let (node_total, own, name) = match place {
            Place::Node(n) => (n.total, n.self_samples, names.index(tree.name_of(n))),
            Place::Other(sum) => (sum, sum, names.index(OTHER)),
        };
        levels[depth].extend([
            to_i64(x - ends[depth]),
            to_i64(node_total),
            to_i64(own),
            name,
        ]);
        ends[depth] = x + node_total;
        if let Place::Node(n) = place {
            push_children(tree, n, x, depth + 1, least, &mut pending);
        }
    }
    let max_self = levels
        .iter()
        .flat_map(|l| l.chunks_exact(4).map(|n| n[2]))
        .max()
        .unwrap_or(0);
    FlameGraph {
        names: names.0,
        levels: levels.into_iter().map(|values| Level { values }).collect(),
        total: to_i64(total),
        max_self,
    }
}

/// Queues `node`'s children (those kept, and one `other` for the rest) in name order from `x`,
/// pushed right to left so that the leftmost is laid out first.
fn push_children<'a>(
    tree: &'a CallTree,
    node: &'a TreeNode,
    x: u64,
    depth: usize,
    least: u64,
    pending: &mut Vec<(Place<'a>, u64, usize)>,
) {
    let mut kept: Vec<(&str, Place<'a>)> = Vec::new();
    let mut cut = 0u64;
    for child in tree.children(node) {
        if child.total >= least {
            kept.push((tree.name_of(child), Place::Node(child)));
        } else {
            cut += child.total;
        }
    }
    if cut > 0 {
        kept.push((OTHER, Place::Other(cut)));
    }
    kept.sort_by(|a, b| a.0.cmp(b.0));
    let mut child_x = x + kept.iter().map(|(_, p)| width(*p)).sum::<u64>();
    for (_, place) in kept.into_iter().rev() {
        child_x -= width(place);
        pending.push((place, child_x, depth));
    }
}

fn width(place: Place) -> u64 {
    match place {
        Place::Node(n) => n.total,
        Place::Other(sum) => sum,
    }
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[cfg(test)]
#[path = "flame_tests.rs"]
mod tests;

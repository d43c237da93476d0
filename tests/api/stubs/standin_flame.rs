//! The stand-in's flame graphs, as Pyroscope's `pkg/model` makes them: a tree of function
//! names (children sorted by name), cut to `max_nodes` with the cut children of each parent
//! summed into one `other` (`Tree.MarshalTruncate`), written as Pyroscope's tree bytes
//! (`PROFILE_FORMAT_TREE`) or as names and levels (`NewFlameGraph`, which cuts once more with
//! the request's own `max_nodes`).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use pf_formats::formats::pyroscope_api::profile::Profile;
use pf_formats::formats::pyroscope_api::{FlameGraph, Level};

use super::standin_shape::Tables;

/// What cut nodes are summed into.
const OTHER: &str = "other";

/// One function in the tree: its self and total values, its callees sorted by name.
#[derive(Clone, Debug, Default)]
pub struct Node {
    name: String,
    own: i64,
    total: i64,
    children: Vec<Node>,
}

/// The call tree of a merged profile's first value column (the roots' list).
pub fn tree(profile: &Profile) -> Vec<Node> {
    let tables = Tables::new(profile);
    let mut root = Node::default();
    for sample in &profile.sample {
        let value = sample.value.first().copied().unwrap_or(0);
        let frames = tables.frames(sample);
        // As `Tree.InsertStack`: nothing for a value <= 0; an empty stack lands on the
        // virtual root, which is dropped.
        if value <= 0 || frames.is_empty() {
            continue;
        }
        let mut node = &mut root;
        for name in frames {
            node.total += value;
            let at = match node
                .children
                .binary_search_by(|c| c.name.as_str().cmp(name))
            {
                Ok(at) => at,
                Err(at) => {
                    let child = Node {
                        name: name.to_owned(),
                        ..Node::default()
                    };
                    node.children.insert(at, child);
                    at
                }
            };
            node = &mut node.children[at];
        }
        node.total += value;
        node.own += value;
    }
    root.children
}

/// The least total a node needs to stay in a graph of `max_nodes` (`Tree.minValue`): the
/// total of the `max_nodes`-th largest node; 0 when nothing is cut.
fn min_value(roots: &[Node], max_nodes: i64) -> i64 {
    fn size(nodes: &[Node]) -> i64 {
        nodes.iter().map(|n| 1 + size(&n.children)).sum()
    }
    if max_nodes < 1 || size(roots) <= max_nodes {
        return 0;
    }
    let max = max_nodes as usize;
    let mut heap: BinaryHeap<Reverse<i64>> = BinaryHeap::with_capacity(max + 1);
    let mut stack: Vec<&Node> = roots.iter().collect();
    while let Some(node) = stack.pop() {
        if heap.len() >= max {
            match heap.peek() {
                Some(&Reverse(least)) if node.total > least => {
                    heap.pop();
                }
                _ => continue,
            }
        }
        heap.push(Reverse(node.total));
        stack.extend(&node.children);
    }
    match heap.peek() {
        Some(&Reverse(least)) if heap.len() >= max => least,
        _ => 0,
    }
}

/// Cuts the tree to about `max_nodes` nodes as `Tree.MarshalTruncate` does: the children of a
/// node below the threshold (never one named `other`) are summed into its child `other`.
pub fn truncate(roots: &mut Vec<Node>, max_nodes: i64) {
    fn cut(children: &mut Vec<Node>, min: i64) {
        let mut other = 0;
        children.retain(|c| {
            let keep = c.total >= min || c.name == OTHER;
            if !keep {
                other += c.total;
            }
            keep
        });
        if other > 0 {
            match children.binary_search_by(|c| c.name.as_str().cmp(OTHER)) {
                Ok(at) => {
                    children[at].total += other;
                    children[at].own += other;
                }
                Err(at) => children.insert(
                    at,
                    Node {
                        name: OTHER.to_owned(),
                        own: other,
                        total: other,
                        children: Vec::new(),
                    },
                ),
            }
        }
        for child in children {
            cut(&mut child.children, min);
        }
    }
    let min = min_value(roots, max_nodes);
    cut(roots, min);
}

/// Pyroscope's tree bytes: depth first from a virtual root with no name, each node as
/// `uvarint(len(name)) name uvarint(self) uvarint(children)`, children last to first; no
/// bytes for an empty tree.
pub fn tree_bytes(roots: &[Node]) -> Vec<u8> {
    fn uvarint(mut v: u64, out: &mut Vec<u8>) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    fn write(name: &str, own: i64, children: &[Node], out: &mut Vec<u8>) {
        uvarint(name.len() as u64, out);
        out.extend_from_slice(name.as_bytes());
        uvarint(own.max(0) as u64, out);
        uvarint(children.len() as u64, out);
        for child in children.iter().rev() {
            write(&child.name, child.own, &child.children, out);
        }
    }
    let mut out = Vec::new();
    if !roots.is_empty() {
        write("", 0, roots, &mut out);
    }
    out
}

/// One node on `NewFlameGraph`'s stack.
struct Visit<'a> {
    x: i64,
    level: usize,
    name: &'a str,
    own: i64,
    total: i64,
    children: &'a [Node],
}

/// The flame graph of the tree as `NewFlameGraph` lays it out: each node's self value first,
/// then its children left to right by name, then (per parent) one `other` for the children
/// below the threshold of `max_nodes`; names indexed as first met, right to left.
pub fn flame_graph(roots: &[Node], max_nodes: i64) -> FlameGraph {
    let total: i64 = roots.iter().map(|n| n.total).sum();
    let min = min_value(roots, max_nodes);
    let mut names: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut levels: Vec<Vec<i64>> = Vec::new();
    let mut max_self = 0;
    let mut stack = vec![Visit {
        x: 0,
        level: 0,
        name: "",
        own: 0,
        total,
        children: roots,
    }];
    while let Some(node) = stack.pop() {
        max_self = max_self.max(node.own);
        let at = match index.get(node.name) {
            Some(&at) => at,
            None => {
                let at = names.len();
                let name = if at == 0 { "total" } else { node.name };
                index.insert(name.to_owned(), at);
                names.push(name.to_owned());
                at
            }
        };
        if node.level == levels.len() {
            levels.push(Vec::new());
        }
        // Pushed backwards: each level is reversed below, as Go's `Stack.Slice` does.
        levels[node.level].extend([at as i64, node.own, node.total, node.x]);
        let mut x = node.x + node.own;
        let mut other = 0;
        for child in node.children {
            if child.total >= min && child.name != OTHER {
                stack.push(Visit {
                    x,
                    level: node.level + 1,
                    name: &child.name,
                    own: child.own,
                    total: child.total,
                    children: &child.children,
                });
                x += child.total;
            } else {
                other += child.total;
            }
        }
        if other != 0 {
            stack.push(Visit {
                x,
                level: node.level + 1,
                name: OTHER,
                own: other,
                total: other,
                children: &[],
            });
        }
    }
    let levels = levels
        .into_iter()
        .map(|mut values| {
            values.reverse();
            let mut end = 0;
            for node in values.chunks_exact_mut(4) {
                node[0] -= end;
                end += node[0] + node[1];
            }
            Level { values }
        })
        .collect();
    FlameGraph {
        names,
        levels,
        total,
        max_self,
    }
}

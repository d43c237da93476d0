//! A call tree written back as a Connect flame graph (`{"flamegraph": {names, levels, total}}`):
//! how a Profile Data SOR process hands its trees to BORs elsewhere, which read them with
//! [`super::parse_connect`] and so check them like any flame graph.

use std::fmt::Write;

use pf_model::CallTree;

/// The Connect JSON of `tree`. Children start at their parent's left edge and follow each
/// other; a depth-first walk meets the nodes of each level left to right, so every level's
/// offsets come out non-negative. Nodes without samples are left out.
pub fn connect_json(tree: &CallTree) -> String {
    let nodes = tree.nodes();
    let mut levels: Vec<Vec<u64>> = Vec::new();
    let mut ends: Vec<u64> = Vec::new();
    if nodes.first().is_some_and(|r| r.total > 0) {
        let mut stack = vec![(0usize, 0u64, 0usize)];
        while let Some((index, x, depth)) = stack.pop() {
            if levels.len() <= depth {
                levels.push(Vec::new());
                ends.push(0);
            }
            let node = &nodes[index];
            levels[depth].extend([
                x - ends[depth],
                node.total,
                node.self_samples,
                u64::from(node.name),
            ]);
            ends[depth] = x + node.total;
            // Pushed right to left, so the leftmost child is walked first.
            let children = &nodes[node.children()];
            let mut child_x = x + children.iter().map(|c| c.total).sum::<u64>();
            for (offset, c) in children.iter().enumerate().rev() {
                if c.total > 0 {
                    child_x -= c.total;
                    stack.push((node.children().start + offset, child_x, depth + 1));
                }
            }
        }
    }
    let mut out = String::with_capacity(nodes.len() * 24 + 64);
    out.push_str(r#"{"flamegraph":{"names":["#);
    for i in 0..tree.name_count() {
        if i > 0 {
            out.push(',');
        }
        // A str always serialises.
        out.push_str(&serde_json::to_string(tree.name(i as u32)).unwrap_or_default());
    }
    out.push_str(r#"],"levels":["#);
    for (l, values) in levels.iter().enumerate() {
        out.push_str(if l == 0 {
            r#"{"values":["#
        } else {
            r#",{"values":["#
        });
        for (i, v) in values.iter().enumerate() {
            let _ = write!(out, "{}{v}", if i == 0 { "" } else { "," });
        }
        out.push_str("]}");
    }
    let _ = write!(out, r#"],"total":{}}}}}"#, tree.total());
    out
}

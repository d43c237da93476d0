//! Flame graphs of a tree small enough to lay out by hand:
//! `a;b 3`, `a;c 2`, `a 1`, `d 4` (total 10).

use super::*;

fn node(total: u64, own: u64, name: u32, children: std::ops::Range<u32>) -> TreeNode {
    TreeNode {
        total,
        self_samples: own,
        name,
        first_child: children.start,
        child_end: children.end,
    }
}

fn tree() -> CallTree {
    let nodes = vec![
        node(10, 0, 0, 1..3),
        node(6, 1, 1, 3..5),
        node(4, 4, 2, 0..0),
        node(3, 3, 3, 0..0),
        node(2, 2, 4, 0..0),
    ];
    CallTree::new(nodes, &["", "a", "d", "b", "c"])
}

fn named(graph: &FlameGraph) -> Vec<Vec<(i64, i64, i64, String)>> {
    graph
        .levels
        .iter()
        .map(|l| {
            l.values
                .chunks_exact(4)
                .map(|n| (n[0], n[1], n[2], graph.names[n[3] as usize].clone()))
                .collect()
        })
        .collect()
}

fn row(nodes: &[(i64, i64, i64, &str)]) -> Vec<(i64, i64, i64, String)> {
    nodes
        .iter()
        .map(|(o, t, s, n)| (*o, *t, *s, (*n).to_owned()))
        .collect()
}

#[test]
fn a_graph_under_its_limit_is_the_whole_tree_in_name_order() {
    let graph = flame_graph(&tree(), 100, &[]);
    assert_eq!(graph.total, 10);
    assert_eq!(graph.max_self, 4);
    assert_eq!(graph.names[0], "total");
    assert_eq!(
        named(&graph),
        vec![
            row(&[(0, 10, 0, "total")]),
            row(&[(0, 6, 1, "a"), (0, 4, 4, "d")]),
            row(&[(0, 3, 3, "b"), (0, 2, 2, "c")]),
        ]
    );
}

#[test]
fn nodes_past_the_limit_are_summed_into_other_and_totals_are_kept() {
    // Totals under the root: 6, 4, 3, 2; two nodes keep those of at least 4.
    let graph = flame_graph(&tree(), 2, &[]);
    assert_eq!(graph.total, 10);
    assert_eq!(
        named(&graph),
        vec![
            row(&[(0, 10, 0, "total")]),
            row(&[(0, 6, 1, "a"), (0, 4, 4, "d")]),
            row(&[(0, 5, 5, "other")]),
        ]
    );
    // One node: `d` goes too, into the root's `other`, after `a` by name.
    let graph = flame_graph(&tree(), 1, &[]);
    assert_eq!(
        named(&graph),
        vec![
            row(&[(0, 10, 0, "total")]),
            row(&[(0, 6, 1, "a"), (0, 4, 4, "other")]),
            row(&[(0, 5, 5, "other")]),
        ]
    );
    assert_eq!(graph.max_self, 5);
}

#[test]
fn a_call_site_keeps_the_stacks_under_it() {
    let graph = flame_graph(&tree(), 100, &["a".to_owned()]);
    assert_eq!(graph.total, 6);
    assert_eq!(
        named(&graph),
        vec![
            row(&[(0, 6, 0, "total")]),
            row(&[(0, 6, 1, "a")]),
            row(&[(0, 3, 3, "b"), (0, 2, 2, "c")]),
        ]
    );
    let nowhere = flame_graph(&tree(), 100, &["d".to_owned(), "x".to_owned()]);
    assert_eq!(nowhere.total, 0);
    let empty = flame_graph(&CallTree::default(), 100, &[]);
    assert_eq!((empty.total, empty.levels.len()), (0, 1));
}

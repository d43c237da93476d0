//! A CPU call tree (a flame graph, as Pyroscope answers it) written as a pprof CPU profile:
//! one stack per node with self time, its frames the node's path from the root. A flame graph
//! names functions only, so the functions have no file and no start line, and nothing is
//! inlined: what `go build -pgo=` can still use by name, not what a profile file gives.

use super::encode::{profile, Header, Stack};
use super::proto;
use pf_model::CallTree;

/// `tree` as a profile of the one type `cpu/nanoseconds` (its values CPU nanoseconds when
/// `nanos`, else `samples/count`), sampled every `period_nanos` of CPU: what
/// [`super::CpuMerge`] then reads as Go's two types.
pub fn cpu_profile_of_tree(tree: &CallTree, nanos: bool, period_nanos: i64) -> proto::Profile {
    let value_type = match nanos {
        true => ("cpu".into(), "nanoseconds".into()),
        false => ("samples".into(), "count".into()),
    };
    let header = Header {
        sample_types: vec![value_type],
        period_type: Some(("cpu".into(), "nanoseconds".into())),
        period: period_nanos,
        ..Header::default()
    };
    profile(&header, &stacks_of_tree(tree))
}

/// One stack per node of `tree` with self time, its frames the node's path from the root (root
/// first), its one value that self time.
pub fn stacks_of_tree(tree: &CallTree) -> Vec<Stack> {
    let mut stacks = Vec::new();
    tree.walk_paths(|path, node| {
        if node.self_samples > 0 {
            stacks.push(Stack {
                frames: path.iter().map(|&n| tree.name(n).to_owned()).collect(),
                values: vec![i64::try_from(node.self_samples).unwrap_or(i64::MAX)],
            });
        }
    });
    stacks
}

#[cfg(test)]
mod tests {
    use super::cpu_profile_of_tree;
    use pf_model::{CallTree, TreeNode};

    #[test]
    fn every_node_with_self_time_is_a_stack_from_the_root() {
        // root → main (self 1) → work (self 3)
        let mut nodes = vec![TreeNode::leaf(4, 0, 0), TreeNode::leaf(4, 1, 1)];
        nodes.push(TreeNode::leaf(3, 3, 2));
        (nodes[0].first_child, nodes[0].child_end) = (1, 2);
        (nodes[1].first_child, nodes[1].child_end) = (2, 3);
        let tree = CallTree::new(nodes, &["total", "main", "work"]);
        let p = cpu_profile_of_tree(&tree, true, 10);
        let name = |id: u64| {
            let l = &p.location[id as usize - 1];
            let f = &p.function[l.line[0].function_id as usize - 1];
            String::from_utf8_lossy(&p.string_table[f.name as usize]).into_owned()
        };
        let mut got: Vec<(Vec<String>, i64)> = p
            .sample
            .iter()
            .map(|s| (s.location_id.iter().map(|&i| name(i)).collect(), s.value[0]))
            .collect();
        got.sort();
        let want = [
            (vec!["main".to_owned()], 1),
            (vec!["work".to_owned(), "main".to_owned()], 3),
        ];
        assert_eq!(got, want);
        assert_eq!(p.period, 10);
    }
}

//! Where a regression lies on its stacks (docs/regressions.md#the-change-that-caused-it), from the
//! call trees of its before and after windows and the sites the profile gives its functions: the
//! regressed function, and each caller or callee whose total share rose, weighted by how much of
//! the regressed function's samples lie under it (a caller) or in it (a callee), as code spans in
//! the repository.

use std::collections::{BTreeMap, HashMap};

use crate::suspects::model::{CodeSpan, Role};
use crate::suspects::span_of;
use pf_model::{CallTree, FunctionSite, TreeNode};

/// The functions on `regressed`'s stacks in `after` whose total share rose since `before`,
/// each with how much of `regressed`'s samples in `after` lie under it or in it (0–1), by
/// name.
pub fn related(regressed: &str, before: &CallTree, after: &CallTree) -> BTreeMap<String, f64> {
    let before_totals = totals(before, |_, _| {});
    let mut regressed_total = 0u64;
    let mut with: HashMap<String, u64> = HashMap::new();
    let after_totals = totals(after, |path, node| {
        let name = after.name_of(node);
        let outermost = |n: &str| path.iter().filter(|p| after.name(**p) == n).count() == 1;
        if name == regressed && outermost(regressed) {
            regressed_total += node.total;
            let mut callers: Vec<&str> = path.iter().map(|p| after.name(*p)).collect();
            callers.sort_unstable();
            callers.dedup();
            for caller in callers.into_iter().filter(|c| *c != regressed) {
                *with.entry(caller.to_owned()).or_default() += node.total;
            }
        } else if name != regressed
            && outermost(name)
            && path.iter().any(|p| after.name(*p) == regressed)
        {
            // A callee of the regressed function, counted where it first appears under it.
            *with.entry(name.to_owned()).or_default() += node.total;
        }
    });
    let share = |totals: &HashMap<String, u64>, tree: &CallTree, name: &str| {
        totals.get(name).copied().unwrap_or(0) as f64 / tree.total().max(1) as f64
    };
    with.into_iter()
        .filter(|(name, _)| share(&after_totals, after, name) > share(&before_totals, before, name))
        .map(|(name, samples)| {
            let weight = (samples as f64 / regressed_total.max(1) as f64).min(1.0);
            (name, weight)
        })
        .collect()
}

/// Every function's total in `tree` (a recursive function counted at its outermost frame),
/// showing `visit` each node with the names on its path, itself last.
fn totals(tree: &CallTree, mut visit: impl FnMut(&[u32], &TreeNode)) -> HashMap<String, u64> {
    let mut totals: HashMap<String, u64> = HashMap::new();
    tree.walk_paths(|path, node| {
        let name = tree.name_of(node);
        let callers = &path[..path.len() - 1];
        if callers.iter().all(|p| tree.name(*p) != name) {
            *totals.entry(name.to_owned()).or_default() += node.total;
        }
        visit(path, node);
    });
    totals
}

/// The code spans of `regressed` and its `related` functions from the profile's `sites`, with
/// each build path made a repository path by `locate`; a function the profile does not place,
/// or whose file is not in the repository, has none.
pub fn code_spans(
    regressed: &str,
    related: &BTreeMap<String, f64>,
    sites: &[FunctionSite],
    locate: impl Fn(&str) -> Option<String>,
) -> Vec<CodeSpan> {
    let first_line = |s: &FunctionSite| {
        s.start_line
            .filter(|l| *l > 0)
            .or_else(|| s.sampled.iter().copied().filter(|l| *l > 0).min())
    };
    let mut spans = Vec::new();
    for site in sites {
        let role = match related.get(&site.name) {
            _ if site.name == regressed => Role::Regressed,
            Some(weight) => Role::Related { weight: *weight },
            None => continue,
        };
        let start = first_line(site);
        let next_start = sites
            .iter()
            .filter(|s| s.file == site.file)
            .filter_map(first_line)
            .filter(|l| start.is_some_and(|start| *l > start))
            .min();
        let (Some(lines), Some(file)) = (span_of(site, next_start), locate(&site.file)) else {
            continue;
        };
        spans.push(CodeSpan {
            function: site.name.clone(),
            file,
            lines,
            role,
        });
    }
    spans
}

#[cfg(test)]
#[path = "stacks_tests.rs"]
mod tests;

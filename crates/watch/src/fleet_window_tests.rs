//! Merging summaries: sums per function, the bound from each slice's smallest kept count.

use super::*;

fn kept(name: &str, self_samples: u64) -> KeptFunction {
    KeptFunction::new(name.into(), self_samples, self_samples + 1)
}

fn slice(start: i64, total: u64, functions: Vec<KeptFunction>) -> SliceSummary {
    SliceSummary {
        start,
        total_samples: total,
        versions: Vec::new(),
        refs: Vec::new(),
        functions,
    }
}

#[test]
fn an_apps_slices_add_up_in_any_order_and_the_bound_sums_each_slices_smallest_kept_count() {
    let mut merge = FleetMerge::new(10);
    merge.push("b", slice(0, 10, vec![]));
    merge.push("a", slice(300, 100, vec![kept("f", 60), kept("g", 30)]));
    merge.push("a", slice(0, 50, vec![kept("g", 40), kept("h", 5)]));
    let merged = merge.finish();
    assert_eq!(merged.len(), 2);
    let a = &merged[0];
    assert_eq!(a.app, "a");
    assert_eq!(a.slices, [0, 300]);
    assert_eq!(a.total_samples, 150);
    // 30 (slice 300 did not keep h) + 5 (slice 0 did not keep f).
    assert_eq!(a.max_error_samples, 35);
    let names: Vec<(&str, u64, u64)> = a
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.self_samples, f.total_samples))
        .collect();
    assert_eq!(names, [("g", 70, 72), ("f", 60, 61), ("h", 5, 6)]);
    // A slice that kept nothing may hide all of itself.
    assert_eq!(merged[1].max_error_samples, 10);
    assert!(merged[1].functions.is_empty());
}

#[test]
fn only_the_top_functions_by_self_samples_then_name_are_kept() {
    let mut merge = FleetMerge::new(2);
    merge.push(
        "a",
        slice(0, 100, vec![kept("z", 5), kept("b", 5), kept("a", 5)]),
    );
    let merged = merge.finish();
    let names: Vec<&str> = merged[0]
        .functions
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn nothing_read_is_nothing_merged() {
    assert!(FleetMerge::new(50).finish().is_empty());
}

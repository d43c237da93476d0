use std::collections::BTreeMap;

use super::{code_spans, related};
use crate::suspects::model::{CodeSpan, LineRange, Role};
use pf_model::FunctionSite;
use pf_testing::trees::tree_of;

#[test]
fn callers_and_callees_whose_share_rose_are_weighted_by_the_regression_under_them() {
    // score doubles under route; render, beside it, loses share; hash runs inside score.
    let before = tree_of(&[
        ("main;route;score", 100),
        ("main;route;render", 300),
        ("main;idle", 600),
    ]);
    let after = tree_of(&[
        ("main;route;score", 300),
        ("main;route;score;hash", 100),
        ("main;route;render", 300),
        ("main;other;score", 100),
        ("main;idle", 200),
    ]);
    let weights = related("score", &before, &after);
    // route holds 400 of score's 500 samples, other (new: 0 → 10 %) 100, hash 100 of them in
    // score. main holds them all but is all of both profiles: its share did not rise. render
    // and idle are not on score's stacks.
    let expected: BTreeMap<String, f64> = [("hash", 0.2), ("other", 0.2), ("route", 0.8)]
        .into_iter()
        .map(|(n, w)| (n.to_owned(), w))
        .collect();
    assert_eq!(weights, expected);
    // A caller whose share fell is no evidence.
    let fell = tree_of(&[("main;route;score", 10), ("main;idle", 990)]);
    let before_heavy = tree_of(&[("main;route;score", 5), ("main;route;x", 995)]);
    assert!(!related("score", &before_heavy, &fell).contains_key("route"));
}

#[test]
fn recursion_counts_a_function_once_on_each_stack() {
    let before = tree_of(&[("main;walk;walk;leaf", 10), ("main;idle", 90)]);
    let after = tree_of(&[("main;walk;walk;leaf", 60), ("main;idle", 40)]);
    let weights = related("leaf", &before, &after);
    assert_eq!(weights.get("walk"), Some(&1.0));
    let weights = related("walk", &before, &after);
    assert_eq!(weights.get("leaf"), Some(&1.0));
}

fn site(name: &str, file: &str, start: Option<u32>, sampled: &[u32]) -> FunctionSite {
    FunctionSite {
        name: name.into(),
        file: file.into(),
        start_line: start,
        sampled: sampled.to_vec(),
    }
}

#[test]
fn spans_place_the_regressed_and_related_functions_in_the_repository() {
    let sites = [
        site("main.score", "/build/app/score.go", None, &[12, 15]),
        site("main.route", "/build/app/route.go", Some(3), &[7]),
        site("main.idle", "/build/app/route.go", Some(20), &[22]),
        site("main.vendored", "/go/pkg/x.go", Some(1), &[2]),
    ];
    let related: BTreeMap<String, f64> = [
        ("main.route".to_owned(), 0.8),
        ("main.vendored".to_owned(), 0.1),
    ]
    .into();
    let locate = |build: &str| build.strip_prefix("/build/").map(str::to_owned);
    let spans = code_spans("main.score", &related, &sites, locate);
    assert_eq!(
        spans,
        [
            CodeSpan {
                function: "main.score".into(),
                file: "app/score.go".into(),
                lines: LineRange::new(12, 15),
                role: Role::Regressed,
            },
            CodeSpan {
                function: "main.route".into(),
                file: "app/route.go".into(),
                lines: LineRange::new(3, 7),
                role: Role::Related { weight: 0.8 },
            },
        ]
    );
}

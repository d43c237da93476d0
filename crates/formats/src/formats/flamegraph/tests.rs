//! Unit and property tests of the flame-graph parser against a quadratic reference.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::formats::testdata;

fn run(names: &[&str], levels: &[&[i64]], total: u64) -> FlameGraphStats {
    analyse(names, levels, total).expect("valid graph")
}

fn err(names: &[&str], levels: &[&[i64]], total: u64) -> FlamegraphError {
    analyse(names, levels, total).expect_err("invalid graph")
}

/// (self, total) by name; also asserts the ranking order.
fn by_name(stats: &FlameGraphStats) -> BTreeMap<&str, (u64, u64)> {
    let ranked = stats
        .functions
        .windows(2)
        .all(|w| (w[1].self_samples, &w[0].name) < (w[0].self_samples, &w[1].name));
    assert!(ranked, "not ranked: {:?}", stats.functions);
    let map: BTreeMap<_, _> = stats
        .functions
        .iter()
        .map(|f| (f.name.as_str(), (f.self_samples, f.total_samples)))
        .collect();
    assert_eq!(map.len(), stats.functions.len(), "duplicate function");
    map
}

fn order(stats: &FlameGraphStats) -> Vec<&str> {
    stats.functions.iter().map(|f| f.name.as_str()).collect()
}

/// Quadratic reference: absolute spans, parent by full scan, ancestors by walking up.
fn naive(names: &[String], levels: &[Vec<i64>]) -> BTreeMap<String, (u64, u64)> {
    let mut spans: Vec<Vec<(u64, u64, u64, usize)>> = Vec::new();
    for level in levels {
        let mut end = 0;
        let decoded = level.chunks(4).map(|t| {
            let start = end + t[0] as u64;
            end = start + t[1] as u64;
            (start, end, t[2] as u64, t[3] as usize)
        });
        spans.push(decoded.collect());
    }
    let parent = |d: usize, x: u64| spans[d - 1].iter().position(|p| p.0 <= x && x < p.1);
    let mut out: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for d in 1..spans.len() {
        for &(start, end, self_samples, name) in &spans[d] {
            if start == end {
                continue;
            }
            let name = &names[name];
            let (mut level, mut x, mut recursive) = (d, start, false);
            while level > 1 {
                let p = spans[level - 1][parent(level, x).expect("parent")];
                recursive |= &names[p.3] == name;
                (level, x) = (level - 1, p.0);
            }
            let entry = out.entry(name.clone()).or_default();
            entry.0 += self_samples;
            if !recursive {
                entry.1 += end - start;
            }
        }
    }
    // Pyroscope's `other` is the remainder of a cut graph, never a function.
    out.remove(super::TRUNCATED_NAME);
    out
}

fn owned(map: BTreeMap<&str, (u64, u64)>) -> BTreeMap<String, (u64, u64)> {
    map.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

#[test]
fn merges_call_sites_of_one_function() {
    // main(10) -> a(20) -> b(30);  main -> c(25) -> b(15)
    let s = run(
        &["total", "main", "a", "b", "c"],
        &[
            &[0, 100, 0, 0],
            &[0, 100, 10, 1],
            &[0, 50, 20, 2, 0, 40, 25, 4],
            &[0, 30, 30, 3, 20, 15, 15, 3],
        ],
        100,
    );
    assert_eq!(order(&s), ["b", "c", "a", "main"]);
    let m = by_name(&s);
    assert_eq!(m["b"], (45, 45));
    assert_eq!(m["a"], (20, 50));
    assert_eq!(m["c"], (25, 40));
    assert_eq!(m["main"], (10, 100));
    assert_eq!(s.total_samples, 100);
    assert_eq!(s.self_percent(&s.functions[0]), 45.0);
    assert_eq!(s.total_percent(&s.functions[3]), 100.0);
}

#[test]
fn direct_recursion_counts_total_once() {
    let s = run(
        &["total", "a", "b"],
        &[
            &[0, 100, 0, 0],
            &[0, 100, 10, 1],
            &[0, 90, 20, 1],
            &[0, 70, 30, 1],
            &[0, 40, 40, 2],
        ],
        100,
    );
    let m = by_name(&s);
    assert_eq!(m["a"], (60, 100));
    assert_eq!(m["b"], (40, 40));
}

#[test]
fn indirect_recursion_counts_total_once() {
    // a -> b -> a -> b, plus a separate top-level b.
    let s = run(
        &["total", "a", "b"],
        &[
            &[0, 120, 0, 0],
            &[0, 100, 10, 1, 0, 20, 20, 2],
            &[0, 90, 20, 2],
            &[0, 70, 30, 1],
            &[0, 40, 40, 2],
        ],
        120,
    );
    let m = by_name(&s);
    assert_eq!(m["a"], (40, 100));
    assert_eq!(m["b"], (80, 110));
}

#[test]
fn delta_offsets_across_gaps() {
    // main [0,100) self 30; level 2: x [5,25) y [35,65) z [80,95); level 3: y [10,25) under
    // x and z [40,60) under y. Offsets count from the previous node's end, not from 0.
    let names = ["total", "main", "x", "y", "z"];
    let levels: [&[i64]; 4] = [
        &[0, 100, 0, 0],
        &[0, 100, 30, 1],
        &[5, 20, 5, 2, 10, 30, 10, 3, 15, 15, 15, 4],
        &[10, 15, 15, 3, 15, 20, 20, 4],
    ];
    let s = run(&names, &levels, 100);
    let m = by_name(&s);
    assert_eq!(m["main"], (30, 100));
    assert_eq!(m["x"], (5, 20));
    assert_eq!(m["y"], (25, 45));
    assert_eq!(m["z"], (35, 35));
    // A node starting in the gap before x has no parent.
    let orphan = err(
        &names,
        &[levels[0], levels[1], levels[2], &[0, 5, 5, 3]],
        100,
    );
    assert!(matches!(
        orphan,
        FlamegraphError::NoParent {
            level: 3,
            node: 0,
            x: 0
        }
    ));
}

#[test]
fn empty_profiles() {
    for json in [
        "{}",
        r#"{"flamegraph":null}"#,
        r#"{"flamegraph":{}}"#,
        r#"{"flamegraph":{"names":null,"levels":null,"total":null}}"#,
        r#"{"flamegraph":{"names":["total"],"levels":[{"values":["0","0","0","0"]}]}}"#,
        r#"{"flamegraph":{"names":["total"],"levels":[{"values":[0,0,0,0]}],"total":"0","maxSelf":"0"}}"#,
    ] {
        let s = parse_connect(json.as_bytes()).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(s, FlameGraphStats::default(), "{json}");
        assert_eq!(s.truncated_percent(), 0.0);
    }
    for json in [
        "{}",
        r#"{"flamebearer":{"names":["total"],"levels":[[0,0,0,0]],"numTicks":0,"maxSelf":0},"metadata":{"format":"single"}}"#,
        r#"{"flamebearer":{},"metadata":{}}"#,
    ] {
        let s = parse_legacy(json.as_bytes()).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(s, FlameGraphStats::default(), "{json}");
    }
    assert_eq!(run(&[], &[], 0), FlameGraphStats::default());
}

#[test]
fn diff_and_unknown_formats_are_rejected() {
    let double = r#"{"flamebearer":{"names":["total","a"],"levels":[[0,10,0,0,10,0,0],[0,10,10,0,10,10,1]],"numTicks":20,"leftTicks":10,"rightTicks":10},"metadata":{"format":"double"}}"#;
    assert!(matches!(
        parse_legacy(double.as_bytes()),
        Err(FlamegraphError::DiffFormat)
    ));
    let odd = r#"{"flamebearer":{},"metadata":{"format":"triple"}}"#;
    assert!(matches!(
        parse_legacy(odd.as_bytes()),
        Err(FlamegraphError::UnsupportedFormat(f)) if f == "triple"
    ));
}

#[test]
fn truncated_json_is_rejected() {
    let g = testdata::generate(200, 7);
    let (connect, legacy) = (g.to_connect_json(), g.to_legacy_json());
    assert!(parse_connect(connect.as_bytes()).is_ok());
    assert!(parse_legacy(legacy.as_bytes()).is_ok());
    for cut in [1, connect.len() / 3, connect.len() / 2, connect.len() - 1] {
        let r = parse_connect(&connect.as_bytes()[..cut]);
        assert!(matches!(r, Err(FlamegraphError::Json(_))), "cut {cut}");
    }
    for cut in [1, legacy.len() / 2, legacy.len() - 1] {
        let r = parse_legacy(&legacy.as_bytes()[..cut]);
        assert!(matches!(r, Err(FlamegraphError::Json(_))), "cut {cut}");
    }
    assert!(matches!(parse_connect(b""), Err(FlamegraphError::Json(_))));
    assert!(matches!(
        parse_connect(b"{} x"),
        Err(FlamegraphError::Json(_))
    ));
}

#[test]
fn inconsistent_graphs_are_rejected() {
    use FlamegraphError as E;
    let n = ["total", "a", "b"];
    let root: &[i64] = &[0, 10, 0, 0];
    type Case<'a> = (Vec<&'a [i64]>, u64, fn(&E) -> bool);
    let cases: Vec<Case> = vec![
        // Child ends past its parent.
        (vec![root, &[0, 10, 0, 1], &[5, 6, 6, 2]], 10, |e| {
            matches!(e, E::ChildOutsideParent { level: 2, node: 0 })
        }),
        (vec![root, &[0, 10, 0, 7]], 10, |e| {
            matches!(
                e,
                E::NameIndexOutOfRange {
                    level: 1,
                    node: 0,
                    index: 7,
                    names: 3
                }
            )
        }),
        (vec![root, &[0, 10, 0, 1, 0]], 10, |e| {
            matches!(e, E::TupleLength { level: 1, len: 5 })
        }),
        (vec![root, &[0, 10, 11, 1]], 10, |e| {
            matches!(
                e,
                E::SelfExceedsTotal {
                    level: 1,
                    node: 0,
                    self_samples: 11,
                    total: 10
                }
            )
        }),
        (vec![root, &[0, 10, -1, 1]], 10, |e| {
            matches!(
                e,
                E::NegativeValue {
                    level: 1,
                    node: 0,
                    value: -1
                }
            )
        }),
        // Starts after the root ends.
        (vec![root, &[10, 1, 1, 1]], 10, |e| {
            matches!(e, E::NoParent { x: 10, .. })
        }),
        // Level 1 has nodes but level 2 lost its parent level (an empty level between).
        (vec![root, &[], &[0, 1, 1, 1]], 10, |e| {
            matches!(e, E::NoParent { level: 2, .. })
        }),
        // Self plus children exceed the parent's total.
        (vec![root, &[0, 10, 5, 1], &[0, 6, 6, 2]], 10, |e| {
            matches!(
                e,
                E::ChildrenExceedParent {
                    level: 1,
                    node: 0,
                    sum: 11,
                    total: 10
                }
            )
        }),
        (vec![root], 11, |e| {
            matches!(
                e,
                E::TotalMismatch {
                    root: 10,
                    declared: 11
                }
            )
        }),
        (vec![&[0, 10, 0, 0, 0, 1, 1, 1]], 10, |e| {
            matches!(e, E::RootCount { found: 2 })
        }),
        (vec![&[]], 0, |e| matches!(e, E::RootCount { found: 0 })),
        (
            vec![root, &[i64::MAX, i64::MAX, 0, 1, i64::MAX, 1, 0, 1]],
            10,
            |e| matches!(e, E::Overflow { level: 1, node: 1 }),
        ),
    ];
    for (i, (levels, total, expected)) in cases.iter().enumerate() {
        let e = err(&n, levels, *total);
        assert!(expected(&e), "case {i}: {e:?}");
    }
    assert!(matches!(err(&n, &[], 0), E::MissingLevels { names: 3 }));
    assert!(matches!(
        err(&[], &[], 5),
        E::TotalMismatch {
            root: 0,
            declared: 5
        }
    ));
    assert!(matches!(
        err(&[], &[root], 10),
        E::NameIndexOutOfRange { names: 0, .. }
    ));
    let negative = r#"{"flamegraph":{"names":["total"],"levels":[{"values":["0","0","0","0"]}],"total":"-1"}}"#;
    assert!(matches!(
        parse_connect(negative.as_bytes()),
        Err(E::NegativeTotal(-1))
    ));
    let no_levels = r#"{"flamegraph":{"names":["total"],"total":"0"}}"#;
    assert!(matches!(
        parse_connect(no_levels.as_bytes()),
        Err(E::MissingLevels { names: 1 })
    ));
    let no_levels = r#"{"flamebearer":{"names":["total"],"numTicks":0}}"#;
    assert!(matches!(
        parse_legacy(no_levels.as_bytes()),
        Err(E::MissingLevels { names: 1 })
    ));
}

#[test]
fn non_integer_values_are_rejected() {
    for bad in [
        "1.5",
        r#""1.5""#,
        r#""abc""#,
        "true",
        "null",
        "9223372036854775808",
        r#""""#,
    ] {
        let json = format!(
            r#"{{"flamegraph":{{"names":["total"],"levels":[{{"values":["0",{bad},"0","0"]}}],"total":"1"}}}}"#
        );
        let r = parse_connect(json.as_bytes());
        assert!(matches!(r, Err(FlamegraphError::Json(_))), "{bad}: {r:?}");
    }
}

#[test]
fn connect_int64_strings_and_numbers() {
    let json = r#"{"flamegraph":{"names":["total","main","work"],
        "levels":[{"values":["0","9000000000","0","0"]},{"values":[0,"9000000000","1",1]},
        {"values":["0","8999999999","8999999999","2"]}],"total":"9000000000","maxSelf":"8999999999"}}"#;
    let s = parse_connect(json.as_bytes()).expect("valid");
    assert_eq!(s.total_samples, 9_000_000_000);
    let m = by_name(&s);
    assert_eq!(m["work"], (8_999_999_999, 8_999_999_999));
    assert_eq!(m["main"], (1, 9_000_000_000));
    let numeric = json.replace("\"total\":\"9000000000\"", "\"total\":9000000000");
    assert_eq!(parse_connect(numeric.as_bytes()).expect("valid"), s);
}

#[test]
fn names_with_separators_unicode_and_escapes() {
    let json = r#"{"flamegraph":{"names":["total","com/example/Foo.bar","std::vec::Vec<T>::push",
        "日本語::関数","caf\u00e9 \"quoted\"","a\/b"],
        "levels":[{"values":["0","15","0","0"]},
        {"values":["0","5","5","1","0","4","4","2","0","3","3","3","0","2","2","4","0","1","1","5"]}],
        "total":"15"}}"#;
    let s = parse_connect(json.as_bytes()).expect("valid");
    assert_eq!(
        order(&s),
        [
            "com/example/Foo.bar",
            "std::vec::Vec<T>::push",
            "日本語::関数",
            "café \"quoted\"",
            "a/b"
        ]
    );
}

#[test]
fn other_nodes_are_counted_as_truncated_and_never_ranked_as_a_function() {
    let s = run(
        &["total", "main", "other", "a"],
        &[
            &[0, 100, 0, 0],
            &[0, 100, 10, 1],
            &[0, 60, 10, 3, 0, 20, 20, 2],
            &[0, 50, 0, 3],
            &[0, 5, 5, 2, 0, 45, 45, 3],
        ],
        100,
    );
    let m = by_name(&s);
    assert!(!m.contains_key("other"), "{m:?}");
    assert_eq!(m["a"], (55, 60));
    assert_eq!(s.truncated_samples, 25);
    assert_eq!(s.truncated_percent(), 25.0);
    let none = run(&["total", "a"], &[&[0, 1, 0, 0], &[0, 1, 1, 1]], 1);
    assert_eq!(none.truncated_samples, 0);
}

#[test]
fn ranking_breaks_ties_by_name() {
    let s = run(
        &["total", "b", "c", "a", "d"],
        &[
            &[0, 50, 0, 0],
            &[0, 10, 10, 1, 0, 10, 10, 2, 0, 10, 10, 3, 0, 20, 20, 4],
        ],
        50,
    );
    assert_eq!(order(&s), ["d", "a", "b", "c"]);
}

#[test]
fn root_is_never_reported_but_a_function_named_like_it_is() {
    let s = run(
        &["total", "a"],
        &[&[0, 10, 0, 0], &[0, 10, 4, 1], &[0, 6, 6, 0]],
        10,
    );
    let m = by_name(&s);
    assert_eq!(m.len(), 2);
    assert_eq!(m["total"], (6, 6));
    assert_eq!(m["a"], (4, 10));
}

#[test]
fn duplicate_name_strings_are_one_function() {
    // Index 1 and 2 are both "a": recursion through the duplicate still counts once.
    let s = run(
        &["total", "a", "a"],
        &[&[0, 10, 0, 0], &[0, 10, 4, 1], &[0, 6, 6, 2]],
        10,
    );
    assert_eq!(by_name(&s)["a"], (10, 10));
}

#[test]
fn zero_total_nodes_are_ignored() {
    // A zero-width node sitting exactly at its neighbour's end needs no parent.
    let s = run(
        &["total", "a", "b"],
        &[&[0, 10, 0, 0], &[0, 10, 10, 1, 0, 0, 0, 2]],
        10,
    );
    assert_eq!(order(&s), ["a"]);
}

#[test]
fn deep_recursion_is_linear() {
    for depth in [2_000usize, 50_000] {
        let mut levels = vec![vec![0, depth as i64, 0, 0]];
        // a -> b -> a -> ... alternating, each node keeping one self sample.
        for d in 1..depth {
            levels.push(vec![0, (depth - d + 1) as i64, 1, 1 + (d % 2) as i64]);
        }
        let s = analyse(&["total", "a", "b"], &levels, depth as u64).expect("valid");
        let m = by_name(&s);
        assert_eq!(m["a"].1 + m["b"].1, 2 * depth as u64 - 1, "depth {depth}");
        assert_eq!(m["b"], (depth as u64 / 2, depth as u64), "depth {depth}");
    }
}

#[test]
fn generated_graph_matches_reference_in_both_formats() {
    let g = testdata::generate(3_000, 42);
    assert!(g.node_count() > 2_000, "{}", g.node_count());
    let s = analyse(&g.names, &g.levels, g.total).expect("valid");
    assert_eq!(owned(by_name(&s)), naive(&g.names, &g.levels));
    assert!(s.truncated_samples > 0);
    assert_eq!(
        parse_connect(g.to_connect_json().as_bytes()).expect("connect"),
        s
    );
    assert_eq!(
        parse_legacy(g.to_legacy_json().as_bytes()).expect("legacy"),
        s
    );
}

#[test]
fn benchmark_sized_graph_is_valid() {
    let g = testdata::generate(50_000, 0x5eed);
    assert!(
        (40_000..=60_000).contains(&g.node_count()),
        "{}",
        g.node_count()
    );
    assert!((30..=61).contains(&g.levels.len()), "{}", g.levels.len());
    let s = parse_connect(g.to_connect_json().as_bytes()).expect("valid");
    assert!(s.truncated_samples > 0 && s.functions.len() > 1_000);
}

fn plausible_value() -> impl Strategy<Value = i64> {
    prop_oneof![8 => -1i64..24, 1 => Just(i64::MAX), 1 => Just(i64::MIN)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_connect(&bytes);
        let _ = parse_legacy(&bytes);
    }

    #[test]
    fn corrupted_json_never_panics(seed in any::<u64>(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let g = testdata::generate(40, seed);
        for mut json in [g.to_connect_json().into_bytes(), g.to_legacy_json().into_bytes()] {
            let i = at.index(json.len());
            json[i] = byte;
            let _ = parse_connect(&json);
            let _ = parse_legacy(&json);
        }
    }

    #[test]
    fn plausible_levels_never_panic(
        name_count in 0usize..4,
        levels in prop::collection::vec(
            prop::collection::vec(prop::array::uniform4(plausible_value()), 0..5), 0..6),
        ragged in any::<bool>(),
        total in prop_oneof![Just(None), (0u64..40).prop_map(Some)],
    ) {
        let names = &["total", "a", "other"][..name_count.min(3)];
        let mut levels: Vec<Vec<i64>> = levels.into_iter().map(|l| l.concat()).collect();
        if ragged {
            if let Some(l) = levels.last_mut() { l.push(1); }
        }
        // Often use the root's own total so validation reaches the deeper levels.
        let root_total = levels.first().and_then(|l| l.get(1)).map_or(0, |&t| t.max(0) as u64);
        if let Ok(s) = analyse(names, &levels, total.unwrap_or(root_total)) {
            prop_assert!(s.functions.iter().all(|f| f.self_samples <= f.total_samples));
            prop_assert!(s.functions.iter().all(|f| f.total_samples <= s.total_samples));
        }
    }

    #[test]
    fn generated_graphs_match_reference(nodes in 1usize..300, seed in any::<u64>()) {
        let g = testdata::generate(nodes, seed);
        let s = analyse(&g.names, &g.levels, g.total).expect("generated graphs are valid");
        prop_assert_eq!(owned(by_name(&s)), naive(&g.names, &g.levels));
        prop_assert_eq!(parse_connect(g.to_connect_json().as_bytes()).expect("connect"), s);
    }
}

#[test]
fn a_tree_written_back_as_connect_json_reads_the_same() {
    for seed in [1, 7, 0x5eed] {
        let graph = testdata::generate(3_000, seed);
        let first = parse_connect(graph.to_connect_json().as_bytes()).unwrap();
        let json = connect_json(&first.tree);
        let second = parse_connect(json.as_bytes()).unwrap();
        assert_eq!(second.functions, first.functions, "seed {seed}");
        assert_eq!(second.total_samples, first.total_samples);
        assert_eq!(connect_json(&second.tree), json, "seed {seed}");
    }
    let empty = FlameGraphStats::default();
    let parsed = parse_connect(connect_json(&empty.tree).as_bytes()).unwrap();
    assert_eq!(parsed.total_samples, 0);
}

#[test]
fn fields_in_any_order_read_the_same() {
    let g = testdata::generate(2_000, 11);
    // serde_json's `Value` sorts keys: `levels` then comes before `names`, so the levels are
    // kept until the names are known instead of going into the tree as they are read.
    let sorted = |json: String| {
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let sorted = value.to_string();
        assert!(sorted.find("\"levels\"") < sorted.find("\"names\""));
        sorted
    };
    let connect = g.to_connect_json();
    assert_eq!(
        parse_connect(sorted(connect.clone()).as_bytes()).unwrap(),
        parse_connect(connect.as_bytes()).unwrap()
    );
    let legacy = g.to_legacy_json();
    assert_eq!(
        parse_legacy(sorted(legacy.clone()).as_bytes()).unwrap(),
        parse_legacy(legacy.as_bytes()).unwrap()
    );
}

#[test]
fn a_malformed_document_is_reported_before_a_level_that_does_not_fit() {
    let bad_level =
        r#"{"flamegraph":{"names":["total"],"levels":[{"values":["0","1","0","5"]}],"total":"1"}"#;
    assert!(matches!(
        parse_connect(format!("{bad_level}}}").as_bytes()),
        Err(FlamegraphError::NameIndexOutOfRange { index: 5, .. })
    ));
    // The same level, then a syntax error: the document is what is wrong first.
    assert!(matches!(
        parse_connect(format!("{bad_level},}}").as_bytes()),
        Err(FlamegraphError::Json(_))
    ));
    let duplicate = r#"{"flamegraph":{"names":[],"names":[]}}"#;
    let e = parse_connect(duplicate.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("duplicate field `names`"), "{e}");
}

//! Sites read from hand-built profiles: files, first lines, sampled lines, inlining, the
//! flame graph's names, py-spy's frames, sample types and label filters.

use super::super::encode::to_bytes;
use super::super::{parse_file, PprofError};
use super::{function_sites, py_spy_place};
use crate::test_profiles::{placed as profile, LIMITS};
use pf_model::FunctionSite;

fn site(name: &str, file: &str, start_line: Option<u32>, sampled: &[u32]) -> FunctionSite {
    FunctionSite {
        name: name.into(),
        file: file.into(),
        start_line,
        sampled: sampled.to_vec(),
    }
}

#[test]
fn each_sampled_function_is_placed_with_its_inlined_lines() {
    for gzip in [false, true] {
        let sites = function_sites(&to_bytes(&profile(), gzip), LIMITS, 0, None).unwrap();
        assert_eq!(
            sites,
            [
                site("main.main", "main.go", Some(3), &[10, 11]),
                site("main.work", "work.go", Some(20), &[22, 24]),
                site("runtime.sys", "main.go", None, &[]),
            ],
            "sorted by name; idle's values are negative, py-spy's handle has no cpu"
        );
    }
}

#[test]
fn sites_are_named_as_the_flame_graph_ranks_them() {
    let bytes = to_bytes(&profile(), true);
    let parsed = parse_file(&bytes, LIMITS).unwrap();
    for index in [0, 1] {
        let ranked: Vec<String> = parsed
            .stats(index)
            .unwrap()
            .functions
            .into_iter()
            .map(|f| f.name)
            .collect();
        for site in function_sites(&bytes, LIMITS, index, None).unwrap() {
            assert!(ranked.contains(&site.name), "{} in {ranked:?}", site.name);
        }
    }
}

#[test]
fn a_py_spy_frame_is_placed_by_its_name_and_a_bare_name_nowhere() {
    let sites = function_sites(&to_bytes(&profile(), false), LIMITS, 1, None).unwrap();
    assert_eq!(
        sites,
        [
            site("handle (app.py:12)", "app.py", None, &[12]),
            site("main.main", "main.go", Some(3), &[10, 11]),
            site("main.work", "work.go", Some(20), &[24]),
        ],
        "idle has no file; only the samples of alloc count"
    );
    assert_eq!(py_spy_place("handle (app.py:12)"), Some(("app.py", 12)));
    assert_eq!(py_spy_place("f (C:\\app.py:7)"), Some(("C:\\app.py", 7)));
    assert_eq!(
        py_spy_place("<module> (/srv/app.py:1)"),
        Some(("/srv/app.py", 1))
    );
    for no in [
        "handle",
        "handle (app.py)",
        "handle (app.py:0)",
        "handle (:3)",
        "f(app.py:3)",
    ] {
        assert_eq!(py_spy_place(no), None, "{no}");
    }
}

#[test]
fn a_label_filter_keeps_only_the_samples_it_selects() {
    let keep = |pairs: &[(&str, &str)]| pairs.contains(&("version", "2"));
    let bytes = to_bytes(&profile(), false);
    let sites = function_sites(&bytes, LIMITS, 0, Some(&keep)).unwrap();
    assert_eq!(
        sites,
        [
            site("main.main", "main.go", Some(3), &[10, 11]),
            site("main.work", "work.go", Some(20), &[22]),
        ]
    );
}

#[test]
fn a_missing_sample_type_or_a_broken_file_is_an_error() {
    let bytes = to_bytes(&profile(), false);
    assert!(matches!(
        function_sites(&bytes, LIMITS, 2, None),
        Err(PprofError::Invalid(_))
    ));
    assert!(function_sites(b"not a profile", LIMITS, 0, None).is_err());
    let mut nameless = profile();
    nameless.function[1].filename = 99;
    let sites = function_sites(&to_bytes(&nameless, false), LIMITS, 0, None).unwrap();
    assert_eq!(
        sites.len(),
        2,
        "main.work has no file it can name: {sites:?}"
    );
    let mut dangling = profile();
    dangling.sample[0].location_id.push(99);
    assert!(matches!(
        function_sites(&to_bytes(&dangling, false), LIMITS, 0, None),
        Err(PprofError::BadIndex { .. })
    ));
}

#[test]
fn a_jvm_frame_without_a_file_lives_in_its_classs_java_file() {
    assert_eq!(
        super::java_file("com/example/ledger/EntryValidator.validate").as_deref(),
        Some("com/example/ledger/EntryValidator.java")
    );
    assert_eq!(
        super::java_file("com/example/Outer$Inner.run").as_deref(),
        Some("com/example/Outer.java")
    );
    assert_eq!(
        super::java_file("com/example/Foo.<init>").as_deref(),
        Some("com/example/Foo.java")
    );
    // Not a JVM frame: no package, a Go or C name, a py-spy name.
    for name in [
        "Foo.bar",
        "main.score",
        "G1 Young Generation",
        "handle (app.py:12)",
        "libc.so.6",
    ] {
        assert_eq!(super::java_file(name), None, "{name}");
    }
}

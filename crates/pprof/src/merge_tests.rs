//! Two profiles of the same program written with different ids and string orders, merged by
//! hand: functions and locations kept once by content, inlined lines kept, stacks summed, and
//! stacks cut to their innermost locations merged again.

use std::num::NonZeroUsize;

use super::CpuMerge;
use crate::encode::to_bytes;
use crate::proto::{Function, Label, Line, Location, Profile, Sample, ValueType};
use crate::test_profiles::LIMITS;
use crate::SampleFilter;

const MS: i64 = 1_000_000;

fn strings(table: &[&str]) -> Vec<Vec<u8>> {
    table.iter().map(|s| s.as_bytes().to_vec()).collect()
}

fn function(id: u64, name: i64, filename: i64, start_line: i64) -> Function {
    Function {
        id,
        name,
        system_name: name,
        filename,
        start_line,
    }
}

fn location(id: u64, address: u64, lines: &[(u64, i64)]) -> Location {
    Location {
        id,
        address,
        line: lines
            .iter()
            .map(|&(function_id, line)| Line { function_id, line })
            .collect(),
    }
}

fn sample(stack: &[u64], count: i64, nanos: i64) -> Sample {
    Sample {
        location_id: stack.to_vec(),
        value: vec![count, nanos],
        label: Vec::new(),
    }
}

/// The string table's head in every Go CPU profile here: entries 1..=4 are `samples count cpu
/// nanoseconds`, so a program's own strings start at 5.
const GO_CPU_STRINGS: [&str; 5] = ["", "samples", "count", "cpu", "nanoseconds"];

/// Go's CPU types, then `names` from string 5 on.
fn go_profile(names: &[&str], f: Vec<Function>, l: Vec<Location>, s: Vec<Sample>) -> Profile {
    let table: Vec<&str> = GO_CPU_STRINGS.iter().chain(names).copied().collect();
    Profile {
        sample_type: vec![
            ValueType { r#type: 1, unit: 2 },
            ValueType { r#type: 3, unit: 4 },
        ],
        sample: s,
        location: l,
        function: f,
        string_table: strings(&table),
        time_nanos: 0,
        duration_nanos: 0,
        period_type: Some(ValueType { r#type: 3, unit: 4 }),
        period: 10 * MS,
    }
}

/// main.c (starts at line 30 of a.go) inlined into main.b (line 20) at 0x10, called from
/// main.a (line 10) at 0x20.
fn first() -> Profile {
    go_profile(
        &["main.a", "main.b", "main.c", "a.go"],
        vec![
            function(1, 5, 8, 10),
            function(2, 6, 8, 20),
            function(3, 7, 8, 30),
        ],
        vec![
            location(1, 0x10, &[(3, 31), (2, 22)]),
            location(2, 0x20, &[(1, 12)]),
        ],
        vec![sample(&[1, 2], 1, 10 * MS), sample(&[2], 2, 20 * MS)],
    )
}

/// The same program, its ids and strings in another order, and main.c also at 0x30.
fn second() -> Profile {
    go_profile(
        &["a.go", "main.c", "main.a", "main.b"],
        vec![
            function(7, 7, 5, 10),
            function(9, 6, 5, 30),
            function(8, 8, 5, 20),
        ],
        vec![
            location(5, 0x20, &[(7, 12)]),
            location(6, 0x10, &[(9, 31), (8, 22)]),
            location(4, 0x30, &[(9, 33)]),
        ],
        vec![
            sample(&[6, 5], 3, 30 * MS),
            sample(&[4, 6, 5], 1, 10 * MS),
            sample(&[6], 1, 10 * MS),
        ],
    )
}

fn merged(profiles: &[Profile], keep: usize, filter: SampleFilter<'_>) -> Profile {
    let mut merge = CpuMerge::new(NonZeroUsize::new(keep), filter);
    for p in profiles {
        merge
            .add_file(&to_bytes(p, true), LIMITS, "cpu/nanoseconds")
            .expect("a valid profile");
    }
    merge.finish()
}

fn text(p: &Profile, i: i64) -> String {
    String::from_utf8_lossy(&p.string_table[i as usize]).into_owned()
}

/// Each sample as `frames;… count nanos`, leaf first, a location's lines joined by `+`
/// (innermost first), each line `name@line`; sorted.
fn samples(p: &Profile) -> Vec<String> {
    let location = |id: u64| {
        let l = p.location.iter().find(|l| l.id == id).expect("a location");
        let lines: Vec<String> = l
            .line
            .iter()
            .map(|line| {
                let f = p.function.iter().find(|f| f.id == line.function_id);
                let f = f.expect("a function");
                format!("{}@{}", text(p, f.name), line.line)
            })
            .collect();
        lines.join("+")
    };
    let mut out: Vec<String> = p
        .sample
        .iter()
        .map(|s| {
            let stack: Vec<String> = s.location_id.iter().map(|&id| location(id)).collect();
            format!("{} {} {}", stack.join(";"), s.value[0], s.value[1])
        })
        .collect();
    out.sort();
    out
}

#[test]
fn shared_functions_and_locations_are_kept_once_and_the_same_stacks_summed() {
    let p = merged(&[first(), second()], 0, None);
    let types: Vec<(String, String)> = p
        .sample_type
        .iter()
        .map(|t| (text(&p, t.r#type), text(&p, t.unit)))
        .collect();
    assert_eq!(
        types,
        [
            ("samples".into(), "count".into()),
            ("cpu".into(), "nanoseconds".into())
        ]
    );
    let period = p
        .period_type
        .as_ref()
        .map(|t| (text(&p, t.r#type), text(&p, t.unit)));
    assert_eq!(period, Some(("cpu".into(), "nanoseconds".into())));
    assert_eq!(p.period, 10 * MS);
    let functions: Vec<(String, String, String, i64)> = p
        .function
        .iter()
        .map(|f| {
            let (name, system) = (text(&p, f.name), text(&p, f.system_name));
            (name, system, text(&p, f.filename), f.start_line)
        })
        .collect();
    let f = |n: &str, l| (n.to_owned(), n.to_owned(), "a.go".to_owned(), l);
    assert_eq!(
        functions,
        [f("main.a", 10), f("main.b", 20), f("main.c", 30)]
    );
    assert_eq!(p.location.len(), 3, "0x10, 0x20 and 0x30, once each");
    assert_eq!(
        samples(&p),
        [
            "main.a@12 2 20000000",
            // 0x10 holds main.c inlined into main.b: one location, two lines.
            "main.c@31+main.b@22 1 10000000",
            "main.c@31+main.b@22;main.a@12 4 40000000",
            "main.c@33;main.c@31+main.b@22;main.a@12 1 10000000",
        ]
    );
}

#[test]
fn stacks_cut_to_their_innermost_locations_are_merged_again() {
    let p = merged(&[first(), second()], 1, None);
    assert_eq!(
        samples(&p),
        [
            "main.a@12 2 20000000",
            "main.c@31+main.b@22 5 50000000",
            "main.c@33 1 10000000",
        ]
    );
    let p = merged(&[first(), second()], 2, None);
    assert_eq!(
        samples(&p),
        [
            "main.a@12 2 20000000",
            "main.c@31+main.b@22 1 10000000",
            "main.c@31+main.b@22;main.a@12 4 40000000",
            "main.c@33;main.c@31+main.b@22 1 10000000",
        ]
    );
    let total = |p: &Profile| p.sample.iter().map(|s| s.value[1]).sum::<i64>();
    assert_eq!(total(&p), 80 * MS);
}

#[test]
fn a_count_of_samples_on_a_cpu_period_becomes_nanoseconds_and_labels_filter() {
    // One sample type, samples/count, on a 10 ms CPU period: a non-Go writer's CPU profile.
    let mut p = first();
    p.sample_type.truncate(1);
    for s in &mut p.sample {
        s.value.truncate(1);
    }
    p.string_table.extend(strings(&["region", "eu", "us"]));
    p.sample[0].label = vec![Label { key: 9, str: 10 }];
    p.sample[1].label = vec![Label { key: 9, str: 11 }];
    let mut merge = CpuMerge::new(None, None);
    merge
        .add_file(&to_bytes(&p, false), LIMITS, "samples/count")
        .expect("a valid profile");
    assert_eq!(merge.stacks(), 2);
    assert_eq!(
        samples(&merge.finish()),
        [
            "main.a@12 2 20000000",
            "main.c@31+main.b@22;main.a@12 1 10000000"
        ]
    );
    let eu = |pairs: &[(&str, &str)]| pairs.contains(&("region", "eu"));
    let mut merge = CpuMerge::new(None, Some(&eu));
    merge
        .add_file(&to_bytes(&p, true), LIMITS, "samples/count")
        .expect("a valid profile");
    assert_eq!(
        samples(&merge.finish()),
        ["main.c@31+main.b@22;main.a@12 1 10000000"]
    );
    // A file without the sample type asked for adds nothing.
    let mut merge = CpuMerge::new(None, None);
    merge
        .add_file(&to_bytes(&p, true), LIMITS, "cpu/nanoseconds")
        .expect("a valid profile");
    assert_eq!(merge.stacks(), 0);
}

#[test]
fn without_counts_the_nanoseconds_stand_alone_whatever_the_period_says() {
    // Pyroscope's merged answer: nanoseconds alone, on a period of one second.
    let mut answer = second();
    answer.sample_type.remove(0);
    for s in &mut answer.sample {
        s.value.remove(0);
    }
    answer.period = 1_000_000_000;
    let mut merge = CpuMerge::new(None, None).without_counts();
    merge
        .add_file(&to_bytes(&answer, false), LIMITS, "cpu/nanoseconds")
        .expect("a valid profile");
    let p = merge.finish();
    let types: Vec<String> = p.sample_type.iter().map(|t| text(&p, t.r#type)).collect();
    assert_eq!(types, ["cpu"]);
    let mut values: Vec<Vec<i64>> = p.sample.iter().map(|s| s.value.clone()).collect();
    values.sort();
    assert_eq!(values, [[10 * MS], [10 * MS], [30 * MS]]);
}

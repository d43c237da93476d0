//! Decoding, sloppy writers, hostile files, and stats equal to the flame-graph path's.

use std::collections::BTreeMap;

use super::encode::{self, Stack};
use super::proto::{Function, Line, Location, Profile, Sample, ValueType};
use super::test_profiles::{cpu_header, stacks, LIMITS};
use super::*;
use crate::testdata;
use pf_formats::formats::flamegraph::{analyse, FlameGraphStats, TRUNCATED_NAME};

fn stats_of(profiles: &[&ParsedProfile]) -> FlameGraphStats {
    let mut tree = StackTree::default();
    for p in profiles {
        tree.add(p, 0).expect("no overflow");
    }
    tree.stats().expect("valid tree")
}

fn parse(profile: &Profile, gzip: bool) -> Result<ParsedProfile, PprofError> {
    parse_file(&encode::to_bytes(profile, gzip), LIMITS)
}

/// (self, total) by name.
fn by_name(stats: &FlameGraphStats) -> BTreeMap<String, (u64, u64)> {
    stats
        .functions
        .iter()
        .map(|f| (f.name.clone(), (f.self_samples, f.total_samples)))
        .collect()
}

#[test]
fn folded_stacks_give_spec_stats_with_recursion_counted_once() {
    let folded = "main;a;b;a 10\nmain;a 5\nmain;c 0\nmain;c -3\nmain;b 5\n";
    for gzip in [false, true] {
        let p = parse(&encode::profile(&cpu_header(), &stacks(folded)), gzip).unwrap();
        let stats = stats_of(&[&p]);
        assert_eq!(stats.total_samples, 20);
        assert_eq!(stats.truncated_samples, 0);
        let names: Vec<_> = stats.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["a", "b", "main"],
            "ranked by self, then name; c has no samples"
        );
        let m = by_name(&stats);
        assert_eq!(m["a"], (15, 15));
        assert_eq!(m["b"], (5, 15));
        assert_eq!(m["main"], (0, 20));
    }
}

#[test]
fn generated_graph_as_pprof_ranks_exactly_like_its_flame_graph() {
    for (nodes, seed) in [(600, 1), (5_000, 7), (20_000, 42)] {
        let g = testdata::generate(nodes, seed);
        let expected = analyse(&g.names, &g.levels, g.total).unwrap();
        let p = parse(&g.to_pprof(), true).unwrap();
        let mut actual = stats_of(&[&p]);
        assert_eq!(actual.total_samples, expected.total_samples);
        // In a pprof file `other` is a name like any; in a flame graph, Pyroscope's remainder.
        actual.functions.retain(|f| f.name != TRUNCATED_NAME);
        assert_eq!(actual.functions, expected.functions, "seed {seed}");
    }
}

#[test]
fn files_merge_like_one_profile_of_all_their_stacks() {
    let (one, two) = ("main;a 3\nmain;b;a 4\n", "main;a;a 2\nmain;c 1\n");
    let merged = stats_of(&[
        &parse(&encode::profile(&cpu_header(), &stacks(one)), false).unwrap(),
        &parse(&encode::profile(&cpu_header(), &stacks(two)), false).unwrap(),
    ]);
    let both = format!("{one}{two}");
    let single =
        stats_of(&[&parse(&encode::profile(&cpu_header(), &stacks(&both)), false).unwrap()]);
    // The same functions; sibling order in the kept tree may differ.
    assert_eq!(merged.total_samples, single.total_samples);
    assert_eq!(merged.functions, single.functions);
    assert_eq!(by_name(&merged)["a"], (9, 9));
}

#[test]
fn placed_frames_name_their_file_and_line_and_rank_by_name_alone() {
    use encode::Frame;
    assert_eq!(
        Frame::placed("a/B.validate (src/a/B.java:14)"),
        Frame {
            name: "a/B.validate",
            place: Some(("src/a/B.java", 14))
        }
    );
    for plain in ["main", "f (x)", "f (x:y)", "f (:3)", "f (x:0)", " (x:3)"] {
        assert_eq!(Frame::placed(plain), Frame::named(plain), "{plain}");
    }
    let folded =
        "main;v (V.java:14);compile 5\nmain;v (V.java:15);matches 3\nmain;v (V.java:14) 1\n";
    let placed = encode::profile_of_frames(&cpu_header(), &stacks(folded), Frame::placed);
    let text = |i: i64| String::from_utf8(placed.string_table[i as usize].clone()).unwrap();
    // One function per name and file, one location per line of it.
    let functions: Vec<(String, String)> = placed
        .function
        .iter()
        .map(|f| (text(f.name), text(f.filename)))
        .collect();
    assert_eq!(
        functions,
        [
            ("compile".into(), String::new()),
            ("v".into(), "V.java".into()),
            ("main".into(), String::new()),
            ("matches".into(), String::new()),
        ]
    );
    let lines: Vec<(u64, i64)> = placed
        .location
        .iter()
        .map(|l| (l.line[0].function_id, l.line[0].line))
        .collect();
    assert_eq!(lines, [(1, 0), (2, 14), (3, 0), (4, 0), (2, 15)]);
    // Ranked by name alone: as the same stacks unplaced.
    let unplaced = "main;v;compile 5\nmain;v;matches 3\nmain;v 1\n";
    let ranked = |profile: &Profile| by_name(&stats_of(&[&parse(profile, false).unwrap()]));
    let plain = encode::profile(&cpu_header(), &stacks(unplaced));
    assert_eq!(ranked(&placed), ranked(&plain));
    assert_eq!(ranked(&placed)["v"], (1, 9));
    // Frames placed nowhere are written as `profile` writes them.
    assert_eq!(
        encode::profile_of_frames(&cpu_header(), &stacks(unplaced), Frame::placed),
        plain
    );
}

fn table(strings: &[&str]) -> Vec<Vec<u8>> {
    strings.iter().map(|s| s.as_bytes().to_vec()).collect()
}

/// `main` → `work` (inlined `helper` on top) → an unsymbolised address.
fn handmade(function_ids: [u64; 3], location_ids: [u64; 3]) -> Profile {
    let f = |id, name| Function {
        id,
        name,
        ..Function::default()
    };
    let line = |function_id| Line {
        function_id,
        line: 1,
    };
    Profile {
        sample_type: vec![
            ValueType { r#type: 1, unit: 2 },
            ValueType { r#type: 3, unit: 4 },
        ],
        string_table: table(&[
            "",
            "samples",
            "count",
            "cpu",
            "nanoseconds",
            "main",
            "work",
            "helper",
        ]),
        function: vec![
            f(function_ids[0], 5),
            f(function_ids[1], 6),
            f(function_ids[2], 7),
        ],
        location: vec![
            Location {
                id: location_ids[0],
                address: 0x10,
                line: vec![line(1)],
            },
            // Inlined: helper first (innermost), then work.
            Location {
                id: location_ids[1],
                address: 0x20,
                line: vec![line(3), line(2)],
            },
            Location {
                id: location_ids[2],
                address: 0x4a_3f2c,
                line: vec![],
            },
        ],
        sample: vec![
            Sample {
                location_id: vec![3, 2, 1],
                value: vec![1, 70],
                label: Vec::new(),
            },
            Sample {
                location_id: vec![2, 1],
                value: vec![1, 30],
                label: Vec::new(),
            },
        ],
        ..Profile::default()
    }
}

#[test]
fn inlined_lines_and_bare_addresses_are_frames() {
    let p = parse(&handmade([1, 2, 3], [1, 2, 3]), false).unwrap();
    assert_eq!(p.sample_types[1].name(), "cpu/nanoseconds");
    let mut tree = StackTree::default();
    tree.add(&p, 1).unwrap();
    let m = by_name(&tree.stats().unwrap());
    assert_eq!(m["0x4a3f2c"], (70, 70));
    assert_eq!(
        m["helper"],
        (30, 100),
        "the inlined callee sits above its caller"
    );
    assert_eq!(m["work"], (0, 100));
    assert_eq!(m["main"], (0, 100));
}

#[test]
fn missing_ids_are_positions_as_a_dotnet_profiler_writes_them() {
    let sloppy = parse(&handmade([0, 0, 0], [0, 0, 0]), false).unwrap();
    let tidy = parse(&handmade([1, 2, 3], [1, 2, 3]), false).unwrap();
    assert_eq!(stats_of(&[&sloppy]), stats_of(&[&tidy]));
}

#[test]
fn hostile_files_are_refused_with_their_reason() {
    let good = encode::to_bytes(&encode::profile(&cpu_header(), &stacks("a;b 1\n")), false);
    let gz = encode::to_bytes(&encode::profile(&cpu_header(), &stacks("a;b 1\n")), true);
    let reason = |bytes: &[u8], limits| parse_file(bytes, limits).unwrap_err().reason();
    assert_eq!(reason(b"hello, this is not a profile", LIMITS), "not_pprof");
    assert_eq!(reason(b"", LIMITS), "not_pprof");
    assert_eq!(
        reason(
            &[0x1f, 0x8b, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0],
            LIMITS
        ),
        "not_pprof"
    );
    assert_eq!(reason(&good[..good.len() - 3], LIMITS), "truncated");
    assert_eq!(reason(&gz[..gz.len() / 2], LIMITS), "truncated");
    let small = Limits {
        max_decoded_bytes: 8,
        ..LIMITS
    };
    assert_eq!(reason(&good, small), "too_large");
    assert_eq!(reason(&gz, small), "too_large");
    let mut bad_location = handmade([1, 2, 3], [1, 2, 3]);
    bad_location.sample[0].location_id.push(99);
    assert_eq!(
        parse(&bad_location, false).unwrap_err().reason(),
        "bad_index"
    );
    let mut bad_function = handmade([1, 2, 3], [1, 2, 3]);
    bad_function.location[0].line[0].function_id = 7;
    assert_eq!(
        parse(&bad_function, false).unwrap_err().reason(),
        "bad_index"
    );
    let mut bad_string = handmade([1, 2, 3], [1, 2, 3]);
    bad_string.function[0].name = 1_000;
    assert_eq!(parse(&bad_string, false).unwrap_err().reason(), "bad_index");
    let mut short_sample = handmade([1, 2, 3], [1, 2, 3]);
    short_sample.sample[0].value.pop();
    assert_eq!(parse(&short_sample, false).unwrap_err().reason(), "invalid");
    let deep: Vec<String> = (0..10_000).map(|i| format!("f{}", i % 7)).collect();
    let deep = encode::profile(
        &cpu_header(),
        &[Stack {
            frames: deep,
            values: vec![1],
        }],
    );
    assert_eq!(parse(&deep, true).unwrap_err().reason(), "too_deep");
}

#[test]
fn a_gzip_bomb_stops_at_the_bound() {
    let zeros = vec![0u8; 4 << 20];
    let bomb = {
        use std::io::Write as _;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&zeros).unwrap();
        e.finish().unwrap()
    };
    assert!(bomb.len() < 64 << 10);
    assert!(matches!(
        decompress(&bomb, LIMITS),
        Err(PprofError::TooLarge { .. })
    ));
}

#[test]
fn the_trailer_size_is_only_a_hint() {
    let gzip = |bytes: &[u8]| {
        use std::io::Write as _;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    };
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    // Two members: the trailer gives the size of the last one only.
    let mut two = gzip(&content[..150_000]);
    two.extend(gzip(&content[150_000..]));
    assert_eq!(decompress(&two, LIMITS).unwrap().as_ref(), &content[..]);
    // A trailer that claims more than the bound reserves nothing; the gzip check refuses it.
    let mut one = gzip(&content);
    let n = one.len();
    one[n - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        decompress(&one, LIMITS),
        Err(PprofError::NotPprof(_))
    ));
}

/// A sample as writers may also write it: labels, and location ids packed or not.
#[derive(Clone, PartialEq, prost::Message)]
struct WireSample {
    #[prost(uint64, repeated, packed = "false", tag = "1")]
    location_id: Vec<u64>,
    #[prost(int64, repeated, tag = "2")]
    value: Vec<i64>,
    #[prost(message, repeated, tag = "3")]
    label: Vec<WireLabel>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct WireLabel {
    #[prost(int64, tag = "1")]
    key: i64,
    #[prost(int64, tag = "2")]
    str: i64,
}

/// `profile` with `samples` appended as its field 2 (repeated fields may be split).
fn with_samples(profile: &Profile, samples: &[WireSample]) -> Vec<u8> {
    use prost::Message as _;
    let mut bytes = profile.encode_to_vec();
    for s in samples {
        prost::encoding::message::encode(2, s, &mut bytes);
    }
    bytes
}

#[test]
fn unpacked_location_ids_read_like_packed_ones() {
    let folded = "main;a;b 3\nmain;a;c 4\nmain;a 2\nmain;d;b 1\nmain;a;b 5\n";
    let packed = encode::profile(&cpu_header(), &stacks(folded));
    let mut bare = packed.clone();
    let samples: Vec<WireSample> = std::mem::take(&mut bare.sample)
        .into_iter()
        .map(|s| WireSample {
            location_id: s.location_id,
            value: s.value,
            label: Vec::new(),
        })
        .collect();
    let want = stats_of(&[&parse(&packed, false).unwrap()]);
    let unpacked = parse_file(&with_samples(&bare, &samples), LIMITS).unwrap();
    assert_eq!(stats_of(&[&unpacked]), want);
    // Packed and unpacked in turn, so each sample follows one of the other form.
    let mut mixed = packed.clone();
    mixed.sample.retain(|_| false);
    let mut bytes = encode::to_bytes(&mixed, false);
    for (i, (p, u)) in packed.sample.iter().zip(&samples).enumerate() {
        if i % 2 == 0 {
            prost::encoding::message::encode(2, p, &mut bytes);
        } else {
            prost::encoding::message::encode(2, u, &mut bytes);
        }
    }
    assert_eq!(stats_of(&[&parse_file(&bytes, LIMITS).unwrap()]), want);
    assert_eq!(by_name(&want)["b"], (9, 9));
}

#[test]
fn a_sample_filter_keeps_the_samples_whose_labels_it_accepts() {
    let mut p = handmade([1, 2, 3], [1, 2, 3]);
    p.sample.clear();
    p.string_table.extend(table(&["version", "1.0", "2.0"]));
    let (version, one, two) = (8, 9, 10);
    let sample = |location_id: Vec<u64>, cpu, label: Vec<WireLabel>| WireSample {
        location_id,
        value: vec![1, cpu],
        label,
    };
    let bytes = with_samples(
        &p,
        &[
            sample(
                vec![3, 2, 1],
                70,
                vec![WireLabel {
                    key: version,
                    str: one,
                }],
            ),
            sample(
                vec![2, 1],
                30,
                vec![WireLabel {
                    key: version,
                    str: two,
                }],
            ),
            sample(vec![1], 5, Vec::new()),
        ],
    );
    let only_one = |labels: &[(&str, &str)]| labels.contains(&("version", "1.0"));
    let filtered = parse_file_where(&bytes, LIMITS, Some(&only_one)).unwrap();
    let m = by_name(&filtered.stats(1).unwrap());
    assert_eq!(m.get("0x4a3f2c"), Some(&(70, 70)));
    assert_eq!(m.get("helper"), Some(&(0, 70)));
    assert_eq!(
        m.get("main"),
        Some(&(0, 70)),
        "the unlabelled sample is left out"
    );
    let all = parse_file(&bytes, LIMITS).unwrap();
    assert_eq!(by_name(&all.stats(1).unwrap())["main"], (5, 105));
    let mut bad = p.clone();
    bad.sample.clear();
    let bad = with_samples(
        &bad,
        &[sample(vec![1], 1, vec![WireLabel { key: 99, str: one }])],
    );
    assert_eq!(
        parse_file_where(&bad, LIMITS, Some(&only_one))
            .unwrap_err()
            .reason(),
        "bad_index"
    );
}

#[test]
fn each_sample_type_ranks_only_its_own_positive_values() {
    let mut p = handmade([1, 2, 3], [1, 2, 3]);
    p.sample[0].value = vec![0, 70];
    p.sample[1].value = vec![4, -30];
    let parsed = parse(&p, false).unwrap();
    let first = by_name(&parsed.stats(0).unwrap());
    assert_eq!(
        first.get("0x4a3f2c"),
        None,
        "its only sample has 0 of type 0"
    );
    assert_eq!(first["helper"], (4, 4));
    let second = by_name(&parsed.stats(1).unwrap());
    assert_eq!(second["0x4a3f2c"], (70, 70));
    assert_eq!(second["helper"], (0, 70), "a negative value is ignored");
    let mut merged = StackTree::default();
    merged.add(&parsed, 1).unwrap();
    merged.add(&parsed, 0).unwrap();
    let m = by_name(&merged.stats().unwrap());
    assert_eq!(m["helper"], (4, 74));
    assert_eq!(m["main"], (0, 74));
}

//! Profiles the tests of this crate and of the capabilities build on: a CPU header, folded
//! stacks, and a profile whose frames name their file and line.

use super::encode::{self, Header, Stack};
use super::proto::{Function, Label, Line, Location, Profile, Sample, ValueType};
use super::{Limits, ParsedProfile};

pub const LIMITS: Limits = Limits {
    max_decoded_bytes: 1 << 20,
    max_stack_depth: 4096,
};

pub fn cpu_header() -> Header {
    Header {
        sample_types: vec![("cpu".into(), "nanoseconds".into())],
        period_type: Some(("cpu".into(), "nanoseconds".into())),
        ..Header::default()
    }
}

pub fn stacks(folded: &str) -> Vec<Stack> {
    encode::parse_folded(folded).expect("valid folded stacks")
}

const PLACED_STRINGS: [&str; 15] = [
    "",
    "cpu",
    "nanoseconds",
    "alloc_space",
    "bytes",
    "main.main",
    "main.go",
    "main.work",
    "work.go",
    "",
    "runtime.sys",
    "handle (app.py:12)",
    "idle",
    "version",
    "2",
];

/// `main.main` (main.go:3, at 10) → `main.work` (work.go:20, inlined into main.main at 11,
/// sampled at 24 and 22) → `runtime.sys` (a system name only) for cpu; py-spy's `handle` and
/// a bare `idle` for alloc only. Samples of version 2 are at `main.work` line 22.
pub fn placed() -> Profile {
    let function = |id, name, system_name, filename, start_line| Function {
        id,
        name,
        system_name,
        filename,
        start_line,
    };
    let location = |id, lines: &[(u64, i64)]| Location {
        id,
        address: 0x100 * id,
        line: lines
            .iter()
            .map(|&(function_id, line)| Line { function_id, line })
            .collect(),
    };
    let sample = |stack: &[u64], value: [i64; 2], label: Vec<Label>| Sample {
        location_id: stack.to_vec(),
        value: value.to_vec(),
        label,
    };
    let version = vec![Label { key: 13, str: 14 }];
    Profile {
        sample_type: vec![
            ValueType { r#type: 1, unit: 2 },
            ValueType { r#type: 3, unit: 4 },
        ],
        string_table: PLACED_STRINGS
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect(),
        function: vec![
            function(1, 5, 0, 6, 3),
            function(2, 7, 0, 8, 20),
            function(3, 9, 10, 6, 0),
            function(4, 11, 0, 0, 0),
            function(5, 12, 0, 0, 0),
        ],
        location: vec![
            location(1, &[(1, 10)]),
            // main.work inlined into main.main: the callee first.
            location(2, &[(2, 24), (1, 11)]),
            location(3, &[(3, 0)]),
            location(4, &[(4, 0)]),
            location(5, &[(5, 0)]),
            location(6, &[(2, 22), (1, 11)]),
            location(7, &[(2, 24), (1, 11)]),
        ],
        sample: vec![
            sample(&[3, 2, 1], [70, 0], Vec::new()),
            sample(&[2, 1], [30, 0], Vec::new()),
            sample(&[6, 1], [5, 0], version),
            sample(&[4], [0, 9], Vec::new()),
            sample(&[5], [-4, 2], Vec::new()),
            // Location 7 is sampled only with a zero value of cpu.
            sample(&[7, 1], [0, 1], Vec::new()),
        ],
        ..Profile::default()
    }
}

/// An empty profile that says when it was taken and for how long.
pub fn timed(time_nanos: i64, duration_nanos: i64) -> ParsedProfile {
    ParsedProfile {
        time_nanos,
        duration_nanos,
        ..ParsedProfile::default()
    }
}

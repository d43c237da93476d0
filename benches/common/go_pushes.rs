//! One Go-like program's 10-s CPU pushes for the PGO benchmarks: 50–200 samples each, stacks
//! 10–30 deep, a program of 400 functions with files and start lines and 1 600 locations, a
//! tenth of them with an inlined line; each push holds only the locations and functions its
//! samples use, numbered as runtime/pprof numbers them. The same pushes on every run.

use std::collections::HashMap;

use pf_pprof::encode::to_bytes;
use pf_pprof::proto::{Function, Line, Location, Profile, Sample, ValueType};

/// Functions of the program.
const FUNCTIONS: u64 = 400;

/// SplitMix64: the same profiles on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Location `id` of the program (1..=FUNCTIONS*4): in function `(id-1)/4+1`, its line by
/// `id`; every tenth has another function inlined into it.
fn program_location(id: u64) -> Vec<(u64, i64)> {
    let f = (id - 1) / 4 + 1;
    let mut lines = vec![(f, f as i64 * 10 + (id % 4) as i64 + 1)];
    if id.is_multiple_of(10) {
        lines.insert(0, (f % FUNCTIONS + 1, 3));
    }
    lines
}

/// One push as runtime/pprof writes it: Go's two CPU types, and only the locations and
/// functions its samples use, numbered in the order they first appear.
pub fn push(rng: &mut Rng, n: usize) -> Vec<u8> {
    let mut strings: Vec<Vec<u8>> = ["", "samples", "count", "cpu", "nanoseconds", "main.go"]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    let (mut location, mut function) = (Vec::<Location>::new(), Vec::<Function>::new());
    let (mut location_ids, mut function_ids) = (HashMap::new(), HashMap::new());
    let mut local = |program_id: u64| -> u64 {
        if let Some(&id) = location_ids.get(&program_id) {
            return id;
        }
        let line = program_location(program_id)
            .into_iter()
            .map(|(f, line)| {
                let function_id = *function_ids.entry(f).or_insert_with(|| {
                    strings.push(format!("main.f{f}").into_bytes());
                    let name = strings.len() as i64 - 1;
                    let id = function.len() as u64 + 1;
                    function.push(Function {
                        id,
                        name,
                        system_name: name,
                        filename: 5,
                        start_line: f as i64 * 10,
                    });
                    id
                });
                Line { function_id, line }
            })
            .collect();
        let id = location.len() as u64 + 1;
        location.push(Location {
            id,
            address: 0x40_0000 + program_id * 16,
            line,
        });
        location_ids.insert(program_id, id);
        id
    };
    let sample = (0..50 + rng.below(151))
        .map(|_| {
            let depth = 10 + rng.below(21);
            // A few hot paths: the root side shared, the leaf side varied.
            let path = rng.below(20);
            let location_id = (0..depth)
                .map(|d| match d < 4 {
                    true => 1 + (d * 37 + rng.below(3)) % (FUNCTIONS * 4),
                    false => 1 + (path * 131 + d * 17) % (FUNCTIONS * 4),
                })
                .map(&mut local)
                .collect();
            let count = 1 + rng.below(3) as i64;
            Sample {
                location_id,
                value: vec![count, count * 10_000_000],
                label: Vec::new(),
            }
        })
        .collect();
    let cpu = ValueType { r#type: 3, unit: 4 };
    let profile = Profile {
        sample_type: vec![ValueType { r#type: 1, unit: 2 }, cpu],
        sample,
        location,
        function,
        string_table: strings,
        time_nanos: 1_700_000_000_000_000_000 + n as i64 * 10_000_000_000,
        duration_nanos: 10_000_000_000,
        period_type: Some(cpu),
        period: 10_000_000,
    };
    to_bytes(&profile, true)
}

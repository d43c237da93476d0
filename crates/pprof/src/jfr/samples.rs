//! The samples a JFR's events add up to — one value per column for each (stack, context) — and
//! the pprofs made of them: one per logical type for a push, or one with every column for a
//! file of the profiles directory.

use std::collections::HashMap;

use super::labels::ContextLabels;
use crate::proto;

/// Execution samples (a count; times the sampling period when emitted).
pub const EXEC: usize = 0;
/// Native method samples, counted only in a wall-clock recording.
pub const NATIVE: usize = 1;
/// Allocation events in and outside TLAB: objects and bytes.
pub const TLAB_OBJECTS: usize = 2;
pub const TLAB_BYTES: usize = 3;
/// `jdk.ObjectAllocationSample` (JDK 16+'s throttled sampler): objects and weight in bytes.
pub const SAMPLED_OBJECTS: usize = 4;
pub const SAMPLED_BYTES: usize = 5;
/// Monitor enters and parks: how many, and how long in nanoseconds.
pub const CONTENTIONS: usize = 6;
pub const DELAY: usize = 7;
/// async-profiler's `profiler.WallClockSample` (its wall clock since 3.0): samples, each event
/// counting its `samples` field.
pub const WALL: usize = 8;
const COLUMNS: usize = 9;

/// One sample type of an emitted pprof: `kind/unit`, the sum of `columns` each times its factor.
#[derive(Debug, Clone)]
pub struct Column {
    pub kind: &'static str,
    pub unit: &'static str,
    pub sum: Vec<(usize, i64)>,
}

/// What one emitted pprof holds.
#[derive(Debug, Clone)]
pub struct Shape {
    pub columns: Vec<Column>,
    pub period_type: Option<(&'static str, &'static str)>,
    pub period: i64,
}

/// Every event's stack and values, merged; one function per frame name, one location per
/// function and source line.
#[derive(Debug, Default)]
pub struct Samples {
    table: Table,
    locations: HashMap<(String, u32), u64>,
    /// Per location (id − 1): its function's id and its line.
    lines: Vec<(u64, u32)>,
    functions: HashMap<String, u64>,
    /// Per function (id − 1): its name in the string table.
    names: Vec<i64>,
    stack_index: HashMap<Vec<u64>, usize>,
    stacks: Vec<Vec<u64>>,
    values: HashMap<(usize, i64), [i64; COLUMNS]>,
    pub start_nanos: Option<i64>,
    pub end_nanos: i64,
}

impl Samples {
    /// The location ID of the frame called `name` at source line `line` (0: unknown).
    pub fn location(&mut self, name: &str, line: u32) -> u64 {
        if let Some(&id) = self.locations.get(&(name.to_owned(), line)) {
            return id;
        }
        let function = match self.functions.get(name) {
            Some(&f) => f,
            None => {
                let string = self.table.string(name);
                self.names.push(string);
                let f = self.names.len() as u64;
                self.functions.insert(name.to_owned(), f);
                f
            }
        };
        self.lines.push((function, line));
        let id = self.lines.len() as u64;
        self.locations.insert((name.to_owned(), line), id);
        id
    }

    /// The index of the stack `locations` (leaf first).
    pub fn stack(&mut self, locations: Vec<u64>) -> usize {
        if let Some(&i) = self.stack_index.get(&locations) {
            return i;
        }
        self.stacks.push(locations.clone());
        self.stack_index.insert(locations, self.stacks.len() - 1);
        self.stacks.len() - 1
    }

    /// Adds `value` to `column` of the sample of `stack` in `context`.
    pub fn add(&mut self, stack: usize, context: i64, column: usize, value: i64) {
        let values = self.values.entry((stack, context)).or_default();
        values[column] = values[column].saturating_add(value);
    }

    /// Whether any sample has a value in `column`.
    pub fn has(&self, column: usize) -> bool {
        self.values.values().any(|v| v[column] != 0)
    }

    /// The pprof of `shape` (`None` when no sample has a value in it), with each sample's
    /// context resolved through `labels`.
    pub fn profile(&self, shape: &Shape, labels: &ContextLabels) -> Option<proto::Profile> {
        let mut table = self.table.clone();
        let mut value_type = |(kind, unit): (&str, &str)| proto::ValueType {
            r#type: table.string(kind),
            unit: table.string(unit),
        };
        let sample_type = shape
            .columns
            .iter()
            .map(|c| value_type((c.kind, c.unit)))
            .collect();
        let period_type = shape.period_type.map(value_type);
        let mut keys: Vec<_> = self.values.keys().copied().collect();
        keys.sort_unstable();
        let mut samples = Vec::new();
        for key in keys {
            let values = &self.values[&key];
            let value: Vec<i64> = shape
                .columns
                .iter()
                .map(|c| {
                    c.sum
                        .iter()
                        .map(|&(i, f)| values[i].saturating_mul(f))
                        .sum()
                })
                .collect();
            if value.iter().all(|v| *v == 0) {
                continue;
            }
            let label = labels
                .of(key.1)
                .iter()
                .map(|(k, v)| proto::Label {
                    key: table.string(k),
                    str: table.string(v),
                })
                .collect();
            samples.push(proto::Sample {
                location_id: self.stacks[key.0].clone(),
                value,
                label,
            });
        }
        if samples.is_empty() {
            return None;
        }
        let start = self.start_nanos.unwrap_or_default();
        Some(proto::Profile {
            sample_type,
            sample: samples,
            location: self
                .lines
                .iter()
                .zip(1..)
                .map(|(&(function_id, line), id)| proto::Location {
                    id,
                    address: 0,
                    line: vec![proto::Line {
                        function_id,
                        line: i64::from(line),
                    }],
                })
                .collect(),
            function: self
                .names
                .iter()
                .zip(1..)
                .map(|(&name, id)| proto::Function {
                    id,
                    name,
                    system_name: name,
                    filename: 0,
                    start_line: 0,
                })
                .collect(),
            string_table: table.strings,
            time_nanos: start,
            duration_nanos: self.end_nanos.saturating_sub(start).max(0),
            period_type,
            period: shape.period,
        })
    }
}

/// A pprof string table being built ("" first).
#[derive(Debug, Default, Clone)]
struct Table {
    strings: Vec<Vec<u8>>,
    index: HashMap<String, i64>,
}

impl Table {
    fn string(&mut self, s: &str) -> i64 {
        if self.strings.is_empty() {
            self.strings.push(Vec::new());
            self.index.insert(String::new(), 0);
        }
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        self.strings.push(s.as_bytes().to_vec());
        let i = self.strings.len() as i64 - 1;
        self.index.insert(s.to_owned(), i);
        i
    }
}

//! The stand-in's merge of kept pprofs into the one `google.v1.Profile` a query answers with:
//! one value column, strings, mappings, functions (name, file, start line) and locations
//! (address, lines) kept once by content, equal stacks summed, sample labels dropped; stacks
//! shaped on the way in (`standin_shape.rs`).

use std::collections::HashMap;

use pf_formats::formats::pyroscope_api::profile::{
    Function, Line, Location, Mapping, Profile, Sample,
};

use super::standin_shape::{under, Shape, Tables};

/// Some samples of one kept profile, and the value column a query reads of them.
pub struct Part<'a> {
    pub profile: &'a Profile,
    pub samples: &'a [usize],
    pub value: usize,
}

type MappingKey = (u64, u64, u64, i64, i64, [bool; 4]);
type LocationKey = (u64, u64, Vec<(u64, i64)>, bool);

/// Profiles being merged into one.
pub struct Merger {
    out: Profile,
    strings: HashMap<String, i64>,
    mappings: HashMap<MappingKey, u64>,
    functions: HashMap<[i64; 4], u64>,
    locations: HashMap<LocationKey, u64>,
    samples: HashMap<Vec<u64>, usize>,
}

impl Merger {
    pub fn new() -> Self {
        let mut merger = Merger {
            out: Profile::default(),
            strings: HashMap::new(),
            mappings: HashMap::new(),
            functions: HashMap::new(),
            locations: HashMap::new(),
            samples: HashMap::new(),
        };
        merger.string("");
        merger
    }

    /// Adds the part's samples of a non-zero value, their stacks shaped by `shape`.
    pub fn add(&mut self, part: &Part<'_>, shape: &Shape) {
        let tables = Tables::new(part.profile);
        let mut merged: HashMap<u64, u64> = HashMap::new();
        for sample in part
            .samples
            .iter()
            .filter_map(|&i| part.profile.sample.get(i))
        {
            let value = sample.value.get(part.value).copied().unwrap_or(0);
            if value == 0 || !under(&shape.call_site, &tables, sample) {
                continue;
            }
            let mut stack = Vec::with_capacity(sample.location_id.len());
            for id in &sample.location_id {
                let id = match merged.get(id) {
                    Some(&id) => id,
                    None => {
                        let Some(location) = tables.locations.get(id) else {
                            continue;
                        };
                        let new = self.location(&tables, location);
                        merged.insert(*id, new);
                        new
                    }
                };
                stack.push(id);
            }
            if shape.keep_locations > 0 {
                stack.truncate(shape.keep_locations);
            }
            match self.samples.get(&stack) {
                Some(&i) => self.out.sample[i].value[0] += value,
                None => {
                    self.samples.insert(stack.clone(), self.out.sample.len());
                    self.out.sample.push(Sample {
                        location_id: stack,
                        value: vec![value],
                        label: Vec::new(),
                    });
                }
            }
        }
    }

    /// The merged profile (no sample or period type yet: see [`set_metadata`]). With
    /// `aggregate_callees`, each leaf location's first line is set to 0 (in place, as
    /// Pyroscope does) and the profile merged again, so equal stacks meet.
    pub fn finish(self, shape: &Shape) -> Profile {
        let mut out = self.out;
        if !shape.aggregate_callees {
            return out;
        }
        let leaves: Vec<u64> = out
            .sample
            .iter()
            .filter_map(|s| s.location_id.first().copied())
            .collect();
        for leaf in leaves {
            let line = out.location[leaf as usize - 1].line.first_mut();
            if let Some(line) = line {
                line.line = 0;
            }
        }
        let all: Vec<usize> = (0..out.sample.len()).collect();
        let mut again = Merger::new();
        let part = Part {
            profile: &out,
            samples: &all,
            value: 0,
        };
        again.add(&part, &Shape::default());
        again.out
    }

    fn string(&mut self, s: &str) -> i64 {
        if let Some(&i) = self.strings.get(s) {
            return i;
        }
        let i = self.out.string_table.len() as i64;
        self.out.string_table.push(s.to_owned());
        self.strings.insert(s.to_owned(), i);
        i
    }

    fn mapping(&mut self, tables: &Tables<'_>, id: u64) -> u64 {
        let Some(m) = tables.mappings.get(&id) else {
            return 0;
        };
        let flags = [
            m.has_functions,
            m.has_filenames,
            m.has_line_numbers,
            m.has_inline_frames,
        ];
        let (filename, build_id) = (
            self.string(tables.text(m.filename)),
            self.string(tables.text(m.build_id)),
        );
        let key = (
            m.memory_start,
            m.memory_limit,
            m.file_offset,
            filename,
            build_id,
            flags,
        );
        let next = self.out.mapping.len() as u64 + 1;
        let id = *self.mappings.entry(key).or_insert(next);
        if id == next {
            self.out.mapping.push(Mapping {
                id,
                filename,
                build_id,
                ..**m
            });
        }
        id
    }

    fn function(&mut self, tables: &Tables<'_>, id: u64) -> u64 {
        let Some(f) = tables.functions.get(&id) else {
            return 0;
        };
        let key = [
            self.string(tables.text(f.name)),
            self.string(tables.text(f.system_name)),
            self.string(tables.text(f.filename)),
            f.start_line,
        ];
        let next = self.out.function.len() as u64 + 1;
        let id = *self.functions.entry(key).or_insert(next);
        if id == next {
            let [name, system_name, filename, start_line] = key;
            self.out.function.push(Function {
                id,
                name,
                system_name,
                filename,
                start_line,
            });
        }
        id
    }

    fn location(&mut self, tables: &Tables<'_>, location: &Location) -> u64 {
        let mapping_id = self.mapping(tables, location.mapping_id);
        let lines: Vec<(u64, i64)> = location
            .line
            .iter()
            .map(|l| (self.function(tables, l.function_id), l.line))
            .collect();
        let key = (mapping_id, location.address, lines, location.is_folded);
        let next = self.out.location.len() as u64 + 1;
        if let Some(&id) = self.locations.get(&key) {
            return id;
        }
        self.out.location.push(Location {
            id: next,
            mapping_id,
            address: location.address,
            line: key
                .2
                .iter()
                .map(|&(function_id, line)| Line { function_id, line })
                .collect(),
            is_folded: location.is_folded,
        });
        self.locations.insert(key, next);
        next
    }
}

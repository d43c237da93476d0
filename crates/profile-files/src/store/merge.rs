//! Profiles of the same sample types merged into one (pure): the samples of each, with their
//! labels, over one string, function and location table. What compaction writes in place of
//! a slice's pushes; the reader then sums the same stacks it summed before.

use std::collections::HashMap;

use pf_model::saturate;
use pf_pprof::{proto, Weight};

/// Whether two profiles can be merged: the same sample types and period type, by name.
#[cfg(test)]
pub fn shape(profile: &proto::Profile) -> Vec<Vec<u8>> {
    shape_of(
        &profile.string_table,
        &profile.sample_type,
        profile.period_type.as_ref(),
    )
}

/// [`shape`] of a profile's tables, read without its samples.
pub fn shape_of(
    strings: &[Vec<u8>],
    sample_types: &[proto::ValueType],
    period_type: Option<&proto::ValueType>,
) -> Vec<Vec<u8>> {
    let text = |i: i64| {
        usize::try_from(i)
            .ok()
            .and_then(|i| strings.get(i))
            .cloned()
            .unwrap_or_default()
    };
    let mut shape = Vec::new();
    for t in sample_types.iter().chain(period_type) {
        shape.push(text(t.r#type));
        shape.push(text(t.unit));
    }
    shape
}

/// One profile holding every sample of `profiles` (all of one [`shape`]), timed from the
/// earliest start to the latest end. Equal functions and locations are kept once, and samples
/// of the same stack and labels are summed, so a slice of a steady process's pushes is about
/// the size of one of them. Values of the sample types `snapshot_types` names (`type/unit`,
/// in-use memory) are averaged instead: each profile counts for the time it covers over the
/// merged profile's time, as a reader averages a window of snapshots (docs/runtimes.md).
#[cfg(test)]
pub fn merge(profiles: &[proto::Profile], snapshot_types: &[String]) -> proto::Profile {
    let span = span(profiles.iter().map(|p| (p.time_nanos, p.duration_nanos)));
    let mut merge = Merge::new(span, snapshot_types);
    for p in profiles {
        merge.add(p);
    }
    merge.finish()
}

/// The earliest start and latest end of profiles timed `(time_nanos, duration_nanos)`; those
/// without a time are left out (`None` when none has one).
pub fn span(times: impl Iterator<Item = (i64, i64)>) -> Option<(i64, i64)> {
    let (mut start, mut end) = (i64::MAX, i64::MIN);
    for (time, duration) in times.filter(|&(t, _)| t > 0) {
        start = start.min(time);
        end = end.max(time.saturating_add(duration.max(0)));
    }
    (start <= end).then_some((start, end))
}

/// A [`merge`] one profile at a time, so that only the merged profile and the one being added
/// are in memory (compaction's budget, SPEC §34).
pub struct Merge<'s> {
    into: Merged,
    span: Option<(i64, i64)>,
    snapshot_types: &'s [String],
    /// The indexes of the snapshot sample types, from the first profile added.
    snapshots: Option<Vec<usize>>,
}

impl<'s> Merge<'s> {
    /// An empty merge of profiles whose [`span`] is `span`.
    pub fn new(span: Option<(i64, i64)>, snapshot_types: &'s [String]) -> Self {
        Merge {
            into: Merged::default(),
            span,
            snapshot_types,
            snapshots: None,
        }
    }

    /// Adds `p`'s samples (weighted when its sample types are snapshots).
    pub fn add(&mut self, p: &proto::Profile) {
        let snapshots = match &self.snapshots {
            Some(s) => s.clone(),
            None => {
                self.into.header(p);
                let s = snapshot_indexes(p, self.snapshot_types);
                self.snapshots = Some(s.clone());
                s
            }
        };
        let covered = match self.span {
            Some((start, end)) if start < end => end - start,
            _ => SECOND,
        };
        let own = match p.duration_nanos {
            d if d > 0 => d,
            _ => SECOND,
        };
        let weights: Vec<Weight> = (0..p.sample_type.len())
            .map(|i| match snapshots.contains(&i) {
                true => Weight {
                    num: saturate(own),
                    den: saturate(covered),
                },
                false => Weight::ONE,
            })
            .collect();
        self.into.add(p, &weights);
    }

    /// The merged profile.
    pub fn finish(self) -> proto::Profile {
        let mut merged = self.into.profile;
        if let Some((start, end)) = self.span {
            merged.time_nanos = start;
            merged.duration_nanos = end - start;
        }
        merged
    }
}

const SECOND: i64 = 1_000_000_000;

/// The indexes of `p`'s sample types that `snapshot_types` names.
fn snapshot_indexes(p: &proto::Profile, snapshot_types: &[String]) -> Vec<usize> {
    let text = |i: i64| {
        usize::try_from(i)
            .ok()
            .and_then(|i| p.string_table.get(i))
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .unwrap_or_default()
    };
    p.sample_type
        .iter()
        .enumerate()
        .filter(|(_, t)| snapshot_types.contains(&format!("{}/{}", text(t.r#type), text(t.unit))))
        .map(|(i, _)| i)
        .collect()
}

/// A merged sample's identity: its stack (location ids) and labels (string indexes).
type SampleKey = (Vec<u64>, Vec<(i64, i64)>);

/// The merged profile as it grows, with what it holds by content.
struct Merged {
    profile: proto::Profile,
    strings: HashMap<Vec<u8>, i64>,
    /// By name, system name, file name and first line.
    functions: HashMap<(i64, i64, i64, i64), u64>,
    locations: HashMap<(u64, Vec<(u64, i64)>), u64>,
    samples: HashMap<SampleKey, usize>,
}

impl Default for Merged {
    fn default() -> Self {
        Merged {
            profile: proto::Profile {
                string_table: vec![Vec::new()],
                ..proto::Profile::default()
            },
            strings: HashMap::from([(Vec::new(), 0)]),
            functions: HashMap::new(),
            locations: HashMap::new(),
            samples: HashMap::new(),
        }
    }
}

impl Merged {
    /// String `i` of `p`, as an index of the merged table.
    fn string(&mut self, p: &proto::Profile, i: i64) -> i64 {
        let s = usize::try_from(i)
            .ok()
            .and_then(|i| p.string_table.get(i))
            .cloned()
            .unwrap_or_default();
        let next = self.profile.string_table.len() as i64;
        let table = &mut self.profile.string_table;
        *self.strings.entry(s).or_insert_with_key(|s| {
            table.push(s.clone());
            next
        })
    }

    fn value_type(&mut self, p: &proto::Profile, t: &proto::ValueType) -> proto::ValueType {
        proto::ValueType {
            r#type: self.string(p, t.r#type),
            unit: self.string(p, t.unit),
        }
    }

    fn header(&mut self, p: &proto::Profile) {
        self.profile.sample_type = p
            .sample_type
            .iter()
            .map(|t| self.value_type(p, t))
            .collect();
        self.profile.period_type = p.period_type.as_ref().map(|t| self.value_type(p, t));
        self.profile.period = p.period;
    }

    /// Adds `p`'s samples, value `k` multiplied by `weights[k]`.
    fn add(&mut self, p: &proto::Profile, weights: &[Weight]) {
        let mut function_ids: HashMap<u64, u64> = HashMap::new();
        for (i, f) in p.function.iter().enumerate() {
            let key = (
                self.string(p, f.name),
                self.string(p, f.system_name),
                self.string(p, f.filename),
                f.start_line,
            );
            let next = self.profile.function.len() as u64 + 1;
            let functions = &mut self.profile.function;
            let id = *self.functions.entry(key).or_insert_with(|| {
                functions.push(proto::Function {
                    id: next,
                    name: key.0,
                    system_name: key.1,
                    filename: key.2,
                    start_line: key.3,
                });
                next
            });
            function_ids.insert(if f.id == 0 { i as u64 + 1 } else { f.id }, id);
        }
        let mut location_ids: HashMap<u64, u64> = HashMap::new();
        for (i, l) in p.location.iter().enumerate() {
            let lines: Vec<(u64, i64)> = l
                .line
                .iter()
                .map(|x| {
                    (
                        function_ids.get(&x.function_id).copied().unwrap_or(0),
                        x.line,
                    )
                })
                .collect();
            let next = self.profile.location.len() as u64 + 1;
            let locations = &mut self.profile.location;
            let id =
                *self
                    .locations
                    .entry((l.address, lines))
                    .or_insert_with_key(|(address, lines)| {
                        locations.push(proto::Location {
                            id: next,
                            address: *address,
                            line: lines
                                .iter()
                                .map(|&(function_id, line)| proto::Line { function_id, line })
                                .collect(),
                        });
                        next
                    });
            location_ids.insert(if l.id == 0 { i as u64 + 1 } else { l.id }, id);
        }
        for s in &p.sample {
            let stack: Vec<u64> = s
                .location_id
                .iter()
                .map(|id| location_ids.get(id).copied().unwrap_or(0))
                .collect();
            let labels: Vec<(i64, i64)> = s
                .label
                .iter()
                .map(|l| (self.string(p, l.key), self.string(p, l.str)))
                .collect();
            let next = self.profile.sample.len();
            let samples = &mut self.profile.sample;
            let slot =
                *self
                    .samples
                    .entry((stack, labels))
                    .or_insert_with_key(|(stack, labels)| {
                        samples.push(proto::Sample {
                            location_id: stack.clone(),
                            value: vec![0; s.value.len()],
                            label: labels
                                .iter()
                                .map(|&(key, str)| proto::Label { key, str })
                                .collect(),
                        });
                        next
                    });
            let sum = &mut self.profile.sample[slot].value;
            for (k, (total, v)) in sum.iter_mut().zip(&s.value).enumerate() {
                let weight = weights.get(k).copied().unwrap_or(Weight::ONE);
                let v = u64::try_from(*v).map_or(*v, |v| saturate(weight.of(v)));
                *total = total.saturating_add(v);
            }
        }
    }
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;

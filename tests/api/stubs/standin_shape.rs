//! How the stand-in reads a kept pprof's stacks and shapes a merged one: a profile's tables by
//! id (function names of a stack, root first), the `stack_trace_selector` of a query (call
//! site, Go PGO), and the header Pyroscope writes on a merged profile.

use std::collections::HashMap;

use pf_formats::formats::pyroscope_api::profile::{
    Function, Location, Mapping, Profile, Sample, ValueType,
};
use pf_formats::formats::pyroscope_api::StackTraceSelector;

use super::standin_select::ProfileTypeId;

/// How stacks are shaped on the way into a merge.
#[derive(Default)]
pub struct Shape {
    /// Root first: only stacks that start with these function names are kept.
    pub call_site: Vec<String>,
    /// Innermost locations kept of each stack (0: all).
    pub keep_locations: usize,
    /// The leaf location's line set to 0, so the samples of its callees' lines merge.
    pub aggregate_callees: bool,
}

impl Shape {
    /// The shape `selector` asks for: `go_pgo` (only where `pgo`, the pprof answers) wins
    /// over `call_site`, which the .proto says is then ignored.
    pub fn of(selector: Option<&StackTraceSelector>, pgo: bool) -> Self {
        let Some(selector) = selector else {
            return Shape::default();
        };
        match &selector.go_pgo {
            Some(go) if pgo => Shape {
                keep_locations: go.keep_locations as usize,
                aggregate_callees: go.aggregate_callees,
                ..Shape::default()
            },
            Some(_) => Shape::default(),
            None => Shape {
                call_site: selector.call_site.iter().map(|l| l.name.clone()).collect(),
                ..Shape::default()
            },
        }
    }
}

/// A profile's tables by id, to walk its samples.
pub struct Tables<'a> {
    profile: &'a Profile,
    pub functions: HashMap<u64, &'a Function>,
    pub locations: HashMap<u64, &'a Location>,
    pub mappings: HashMap<u64, &'a Mapping>,
}

impl<'a> Tables<'a> {
    pub fn new(profile: &'a Profile) -> Self {
        Tables {
            profile,
            functions: profile.function.iter().map(|f| (f.id, f)).collect(),
            locations: profile.location.iter().map(|l| (l.id, l)).collect(),
            mappings: profile.mapping.iter().map(|m| (m.id, m)).collect(),
        }
    }

    /// String `i` of the table (`""` when out of range).
    pub fn text(&self, i: i64) -> &'a str {
        let table = &self.profile.string_table;
        usize::try_from(i)
            .ok()
            .and_then(|i| table.get(i))
            .map_or("", String::as_str)
    }

    /// The function names of a sample's stack, root first; a location's inlined lines
    /// outermost first.
    pub fn frames(&self, sample: &Sample) -> Vec<&'a str> {
        sample
            .location_id
            .iter()
            .rev()
            .filter_map(|id| self.locations.get(id))
            .flat_map(|l| l.line.iter().rev())
            .map(|line| {
                self.functions
                    .get(&line.function_id)
                    .map_or("", |f| self.text(f.name))
            })
            .collect()
    }
}

/// Whether a sample's stack starts (at its root) with the call site's functions.
pub fn under(call_site: &[String], tables: &Tables<'_>, sample: &Sample) -> bool {
    if call_site.is_empty() {
        return true;
    }
    let frames = tables.frames(sample);
    frames.len() >= call_site.len() && call_site.iter().zip(&frames).all(|(c, f)| c == f)
}

/// What the query backend writes on a merged profile (`pprof.SetProfileMetadata`): the one
/// sample type of the query, its period type, the period Pyroscope guesses from the type's
/// name, and the query's end as the profile's time.
pub fn set_metadata(profile: &mut Profile, ty: &ProfileTypeId, end_ms: i64) {
    let mut index = |s: &str| -> i64 {
        let table = &mut profile.string_table;
        let at = table.iter().position(|t| t == s).unwrap_or_else(|| {
            table.push(s.to_owned());
            table.len() - 1
        });
        at as i64
    };
    let sample = ValueType {
        r#type: index(&ty.sample_type),
        unit: index(&ty.sample_unit),
    };
    let period = ValueType {
        r#type: index(&ty.period_type),
        unit: index(&ty.period_unit),
    };
    profile.default_sample_type = sample.r#type;
    profile.sample_type = vec![sample];
    profile.period_type = Some(period);
    profile.time_nanos = end_ms.saturating_mul(1_000_000);
    profile.period = match ty.name.as_str() {
        "process_cpu" => 1_000_000_000,
        "memory" => 512 * 1024,
        _ => 1,
    };
}

//! What a decoded file is to the rest of the service: its sample types, its time and its call
//! tree, and the limits a file is read within.

use std::collections::{BTreeMap, BTreeSet};

use super::file_tree::FileTree;
use pf_formats::formats::flamegraph::{FlameGraphStats, FlamegraphError};

/// How much a file may ask of the service.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest profile accepted, in bytes after decompression (the zip-bomb guard).
    pub max_decoded_bytes: u64,
    /// Deepest stack accepted, in frames (inlined lines count).
    pub max_stack_depth: usize,
}

/// A sample type, e.g. `cpu` / `nanoseconds`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleType {
    pub kind: String,
    pub unit: String,
}

impl SampleType {
    /// `kind/unit`, as the settings name sample types.
    pub fn name(&self) -> String {
        format!("{}/{}", self.kind, self.unit)
    }
}

/// A decoded pprof file: what it says about itself, and its stacks merged into one call tree
/// with a self value per sample type. Samples with labels are in it whatever their labels;
/// a query that filters by label decodes the file again with a sample filter (`parse_file_where`).
#[derive(Debug, Clone, Default)]
pub struct ParsedProfile {
    /// 0 when the file does not say when it was taken.
    pub time_nanos: i64,
    pub duration_nanos: i64,
    pub sample_types: Vec<SampleType>,
    pub period_type: Option<SampleType>,
    pub(crate) tree: FileTree,
    /// The values of its samples' string labels, by name, read with the file: what a label's
    /// values in a window are answered from without reading the file again.
    pub labels: FileLabels,
}

/// The string labels of a file's samples: up to [`FileLabels::MAX_VALUES`] values per name;
/// a name with more (a span id, a request id) is only marked, and read again when asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileLabels {
    values: BTreeMap<String, BTreeSet<String>>,
    overflowing: BTreeSet<String>,
}

impl FileLabels {
    /// Values kept per label name.
    pub const MAX_VALUES: usize = 64;

    /// Notes `value` of label `name`.
    pub fn add(&mut self, name: &str, value: &str) {
        if value.is_empty() || self.overflowing.contains(name) {
            return;
        }
        let values = self.values.entry(name.to_owned()).or_default();
        if values.contains(value) {
            return;
        }
        if values.len() == Self::MAX_VALUES {
            self.values.remove(name);
            self.overflowing.insert(name.to_owned());
            return;
        }
        values.insert(value.to_owned());
    }

    /// The values of label `name`, sorted; `None` when it has too many to keep.
    pub fn values(&self, name: &str) -> Option<impl Iterator<Item = &str>> {
        if self.overflowing.contains(name) {
            return None;
        }
        Some(
            self.values
                .get(name)
                .into_iter()
                .flatten()
                .map(String::as_str),
        )
    }

    /// The names of the labels seen, sorted, those with too many values too.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let mut names: Vec<&str> = self
            .values
            .keys()
            .chain(&self.overflowing)
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        names.into_iter()
    }

    /// Bytes held on the heap, roughly.
    pub fn heap_bytes(&self) -> usize {
        self.values
            .iter()
            .map(|(k, v)| k.len() + v.iter().map(|s| s.len() + 32).sum::<usize>() + 48)
            .sum::<usize>()
            + self.overflowing.iter().map(|k| k.len() + 32).sum::<usize>()
    }
}

impl ParsedProfile {
    /// Per-function statistics of sample type `value_index`, exactly as for a flame graph of
    /// the file's stacks.
    pub fn stats(&self, value_index: usize) -> Result<FlameGraphStats, FlamegraphError> {
        self.tree.stats(value_index)
    }

    /// Nodes of the call tree below the root.
    pub fn node_count(&self) -> usize {
        self.tree.node_count()
    }

    /// Bytes of the call tree on the heap: what caching the file costs.
    pub fn heap_bytes(&self) -> usize {
        self.tree.heap_bytes() + self.labels.heap_bytes()
    }

    /// The file as described, without its call tree: what a listing keeps of a file past the
    /// memory its trees may take (the tree is then read from the file again when asked for).
    pub fn without_tree(&self) -> ParsedProfile {
        ParsedProfile {
            time_nanos: self.time_nanos,
            duration_nanos: self.duration_nanos,
            sample_types: self.sample_types.clone(),
            period_type: self.period_type.clone(),
            tree: FileTree::default(),
            labels: self.labels.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FileLabels;

    #[test]
    fn a_label_with_too_many_values_is_marked_not_kept() {
        let mut labels = FileLabels::default();
        labels.add("version", "1.1");
        labels.add("version", "1.0");
        labels.add("version", "1.1");
        labels.add("version", "");
        for i in 0..=FileLabels::MAX_VALUES {
            labels.add("span_id", &i.to_string());
        }
        let versions: Vec<&str> = labels.values("version").unwrap().collect();
        assert_eq!(versions, ["1.0", "1.1"]);
        assert!(labels.values("span_id").is_none());
        assert_eq!(labels.values("absent").unwrap().count(), 0);
    }
}

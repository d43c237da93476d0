//! What a decoded file is to the rest of the service: its sample types, its time and its call
//! tree, and the limits a file is read within.

use super::file_tree::FileTree;
use crate::formats::flamegraph::{FlameGraphStats, FlamegraphError};

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
        self.tree.heap_bytes()
    }
}

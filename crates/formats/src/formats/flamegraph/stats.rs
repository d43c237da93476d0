//! What a parsed flame graph yields, and why one is refused.

use std::sync::Arc;

use pf_model::{percent_of, saturate, CallTree};

/// Name Pyroscope gives to the synthetic nodes that absorb call sites too small to keep.
pub const TRUNCATED_NAME: &str = "other";

/// Samples attributed to one function name, merged over all of its call sites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSamples {
    /// Function name exactly as Pyroscope reported it.
    pub name: String,
    /// Samples whose innermost frame is this function.
    pub self_samples: u64,
    /// Samples with this function anywhere on the stack; a stack on which the function recurses
    /// (directly or through other functions) is counted once.
    pub total_samples: u64,
}

/// Per-function statistics of one flame graph.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlameGraphStats {
    /// Samples in the whole profile (the root's total).
    pub total_samples: u64,
    /// Self samples of the synthetic [`TRUNCATED_NAME`] nodes, i.e. samples whose real function
    /// Pyroscope folded away.
    pub truncated_samples: u64,
    /// Every function seen below the root, by `self_samples` descending, then name ascending.
    pub functions: Vec<FunctionSamples>,
    /// The call tree the functions were summed from: what the pictures draw.
    pub tree: Arc<CallTree>,
}

impl FlameGraphStats {
    /// `f.self_samples` as a percentage of the profile total (0 for an empty profile).
    pub fn self_percent(&self, f: &FunctionSamples) -> f64 {
        percent_of(f.self_samples, self.total_samples)
    }

    /// `f.total_samples` as a percentage of the profile total (0 for an empty profile).
    pub fn total_percent(&self, f: &FunctionSamples) -> f64 {
        percent_of(f.total_samples, self.total_samples)
    }

    /// What one cached profile weighs: a unit per ranked function and per tree node, each a
    /// few dozen bytes.
    pub fn cache_weight(&self) -> u32 {
        let units = self.functions.len() + self.tree.nodes().len();
        saturate::<u32, _>(units).max(1)
    }

    /// Share of the profile hidden in truncated (`other`) nodes, in percent.
    pub fn truncated_percent(&self) -> f64 {
        percent_of(self.truncated_samples, self.total_samples)
    }
}

/// Why a flame graph was rejected. In every variant `level` indexes `levels` and `node` is the
/// position of the 4-tuple within that level; other fields carry the offending values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlamegraphError {
    /// Not JSON, truncated, the wrong shape, or a sample value that is not an int64 (number or
    /// decimal string), e.g. `1.5`, `"abc"` or `9223372036854775808`.
    #[error("invalid flame graph JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A legacy diff flame graph (`metadata.format == "double"`, 7-tuples).
    #[error("diff flame graphs (format \"double\") are not supported")]
    DiffFormat,
    /// A legacy `metadata.format` other than `single` or `double`.
    #[error("unsupported flamebearer format {0:?}")]
    UnsupportedFormat(String),
    /// `names` is non-empty but `levels` is missing or empty.
    #[error("flame graph has {names} names but no levels")]
    MissingLevels { names: usize },
    /// Level 0 does not hold exactly one (root) node.
    #[error("level 0 must hold exactly one root node, found {found}")]
    RootCount { found: usize },
    /// The declared profile total is negative.
    #[error("profile total {0} is negative")]
    NegativeTotal(i64),
    /// The root's total differs from the declared profile total (`total` / `numTicks`).
    #[error("root total {root} does not match declared profile total {declared}")]
    TotalMismatch { root: u64, declared: u64 },
    /// A level's length is not a multiple of 4.
    #[error("level {level} has {len} values, not a multiple of 4")]
    TupleLength { level: usize, len: usize },
    /// An offset, total, self or name index is negative.
    #[error("level {level} node {node}: negative value {value}")]
    NegativeValue {
        level: usize,
        node: usize,
        value: i64,
    },
    /// A name index does not point into `names`.
    #[error("level {level} node {node}: name index {index} out of range for {names} names")]
    NameIndexOutOfRange {
        level: usize,
        node: usize,
        index: u64,
        names: usize,
    },
    /// A node's self count exceeds its total.
    #[error("level {level} node {node}: self {self_samples} exceeds total {total}")]
    SelfExceedsTotal {
        level: usize,
        node: usize,
        self_samples: u64,
        total: u64,
    },
    /// No node on the level above covers the node's start.
    #[error("level {level} node {node}: no node on the level above contains x = {x}")]
    NoParent { level: usize, node: usize, x: u64 },
    /// The node starts inside its parent but ends after it.
    #[error("level {level} node {node}: span extends past the end of its parent")]
    ChildOutsideParent { level: usize, node: usize },
    /// A node's self samples plus its children's totals exceed its own total.
    #[error("level {level} node {node}: self plus children ({sum}) exceed total {total}")]
    ChildrenExceedParent {
        level: usize,
        node: usize,
        sum: u64,
        total: u64,
    },
    /// An absolute position or a sum does not fit in `u64`.
    #[error("level {level} node {node}: arithmetic overflow")]
    Overflow { level: usize, node: usize },
}

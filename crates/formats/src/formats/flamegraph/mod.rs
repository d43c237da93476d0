//! Parses Grafana Pyroscope flame graphs (Connect and legacy flamebearer JSON) into per-function sample counts ranked by self time.

mod analyse;
mod digits;
mod document;
mod encode;
mod merge;
mod reader;
mod stats;
mod tree;

pub use analyse::{analyse, scaled, tree_stats};
pub use encode::connect_json;
pub use merge::{merged, merged_arc};
pub use stats::{FlameGraphStats, FlamegraphError, FunctionSamples, TRUNCATED_NAME};

/// Parses a legacy Pyroscope `/render?format=json` response (`{"flamebearer": …, "metadata": …}`).
///
/// A document without `flamebearer` (e.g. `{}`) is an empty profile. A missing
/// `metadata.format` means `single`; `double` (diff) is rejected with
/// [`FlamegraphError::DiffFormat`], any other format with [`FlamegraphError::UnsupportedFormat`].
/// `numTicks` is the profile total and must equal the root's total.
pub fn parse_legacy(bytes: &[u8]) -> Result<FlameGraphStats, FlamegraphError> {
    let doc = document::read_legacy(bytes)?;
    match doc.format.as_deref() {
        None | Some("single") => {}
        Some("double") => return Err(FlamegraphError::DiffFormat),
        Some(other) => return Err(FlamegraphError::UnsupportedFormat(other.to_owned())),
    }
    doc.graph
        .map_or_else(|| Ok(FlameGraphStats::default()), document::Graph::stats)
}

/// Parses the JSON encoding of a Connect `SelectMergeStacktraces` response (`{"flamegraph": …}`).
///
/// int64 fields may be JSON strings (the protobuf JSON mapping) or numbers. Fields left out or
/// `null` take their protobuf default, so `{}` and `{"flamegraph": {}}` are empty profiles; a
/// missing `total` is 0 and must then match the root.
pub fn parse_connect(bytes: &[u8]) -> Result<FlameGraphStats, FlamegraphError> {
    document::read_connect(bytes)?
        .map_or_else(|| Ok(FlameGraphStats::default()), document::Graph::stats)
}

#[cfg(test)]
mod tests;

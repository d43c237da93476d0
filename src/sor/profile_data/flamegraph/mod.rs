//! Parses Grafana Pyroscope flame graphs (Connect and legacy flamebearer JSON) into per-function sample counts ranked by self time.

mod analyse;
mod encode;
mod ints;
mod stats;
mod tree;
mod wire;

pub use analyse::{analyse, tree_stats};
pub use encode::connect_json;
pub use stats::{FlameGraphStats, FlamegraphError, FunctionSamples, TRUNCATED_NAME};
use wire::{ConnectResponse, Int, LegacyResponse};

/// Parses a legacy Pyroscope `/render?format=json` response (`{"flamebearer": …, "metadata": …}`).
///
/// A document without `flamebearer` (e.g. `{}`) is an empty profile. A missing
/// `metadata.format` means `single`; `double` (diff) is rejected with
/// [`FlamegraphError::DiffFormat`], any other format with [`FlamegraphError::UnsupportedFormat`].
/// `numTicks` is the profile total and must equal the root's total.
pub fn parse_legacy(bytes: &[u8]) -> Result<FlameGraphStats, FlamegraphError> {
    let doc: LegacyResponse<'_> = serde_json::from_slice(bytes)?;
    match doc
        .metadata
        .and_then(|m| m.format)
        .as_ref()
        .map(AsRef::as_ref)
    {
        None | Some("single") => {}
        Some("double") => return Err(FlamegraphError::DiffFormat),
        Some(other) => return Err(FlamegraphError::UnsupportedFormat(other.to_owned())),
    }
    let Some(fb) = doc.flamebearer else {
        return Ok(FlameGraphStats::default());
    };
    let total = declared_total(fb.num_ticks)?;
    analyse(
        &fb.names.unwrap_or_default(),
        &fb.levels.unwrap_or_default(),
        total,
    )
}

/// Parses the JSON encoding of a Connect `SelectMergeStacktraces` response (`{"flamegraph": …}`).
///
/// int64 fields may be JSON strings (the protobuf JSON mapping) or numbers. Fields left out or
/// `null` take their protobuf default, so `{}` and `{"flamegraph": {}}` are empty profiles; a
/// missing `total` is 0 and must then match the root.
pub fn parse_connect(bytes: &[u8]) -> Result<FlameGraphStats, FlamegraphError> {
    let doc: ConnectResponse<'_> = serde_json::from_slice(bytes)?;
    let Some(fg) = doc.flamegraph else {
        return Ok(FlameGraphStats::default());
    };
    let total = declared_total(fg.total)?;
    analyse(
        &fg.names.unwrap_or_default(),
        &fg.levels.unwrap_or_default(),
        total,
    )
}

fn declared_total(total: Option<Int>) -> Result<u64, FlamegraphError> {
    let raw = total.map_or(0, |t| t.0);
    u64::try_from(raw).map_err(|_| FlamegraphError::NegativeTotal(raw))
}

#[cfg(test)]
mod tests;

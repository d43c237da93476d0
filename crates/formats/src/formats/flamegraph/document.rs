//! The two JSON shapes of a flame graph, read with [`Reader`] in one pass.
//!
//! Connect: `{"flamegraph": {"names": [..], "levels": [{"values": [..]}, ..], "total": ..}}`.
//! Legacy: `{"flamebearer": {"names": [..], "levels": [[..], ..], "numTicks": ..},
//! "metadata": {"format": ..}}`. As with serde's derived readers: fields may come in any
//! order, unknown fields are skipped, a field given twice is an error, and a field that is
//! missing or `null` takes its protobuf default (empty, or 0).

use std::borrow::Cow;

use serde::de::Error as _;

use super::analyse::{analyse, TreeBuilder};
use super::reader::{Error, Reader};
use super::{FlameGraphStats, FlamegraphError};

/// What both encodings carry: the names, the levels and the declared total.
pub(super) struct Graph<'a> {
    names: Vec<Cow<'a, str>>,
    levels: Levels,
    total: i64,
}

/// A graph's levels, as read.
enum Levels {
    /// The names came first (as Pyroscope writes them), so each level went into the tree as
    /// soon as it was read, and no level was kept. A level that does not fit stops the
    /// building, and its error waits until the whole document is read: a malformed document
    /// (or a legacy diff format, given after the levels) is reported first, as if the levels
    /// had been checked after reading.
    Built(Result<TreeBuilder, FlamegraphError>),
    /// The levels came before the names: every level's values in one buffer, and where each
    /// level ends.
    Kept { values: Vec<i64>, ends: Vec<usize> },
}

impl Graph<'_> {
    /// The statistics of the graph, whose root must hold the declared total.
    pub(super) fn stats(self) -> Result<FlameGraphStats, FlamegraphError> {
        let total =
            u64::try_from(self.total).map_err(|_| FlamegraphError::NegativeTotal(self.total))?;
        match self.levels {
            Levels::Built(tree) => tree?.finish(&self.names, total),
            Levels::Kept { values, ends } => {
                let starts = std::iter::once(0).chain(ends.iter().copied());
                let levels: Vec<&[i64]> = starts.zip(&ends).map(|(s, &e)| &values[s..e]).collect();
                analyse(&self.names, &levels, total)
            }
        }
    }
}

/// A legacy document: the flame graph, if any, and `metadata.format`.
pub(super) struct Legacy<'a> {
    pub(super) graph: Option<Graph<'a>>,
    pub(super) format: Option<Cow<'a, str>>,
}

/// Reads a Connect `SelectMergeStacktraces` response; `None` when it holds no flame graph.
pub(super) fn read_connect(bytes: &[u8]) -> Result<Option<Graph<'_>>, Error> {
    let mut r = Reader::new(bytes);
    let mut graph = None;
    let mut seen = Seen::default();
    r.object(|r, key| match key {
        "flamegraph" => {
            seen.first(r, 0, key)?;
            graph = optional(r, |r| graph_fields(r, "total", connect_level))?;
            Ok(())
        }
        _ => r.skip(),
    })?;
    r.end()?;
    Ok(graph)
}

/// Reads a legacy `/render?format=json` response.
pub(super) fn read_legacy(bytes: &[u8]) -> Result<Legacy<'_>, Error> {
    let mut r = Reader::new(bytes);
    let mut doc = Legacy {
        graph: None,
        format: None,
    };
    let mut seen = Seen::default();
    r.object(|r, key| match key {
        "flamebearer" => {
            seen.first(r, 0, key)?;
            doc.graph = optional(r, |r| graph_fields(r, "numTicks", Reader::ints))?;
            Ok(())
        }
        "metadata" => {
            seen.first(r, 1, key)?;
            doc.format = optional(r, metadata)?.flatten();
            Ok(())
        }
        _ => r.skip(),
    })?;
    r.end()?;
    Ok(doc)
}

/// The flame graph object of either encoding, whose total is called `total_key` and whose
/// levels are read by `level` (which appends one level's values to the buffer it is given).
fn graph_fields<'a>(
    r: &mut Reader<'a>,
    total_key: &str,
    mut level: impl FnMut(&mut Reader<'a>, &mut Vec<i64>) -> Result<(), Error>,
) -> Result<Graph<'a>, Error> {
    let mut g = Graph {
        names: Vec::new(),
        levels: Levels::Kept {
            values: Vec::new(),
            ends: Vec::new(),
        },
        total: 0,
    };
    let mut seen = Seen::default();
    r.object(|r, key| match key {
        "names" => {
            seen.first(r, 0, key)?;
            if !r.null()? {
                r.array(|r| {
                    g.names.push(r.string()?);
                    Ok(())
                })?;
            }
            Ok(())
        }
        "levels" => {
            let names_known = seen.has(0);
            seen.first(r, 1, key)?;
            if r.null()? {
                return Ok(());
            }
            if names_known {
                let mut tree = Ok(TreeBuilder::new(&g.names));
                let mut values = Vec::new();
                r.array(|r| {
                    values.clear();
                    level(r, &mut values)?;
                    if let Ok(builder) = &mut tree {
                        if let Err(e) = builder.level(&values) {
                            tree = Err(e);
                        }
                    }
                    Ok(())
                })?;
                g.levels = Levels::Built(tree);
            } else if let Levels::Kept { values, ends } = &mut g.levels {
                r.array(|r| {
                    level(r, values)?;
                    ends.push(values.len());
                    Ok(())
                })?;
            }
            Ok(())
        }
        _ if key == total_key => {
            seen.first(r, 2, key)?;
            g.total = optional(r, Reader::int)?.unwrap_or(0);
            Ok(())
        }
        _ => r.skip(),
    })?;
    Ok(g)
}

/// A Connect level: `{"values": [..]}`, where `values` may be missing or `null`.
fn connect_level(r: &mut Reader<'_>, values: &mut Vec<i64>) -> Result<(), Error> {
    let mut seen = Seen::default();
    r.object(|r, key| match key {
        "values" => {
            seen.first(r, 0, key)?;
            if !r.null()? {
                r.ints(values)?;
            }
            Ok(())
        }
        _ => r.skip(),
    })
}

/// Legacy `metadata`: its `format`, a string or `null`.
fn metadata<'a>(r: &mut Reader<'a>) -> Result<Option<Cow<'a, str>>, Error> {
    let mut format = None;
    let mut seen = Seen::default();
    r.object(|r, key| match key {
        "format" => {
            seen.first(r, 0, key)?;
            format = optional(r, Reader::string)?;
            Ok(())
        }
        _ => r.skip(),
    })?;
    Ok(format)
}

/// `None` for `null`, else what `read` reads.
fn optional<'a, T>(
    r: &mut Reader<'a>,
    read: impl FnOnce(&mut Reader<'a>) -> Result<T, Error>,
) -> Result<Option<T>, Error> {
    if r.null()? {
        Ok(None)
    } else {
        read(r).map(Some)
    }
}

/// The fields of one object already read, by position in the reader's list.
#[derive(Default)]
struct Seen(u8);

impl Seen {
    fn has(&self, field: u8) -> bool {
        self.0 & (1 << field) != 0
    }

    fn first(&mut self, r: &Reader<'_>, field: u8, name: &str) -> Result<(), Error> {
        if self.has(field) {
            return Err(Error::custom(format!(
                "duplicate field `{name}` before byte {}",
                r.position()
            )));
        }
        self.0 |= 1 << field;
        Ok(())
    }
}

//! Where the functions of a profile live in the source
//! (docs/regressions.md#the-change-that-caused-it): each sampled function's file
//! (`Function.filename`), first line (`Function.start_line`) and the lines its samples were taken
//! at (`Line.line` of the sampled locations, an inlined line counting for its own function). A
//! function is named as the flame graph names its frames (`tables.rs`), so a site and a ranked
//! function of the same file are matched by name.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::decode::{pprof_bytes, tables};
use super::error::PprofError;
use super::profile::Limits;
use super::proto;
use super::tables::{address_name, function_ids, function_name, function_of, string, IdMap};
use super::walk::{keeps, SampleFilter};
use super::wire::{for_each_sample, read_sample, unpack, SampleParts};
use pf_model::FunctionSite;

/// The sites of every function with a positive value of sample type `sample_type` (its index)
/// in a sample `filter` keeps, in a file's content (gzip or raw; a JFR recording as the pprof
/// of all its sample types), sorted by name then file. Negative values count nowhere, as in the
/// flame graph. A function without a file is left out, unless its name has py-spy's form
/// `handle (app.py:12)` (its file is then `app.py`, and 12 a sampled line) or JFR's
/// `package/Class.method` (its file `package/Class.java`).
pub fn function_sites(
    raw: &[u8],
    limits: Limits,
    sample_type: usize,
    filter: SampleFilter<'_>,
) -> Result<Vec<FunctionSite>, PprofError> {
    let bytes = pprof_bytes(raw, limits)?;
    let tables = tables(&bytes)?;
    let sampled = sampled_locations(&bytes, &tables, sample_type, filter)?;
    sites_of(&tables, &sampled)
}

/// Which locations (by position) are on the stack of a sample kept.
fn sampled_locations(
    bytes: &[u8],
    tables: &proto::ProfileTables,
    sample_type: usize,
    filter: SampleFilter<'_>,
) -> Result<Vec<bool>, PprofError> {
    let types = tables.sample_type.len();
    if sample_type >= types {
        return Err(PprofError::Invalid(format!(
            "sample type {sample_type} of a profile of {types}"
        )));
    }
    let strings: Vec<Cow<'_, str>> = match filter {
        Some(_) => tables
            .string_table
            .iter()
            .map(|s| String::from_utf8_lossy(s))
            .collect(),
        None => Vec::new(),
    };
    let ids = tables.location.iter().map(|l| l.id).zip(0..);
    let locations = IdMap::new(ids, tables.location.len());
    let mut sampled = vec![false; tables.location.len()];
    let (mut parts, mut stack, mut pairs) = (SampleParts::default(), Vec::new(), Vec::new());
    for_each_sample(bytes, |sample| {
        read_sample(sample, &mut parts, filter.is_some())?;
        if parts.values.len() != types {
            return Err(PprofError::Invalid(format!(
                "a sample has {} values for {types} sample types",
                parts.values.len()
            )));
        }
        if parts.values[sample_type] <= 0 || !keeps(filter, &strings, &parts.labels, &mut pairs)? {
            return Ok(());
        }
        stack.clear();
        if let Some(packed) = parts.packed {
            unpack(packed, &mut stack)?;
        }
        stack.extend_from_slice(&parts.ids);
        for &id in &stack {
            let at = locations.get(id).ok_or(PprofError::BadIndex {
                what: "location id",
                index: id,
            })?;
            sampled[at as usize] = true;
        }
        Ok(())
    })?;
    Ok(sampled)
}

/// What is known of one site while the locations are read.
#[derive(Default)]
struct Site {
    start_line: Option<u32>,
    sampled: BTreeSet<u32>,
}

/// The sites of the functions of the `sampled` locations.
fn sites_of(
    tables: &proto::ProfileTables,
    sampled: &[bool],
) -> Result<Vec<FunctionSite>, PprofError> {
    let table = &tables.string_table;
    let functions = function_ids(&tables.function);
    let mut named = Vec::with_capacity(tables.function.len());
    for f in &tables.function {
        // The reader never reads a file name: one it cannot find is no file, not a bad file.
        let file = string(table, f.filename, "function file name string").unwrap_or_default();
        named.push((function_name(table, f)?, file));
    }
    let mut sites: BTreeMap<(String, String), Site> = BTreeMap::new();
    let locations = tables.location.iter().zip(sampled).filter(|(_, s)| **s);
    for (location, _) in locations {
        for line in &location.line {
            let at = function_of(&functions, line)? as usize;
            let (name, file) = &named[at];
            let name = match name.as_str() {
                "" => address_name(location),
                name => name.to_owned(),
            };
            let (file, named_line) = match file.as_str() {
                "" => match (py_spy_place(&name), java_file(&name)) {
                    (Some((file, line)), _) => (file.to_owned(), Some(line)),
                    (None, Some(file)) => (file, None),
                    (None, None) => continue,
                },
                file => (file.to_owned(), None),
            };
            let site = sites.entry((name, file)).or_default();
            if site.start_line.is_none() {
                site.start_line = positive(tables.function[at].start_line);
            }
            site.sampled
                .extend(positive(line.line).into_iter().chain(named_line));
        }
    }
    Ok(sites
        .into_iter()
        .map(|((name, file), site)| FunctionSite {
            name,
            file,
            start_line: site.start_line,
            sampled: site.sampled.into_iter().collect(),
        })
        .collect())
}

/// The source file a JVM frame `package/Class.method` (as JFR names it) comes from, by Java's
/// convention: `package/Class.java`, an inner class (`Outer$Inner`) in its outer class's file.
/// A build path is then matched by its suffix, as every file is.
fn java_file(name: &str) -> Option<String> {
    let (class, method) = name.rsplit_once('.')?;
    let outer = class.split('$').next()?;
    let simple = outer.rsplit('/').next()?;
    let java_identifier = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && s.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '<' || c == '>')
    };
    let method_ok = matches!(method, "<init>" | "<clinit>") || java_identifier(method);
    (outer.contains('/') && java_identifier(simple) && method_ok).then(|| format!("{outer}.java"))
}

/// A line number when it is one (a pprof line of 0 says nothing).
fn positive(line: i64) -> Option<u32> {
    u32::try_from(line).ok().filter(|&l| l > 0)
}

/// The file and line of a frame named as py-spy names them, `handle (app.py:12)`.
fn py_spy_place(name: &str) -> Option<(&str, u32)> {
    let inner = name.strip_suffix(')')?;
    let (_, place) = inner.rsplit_once(" (")?;
    let (file, line) = place.rsplit_once(':')?;
    let line = line.parse().ok().filter(|&l| l > 0)?;
    (!file.is_empty()).then_some((file, line))
}

#[cfg(test)]
#[path = "sites_tests.rs"]
mod tests;

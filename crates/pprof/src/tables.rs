//! The small tables of a profile resolved once: sample types by name, and every location's
//! frames as names interned in the file's tree, so that walking the samples only looks ids up.

use std::collections::HashMap;

use super::error::PprofError;
use super::profile::SampleType;
use super::proto;
use super::tree::StackTree;

/// Maps item ids to a value per item (never `u32::MAX`), given in the items' order; an id of 0
/// stands for the item's 1-based position (a .NET profiler leaves function ids out while its
/// lines count from 1). The first item wins a duplicate id.
pub(super) struct IdMap {
    dense: Vec<u32>,
    sparse: HashMap<u64, u32>,
}

impl IdMap {
    pub(super) fn new(items: impl Iterator<Item = (u64, u32)>, len: usize) -> Self {
        let mut map = IdMap {
            dense: vec![u32::MAX; len.saturating_mul(2) + 16],
            sparse: HashMap::new(),
        };
        for (pos, (id, value)) in items.enumerate() {
            let id = if id == 0 { pos as u64 + 1 } else { id };
            match usize::try_from(id).ok().and_then(|i| map.dense.get_mut(i)) {
                Some(slot) if *slot == u32::MAX => *slot = value,
                Some(_) => {}
                None => {
                    map.sparse.entry(id).or_insert(value);
                }
            }
        }
        map
    }

    #[inline]
    pub(super) fn get(&self, id: u64) -> Option<u32> {
        match usize::try_from(id).ok().and_then(|i| self.dense.get(i)) {
            Some(&i) if i != u32::MAX => Some(i),
            Some(_) => None,
            None => self.sparse.get(&id).copied(),
        }
    }
}

/// Entry `index` of the string table, read lossily.
pub(super) fn string(
    table: &[Vec<u8>],
    index: i64,
    what: &'static str,
) -> Result<String, PprofError> {
    usize::try_from(index)
        .ok()
        .and_then(|i| table.get(i))
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .ok_or(PprofError::BadIndex {
            what,
            index: index.unsigned_abs(),
        })
}

pub(super) fn sample_type(
    table: &[Vec<u8>],
    t: &proto::ValueType,
) -> Result<SampleType, PprofError> {
    Ok(SampleType {
        kind: string(table, t.r#type, "sample type string")?,
        unit: string(table, t.unit, "sample unit string")?,
    })
}

/// The name a function's frames get: its `name`, else its `system_name`; empty when it has
/// neither (its frames are then named by their location's [`address_name`]).
pub(super) fn function_name(table: &[Vec<u8>], f: &proto::Function) -> Result<String, PprofError> {
    let name = string(table, f.name, "function name string")?;
    if !name.is_empty() {
        return Ok(name);
    }
    string(table, f.system_name, "function system name string")
}

/// The name of a frame of `loc` that has no function name: its address.
pub(super) fn address_name(loc: &proto::Location) -> String {
    format!("0x{:x}", loc.address)
}

/// Function id → its position in `functions`.
pub(super) fn function_ids(functions: &[proto::Function]) -> IdMap {
    let positions = functions.iter().map(|f| f.id).zip(0..);
    IdMap::new(positions, functions.len())
}

/// The position of the function of `line`.
pub(super) fn function_of(functions: &IdMap, line: &proto::Line) -> Result<u32, PprofError> {
    functions.get(line.function_id).ok_or(PprofError::BadIndex {
        what: "function id",
        index: line.function_id,
    })
}

/// A location as the walk sees it: the name of its only frame (most locations have one), or,
/// with [`MANY`] set, the index of its frames in [`Locations`]. Equal codes are equal frames,
/// so the walk compares and follows codes and reads the frame list only for inlined lines.
pub(super) type Code = u32;

const MANY: Code = 1 << 31;

/// Every location's frames, root first, as name indexes of the tree they were interned in.
pub(super) struct Locations {
    /// Location id → its [`Code`]: one lookup per location reference.
    ids: IdMap,
    /// Frames of the `i`th location of several frames: `frames[starts[i]..starts[i + 1]]`.
    frames: Vec<u32>,
    starts: Vec<u32>,
}

impl Locations {
    /// Checks every function and string index of the locations and interns their names in
    /// `tree`. Each `Line` is a frame, the innermost inlined callee last (nearest the leaf); a
    /// location without lines, or a function without a name, is named by its address.
    pub(super) fn resolve(
        p: &proto::ProfileTables,
        tree: &mut StackTree,
    ) -> Result<Self, PprofError> {
        let table = &p.string_table;
        let mut function_names = Vec::with_capacity(p.function.len());
        for f in &p.function {
            let name = function_name(table, f)?;
            // Interned now, once per function; an empty name is replaced per location.
            function_names.push((!name.is_empty()).then(|| tree.intern(&name)));
        }
        let functions = function_ids(&p.function);
        let (mut frames, mut starts) = (Vec::new(), vec![0]);
        let mut codes = Vec::with_capacity(p.location.len());
        let mut names = Vec::new();
        for loc in &p.location {
            let address = || address_name(loc);
            names.clear();
            if loc.line.is_empty() {
                names.push(tree.intern(&address()));
            }
            for line in loc.line.iter().rev() {
                let f = function_of(&functions, line)?;
                let name = match function_names[f as usize] {
                    Some(name) => name,
                    None => tree.intern(&address()),
                };
                names.push(name);
            }
            let code = match names[..] {
                [name] if name < MANY => name,
                _ => {
                    let index = starts.len() as u32 - 1;
                    if index >= MANY - 1 {
                        return Err(PprofError::Invalid("too many locations".into()));
                    }
                    frames.extend_from_slice(&names);
                    starts.push(frames.len() as u32);
                    MANY | index
                }
            };
            codes.push(code);
        }
        let ids = p.location.iter().map(|l| l.id).zip(codes);
        Ok(Locations {
            ids: IdMap::new(ids, p.location.len()),
            frames,
            starts,
        })
    }

    /// The code of the location with `id`.
    #[inline]
    pub(super) fn get(&self, id: u64) -> Result<Code, PprofError> {
        self.ids.get(id).ok_or(PprofError::BadIndex {
            what: "location id",
            index: id,
        })
    }

    /// A location's frames (root first), by its code.
    #[inline]
    pub(super) fn frames<'a>(&'a self, code: &'a Code) -> &'a [u32] {
        if code & MANY == 0 {
            return std::slice::from_ref(code);
        }
        let i = (code & !MANY) as usize;
        &self.frames[self.starts[i] as usize..self.starts[i + 1] as usize]
    }
}

//! Where an app's files live under a profile directory: its name, reversibly encoded so that
//! any app name (`default/checkout`, `team a/checkout`, 255 characters of any script) is a
//! path a file system takes (docs/agents.md#pushing-from-agents).
//!
//! A name is written as it is, except `\`, `/` and a `.` that would start a path component
//! (so none is hidden, `.` or `..`), each written as `\` and its two hex digits (`\5C`, `\2F`,
//! `\2E`). A name whose encoding is longer than a file name may be (255 bytes) is split into
//! directories, each but the last ending in a lone `\`, which no encoded name ends with. The
//! releases before refused `\` in a name, so every directory they wrote reads as it is: the
//! encoding needs no marker, no migration, and never writes to a directory it only reads.

use std::io;
use std::path::{Path, PathBuf};

use super::read::sorted_entries;
use pf_model::AppName;

/// The longest path component, in bytes (`NAME_MAX` of Linux's file systems).
const MAX_COMPONENT: usize = 255;

/// Starts an escape, and alone at a component's end marks that the name continues below it.
const ESCAPE: char = '\\';

/// The deepest a name's components go: 255 characters of four bytes, each encoded in at most
/// three, fill 13 components.
const MAX_DEPTH: usize = 16;

/// The directory of `app`'s files under `root`.
pub fn app_dir(root: &Path, app: &AppName) -> PathBuf {
    let mut path = root.to_path_buf();
    path.extend(components(app.as_str()));
    path
}

/// `c` as written in a component; `at_start`: the first character of one.
fn escaped(c: char, at_start: bool) -> String {
    match c {
        ESCAPE | '/' => format!("{ESCAPE}{:02X}", c as u32),
        '.' if at_start => format!("{ESCAPE}2E"),
        _ => c.to_string(),
    }
}

/// `app` as path components: encoded, and split where a component would grow too long.
fn components(app: &str) -> Vec<String> {
    let whole: String = app
        .char_indices()
        .map(|(i, c)| escaped(c, i == 0))
        .collect();
    if whole.len() <= MAX_COMPONENT {
        return vec![whole];
    }
    let (mut parts, mut current) = (Vec::new(), String::new());
    for c in app.chars() {
        let mut piece = escaped(c, current.is_empty());
        if current.len() + piece.len() + ESCAPE.len_utf8() > MAX_COMPONENT {
            current.push(ESCAPE);
            parts.push(std::mem::take(&mut current));
            piece = escaped(c, true);
        }
        current.push_str(&piece);
    }
    parts.push(current);
    parts
}

/// The name `encoded` stands for: each `\` and two hex digits the character they name; `None`
/// when an escape is broken.
fn decoded(encoded: &str) -> Option<String> {
    let mut name = String::with_capacity(encoded.len());
    let mut rest = encoded;
    while let Some(at) = rest.find(ESCAPE) {
        name.push_str(&rest[..at]);
        let hex = rest.get(at + 1..at + 3)?;
        let byte = u8::from_str_radix(hex, 16).ok()?;
        name.push(char::from(byte));
        rest = &rest[at + 3..];
    }
    name.push_str(rest);
    Some(name)
}

/// Every app directory under `root` with the name of the app whose files it holds, sorted by
/// path. Hidden entries, plain files and directories whose name decodes to no app name are
/// not apps.
///
/// # Errors
/// When `root` cannot be listed.
pub fn app_dirs(root: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    walk(root, String::new(), 0, &mut found)?;
    Ok(found)
}

fn walk(
    dir: &Path,
    prefix: String,
    depth: usize,
    found: &mut Vec<(String, PathBuf)>,
) -> io::Result<()> {
    for (path, meta) in sorted_entries(dir)? {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !meta.is_dir() || name.starts_with('.') {
            continue;
        }
        if let Some(continued) = name.strip_suffix(ESCAPE) {
            if depth + 1 < MAX_DEPTH {
                // A directory below that cannot be listed holds no app this listing can read.
                let _ = walk(&path, format!("{prefix}{continued}"), depth + 1, found);
            }
            continue;
        }
        let app = decoded(&format!("{prefix}{name}"));
        if let Some(app) = app.filter(|a| AppName::parse_field(a, "appName").is_ok()) {
            found.push((app, path));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "app_dir_tests.rs"]
mod tests;

//! Where an app's files live under a profile directory: its name, reversibly encoded so that
//! any app name (`default/checkout`, `team a/checkout`, 255 characters of any script) is a
//! path a file system takes (docs/agents.md#the-push-store).
//!
//! A name is written as it is, except `%`, `/` and `\` (as `%25`, `%2F`, `%5C`) and a `.`
//! that would start a path component (`%2E`, so no component is hidden, `.` or `..`). A name
//! whose encoding is longer than a file name may be (255 bytes) is split into directories, each
//! but the last ending in a lone `%` — which no encoded name ends with.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use percent_encoding::percent_decode_str;

use super::read::sorted_entries;
use crate::model::AppName;

/// The longest path component, in bytes (`NAME_MAX` of Linux's file systems).
const MAX_COMPONENT: usize = 255;

/// Marks a directory whose components continue below it.
const CONTINUED: char = '%';

/// The deepest a name's components go: 255 characters of four bytes, each encoded in at most
/// three, fill 13 components.
const MAX_DEPTH: usize = 16;

/// In a directory written before names were encoded, the name it was written under: the
/// literal name, when it holds a `%` the encoding would read otherwise.
pub const LITERAL_NAME_FILE: &str = ".app-name";

/// At the root of a store whose app directories are named by [`app_dir`].
pub const LAYOUT_FILE: &str = ".layout";

/// The directory of `app`'s files under `root`.
pub fn app_dir(root: &Path, app: &AppName) -> PathBuf {
    let mut path = root.to_path_buf();
    path.extend(components(app.as_str()));
    path
}

/// `app` as path components: encoded, and split where a component would grow too long.
fn components(app: &str) -> Vec<String> {
    let escaped = |c: char, at_start: bool| -> String {
        match c {
            '%' | '/' | '\\' => format!("%{:02X}", c as u32),
            '.' if at_start => "%2E".to_owned(),
            _ => c.to_string(),
        }
    };
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
        if current.len() + piece.len() + CONTINUED.len_utf8() > MAX_COMPONENT {
            current.push(CONTINUED);
            parts.push(std::mem::take(&mut current));
            piece = escaped(c, true);
        }
        current.push_str(&piece);
    }
    parts.push(current);
    parts
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
        if depth == 0 {
            if let Ok(literal) = fs::read_to_string(path.join(LITERAL_NAME_FILE)) {
                found.push((literal, path));
                continue;
            }
        }
        let joined = format!("{prefix}{name}");
        if let Some(continued) = joined.strip_suffix(CONTINUED) {
            if depth + 1 < MAX_DEPTH {
                // A directory below that cannot be listed holds no app this listing can read.
                let _ = walk(&path, continued.to_owned(), depth + 1, found);
            }
            continue;
        }
        if let Some(app) = decoded(&joined) {
            found.push((app, path));
        }
    }
    Ok(())
}

/// The app name `encoded` stands for, when it is one.
fn decoded(encoded: &str) -> Option<String> {
    let name = percent_decode_str(encoded).decode_utf8().ok()?;
    AppName::parse_field(&name, "appName").ok()?;
    Some(name.into_owned())
}

/// Makes `root` a store whose app directories are named by [`app_dir`]: a store written before
/// (no [`LAYOUT_FILE`]) keeps reading as it was written, each directory whose name holds a `%`
/// told its literal name in [`LITERAL_NAME_FILE`]. Done once; doing it again changes nothing.
///
/// # Errors
/// When `root` cannot be created, listed or written.
pub fn adopt_layout(root: &Path) -> io::Result<()> {
    fs::create_dir_all(root)?;
    let marker = root.join(LAYOUT_FILE);
    if marker.exists() {
        return Ok(());
    }
    for (path, meta) in sorted_entries(root)? {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if meta.is_dir() && !name.starts_with('.') && name.contains('%') {
            write_synced(&path.join(LITERAL_NAME_FILE), name)?;
        }
    }
    let mut text = String::new();
    let _ = writeln!(
        text,
        "app directories: percent-encoded names (% / \\ and a leading . escaped), split at \
         {MAX_COMPONENT} bytes"
    );
    write_synced(&marker, &text)
}

fn write_synced(path: &Path, text: &str) -> io::Result<()> {
    use std::io::Write;
    let mut file = fs::File::create(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
#[path = "app_dir_tests.rs"]
mod tests;

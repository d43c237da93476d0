//! The house is one-way. Its floors are crates (`crates/`: model, formats, detection, infra,
//! http), and Cargo keeps them in order: a floor cannot name a higher one, nor a pure floor a
//! framework, because it does not depend on it. What Cargo cannot see is inside the crate of
//! `src/`, the capabilities (one folder each: `profiles/`, `ingest/`, `watch/`, `regressions/`,
//! `alerts/`, …) under the root (`app/`, `settings/`, `main.rs`). This reads the imports of
//! every file under `src/` and fails, naming the import, when a capability imports the root,
//! when files import each other in a loop, when capabilities depend on each other both ways, or
//! when one reaches past another's `mod.rs`; and it reads the pure floors' manifests, which
//! Cargo takes as they are written.
//!
//! An import names a module path; it points at the file of that module, or, when that file only
//! re-exports the name (`pub use child::Name`), at the file the name comes from. Unit-test files
//! and `#[cfg(test)]` modules are left out: tests may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The floors of `src/`, lowest first.
const LAYERS: [&str; 2] = ["capability", "root"];

fn layer_of(file: &str) -> usize {
    match top_folder(file).as_str() {
        "app" | "settings" | "main.rs" | "lib.rs" => 1,
        _ => 0,
    }
}

/// `src/watch/store/done.rs` -> `watch`; `src/main.rs` -> `main.rs`.
fn top_folder(file: &str) -> String {
    file.trim_start_matches("src/")
        .split('/')
        .next()
        .unwrap_or(file)
        .to_owned()
}

/// One source file, as a module.
struct Module {
    file: String,
    path: Vec<String>,
    /// Full module paths this file imports (each ending in the imported item).
    imports: Vec<Vec<String>>,
    /// `pub use` re-exports: exported name → full path of its source.
    reexports: BTreeMap<String, Vec<String>>,
    /// The modules it declares (`mod name;`).
    children: Vec<String>,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_test_file(file: &str) -> bool {
    file.ends_with("_tests.rs") || file.ends_with("/tests.rs")
}

fn module_path(file: &str) -> Vec<String> {
    let inner = file.trim_start_matches("src/").trim_end_matches(".rs");
    let mut parts: Vec<String> = inner.split('/').map(str::to_owned).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The source without comments and without `#[cfg(test)]` items.
fn production_code(source: &str) -> String {
    let lines: Vec<&str> = source
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect();
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "#[cfg(test)]" {
            // Skip the item that follows: up to its matching brace, or its `;`.
            let mut depth = 0i32;
            let mut opened = false;
            i += 1;
            while i < lines.len() {
                for c in lines[i].chars() {
                    match c {
                        '{' => {
                            depth += 1;
                            opened = true;
                        }
                        '}' => depth -= 1,
                        _ => {}
                    }
                }
                let ends =
                    (opened && depth <= 0) || (!opened && lines[i].trim_end().ends_with(';'));
                i += 1;
                if ends {
                    break;
                }
            }
            continue;
        }
        out.push_str(lines[i]);
        out.push('\n');
        i += 1;
    }
    out
}

/// Expands `a::{b, c::{d, e}}` into `[a::b, a::c::d, a::c::e]`.
fn expand(tree: &str) -> Vec<Vec<String>> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree);
        return vec![path.split("::").map(|s| s.trim().to_owned()).collect()];
    };
    let prefix: Vec<String> = tree[..open]
        .trim_end_matches("::")
        .split("::")
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().to_owned())
        .collect();
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(expand)
        .map(|tail| {
            let mut full = prefix.clone();
            full.extend(tail.into_iter().filter(|s| s != "self"));
            full
        })
        .collect()
}

/// `crate::…`, `super::…`, `self::…` and child-module paths, made absolute (without `crate`).
fn absolute(
    path: &[String],
    here: &[String],
    is_mod_file: bool,
    children: &[String],
) -> Option<Vec<String>> {
    // The module a `super`/`self` is relative to: a non-mod file is its own module.
    let mut base: Vec<String> = here.to_vec();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        Some(first) if is_mod_file || children.iter().any(|c| c == first) => {
            if !children.iter().any(|c| c == first) {
                return None;
            }
        }
        _ => return None,
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

fn parse(file: &str, source: &str) -> Module {
    let here = module_path(file);
    let is_mod_file = file.ends_with("/mod.rs") || file == "src/lib.rs";
    let code = production_code(source);
    let children: Vec<String> = code
        .lines()
        .filter_map(|l| {
            let l = l
                .trim()
                .trim_start_matches("pub ")
                .trim_start_matches("pub(crate) ");
            l.strip_prefix("mod ")
                .map(|m| m.trim_end_matches(';').trim().to_owned())
        })
        .collect();
    let mut imports = Vec::new();
    let mut reexports = BTreeMap::new();
    // `use` statements, possibly spanning lines.
    let mut rest = code.as_str();
    while let Some(pos) = rest.find("use ") {
        let before = &rest[..pos];
        let at_statement = before.is_empty() || before.ends_with(char::is_whitespace);
        let is_pub =
            before.trim_end().ends_with("pub") || before.trim_end().ends_with("pub(crate)");
        let Some(end) = rest[pos..].find(';') else {
            break;
        };
        let tree = &rest[pos + 4..pos + end];
        rest = &rest[pos + end + 1..];
        if !at_statement {
            continue;
        }
        for path in expand(tree) {
            if let Some(abs) = absolute(&path, &here, is_mod_file, &children) {
                // A re-export is a door of this module, not a use of the name: the files
                // that import through it depend on its source, this file does not.
                if is_pub {
                    if let Some(name) = abs.last() {
                        reexports.insert(name.clone(), abs.clone());
                    }
                } else {
                    imports.push(abs);
                }
            }
        }
    }
    // Inline `crate::a::b` paths in code.
    let mut rest = code.as_str();
    while let Some(pos) = rest.find("crate::") {
        let tail = &rest[pos + 7..];
        let end = tail
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(tail.len());
        let path: Vec<String> = tail[..end]
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if !path.is_empty() {
            imports.push(path);
        }
        rest = &tail[end..];
    }
    Module {
        file: file.to_owned(),
        path: here,
        imports,
        reexports,
        children,
    }
}

/// The file an import points at, following re-exports to where the name is defined.
fn target<'a>(modules: &'a [Module], import: &[String]) -> Option<&'a Module> {
    let mut path = import.to_vec();
    for _ in 0..8 {
        let owner = (0..=path.len())
            .rev()
            .find_map(|n| modules.iter().find(|m| m.path == path[..n]))?;
        let next = path.get(owner.path.len());
        match next.and_then(|name| owner.reexports.get(name)) {
            Some(source) if *source != path => {
                let mut followed = source.clone();
                followed.extend(path[owner.path.len() + 1..].iter().cloned());
                path = followed;
            }
            _ => return Some(owner),
        }
    }
    None
}

/// Every production file under `src/` (unit-test files left out) with its source.
fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files
        .iter()
        .filter_map(|path| {
            let file = path
                .strip_prefix(root)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            let source = fs::read_to_string(path).ok()?;
            // `src/testing/` holds the unit tests' shared builders: test code.
            (!is_test_file(&file) && !file.starts_with("src/testing/")).then_some((file, source))
        })
        .collect()
}

fn load() -> Vec<Module> {
    sources()
        .iter()
        .filter(|(file, _)| file != "src/main.rs")
        .map(|(file, source)| parse(file, source))
        .collect()
}

/// Import edges between different files: (from, to, the import as written).
fn edges(modules: &[Module]) -> Vec<(String, String, String)> {
    let mut out = BTreeSet::new();
    for m in modules {
        for import in &m.imports {
            if let Some(t) = target(modules, import) {
                if t.file != m.file {
                    out.insert((
                        m.file.clone(),
                        t.file.clone(),
                        format!("crate::{}", import.join("::")),
                    ));
                }
            }
        }
    }
    out.into_iter().collect()
}

/// Strongly connected components of more than one file (Tarjan).
fn loops(files: &[String], edges: &[(String, String, String)]) -> Vec<Vec<String>> {
    struct State<'a> {
        next: BTreeMap<&'a str, Vec<&'a str>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        counter: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(v: &'a str, s: &mut State<'a>) {
        s.index.insert(v, s.counter);
        s.low.insert(v, s.counter);
        s.counter += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.next.get(v).cloned().unwrap_or_default() {
            if !s.index.contains_key(w) {
                visit(w, s);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        next: BTreeMap::new(),
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        counter: 0,
        found: Vec::new(),
    };
    for (from, to, _) in edges {
        state
            .next
            .entry(from.as_str())
            .or_default()
            .push(to.as_str());
    }
    for f in files {
        if !state.index.contains_key(f.as_str()) {
            visit(f.as_str(), &mut state);
        }
    }
    state.found
}

#[test]
fn no_file_imports_a_higher_layer() {
    let modules = load();
    assert!(modules.len() > 50, "read only {} files", modules.len());
    let upward: Vec<String> = edges(&modules)
        .into_iter()
        .filter(|(from, to, _)| layer_of(to) > layer_of(from))
        .map(|(from, to, import)| {
            format!(
                "{from} ({}) imports `{import}` from {to} ({})",
                LAYERS[layer_of(&from)],
                LAYERS[layer_of(&to)]
            )
        })
        .collect();
    assert!(
        upward.is_empty(),
        "imports that point up:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_files_import_each_other_in_a_loop() {
    let modules = load();
    let files: Vec<String> = modules.iter().map(|m| m.file.clone()).collect();
    let edges = edges(&modules);
    let found = loops(&files, &edges);
    let described: Vec<String> = found
        .iter()
        .map(|component| {
            let inside: Vec<String> = edges
                .iter()
                .filter(|(f, t, _)| component.contains(f) && component.contains(t))
                .map(|(f, t, import)| format!("  {f} -> {t}: {import}"))
                .collect();
            format!("loop of {} files:\n{}", component.len(), inside.join("\n"))
        })
        .collect();
    assert!(found.is_empty(), "{}", described.join("\n"));
}

#[test]
fn the_checker_sees_a_back_import_and_a_loop() {
    // A capability importing the root, and two files importing each other, must both be
    // caught; otherwise the two tests above could pass on a house that breaks the rules.
    let modules = vec![
        parse(
            "src/watch/mod.rs",
            "use crate::settings::Settings;\npub fn f() {}\n",
        ),
        parse(
            "src/settings/mod.rs",
            "pub use load::Settings;\nmod load;\n",
        ),
        parse("src/settings/load.rs", "pub struct Settings;\n"),
        parse(
            "src/alerts/store/mod.rs",
            "pub use error::StoreError;\nmod error;\nmod rows;\n",
        ),
        parse(
            "src/alerts/store/error.rs",
            "use crate::alerts::store::rows::Thing;\npub struct StoreError;\n",
        ),
        parse(
            "src/alerts/store/rows.rs",
            "use crate::alerts::store::StoreError;\npub struct Thing;\n",
        ),
    ];
    let edges = edges(&modules);
    assert!(edges.iter().any(|(f, t, _)| f == "src/watch/mod.rs"
        && t == "src/settings/load.rs"
        && layer_of(t) > layer_of(f)));
    let files: Vec<String> = modules.iter().map(|m| m.file.clone()).collect();
    let found = loops(&files, &edges);
    assert_eq!(
        found,
        vec![vec![
            "src/alerts/store/error.rs".to_owned(),
            "src/alerts/store/rows.rs".to_owned()
        ]]
    );
    // Two capabilities that import each other are one two-way pair.
    let pairs = two_way(&[
        (
            "src/alerts/a.rs".into(),
            "src/triage/b.rs".into(),
            String::new(),
        ),
        (
            "src/triage/b.rs".into(),
            "src/alerts/c.rs".into(),
            String::new(),
        ),
        (
            "src/triage/b.rs".into(),
            "src/settings/d.rs".into(),
            String::new(),
        ),
    ]);
    assert_eq!(pairs, [("alerts".to_owned(), "triage".to_owned())]);
}

/// Pairs of capability folders (sorted, each once) that import each other, straight or round
/// a loop of capabilities.
fn two_way(edges: &[(String, String, String)]) -> Vec<(String, String)> {
    let folder_edges: Vec<(String, String, String)> = edges
        .iter()
        .map(|(f, t, i)| (top_folder(f), top_folder(t), i.clone()))
        .filter(|(f, t, _)| f != t)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let folders: Vec<String> = folder_edges
        .iter()
        .flat_map(|(f, t, _)| [f.clone(), t.clone()])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut pairs = BTreeSet::new();
    for component in loops(&folders, &folder_edges) {
        for a in &component {
            for b in &component {
                if a < b {
                    pairs.insert((a.clone(), b.clone()));
                }
            }
        }
    }
    pairs.into_iter().collect()
}

#[test]
fn capabilities_depend_one_way() {
    let modules = load();
    let pairs = two_way(&edges(&modules));
    assert!(
        pairs.is_empty(),
        "folders that import each other: {pairs:?}"
    );
}

/// The pure floors: no framework, no runtime, no file system.
const PURE_CRATES: [&str; 3] = ["model", "formats", "detection"];

/// What a pure floor's manifest must not depend on: Cargo then keeps its code from naming it.
const FRAMEWORKS: [&str; 4] = ["actix-web", "sqlx", "reqwest", "tokio"];

/// The crates named in a manifest's `[dependencies]` (not its dev-dependencies).
fn dependencies(manifest: &str) -> Vec<String> {
    let section = manifest
        .split("\n[")
        .find(|part| part.starts_with("dependencies]"))
        .unwrap_or_default();
    section
        .lines()
        .skip(1)
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split(['=', '.']).next())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

/// A pure floor: its name, its manifest, and its source files (path, text).
type Floor = (String, String, Vec<(String, String)>);

/// `(crate, what)` for every pure floor that depends on a framework or names `std::fs`
/// (which Cargo cannot keep out: it is the standard library).
fn impure(floors: &[Floor]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (name, manifest, files) in floors {
        for dep in dependencies(manifest) {
            if FRAMEWORKS.contains(&dep.as_str()) {
                found.push((name.clone(), dep));
            }
        }
        for (file, source) in files {
            if !is_test_file(file) && production_code(source).contains("std::fs") {
                found.push((name.clone(), format!("{file} names std::fs")));
            }
        }
    }
    found
}

#[test]
fn the_pure_floors_depend_on_no_framework() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates");
    let floors: Vec<Floor> = PURE_CRATES
        .iter()
        .map(|name| {
            let dir = root.join(name);
            let manifest = fs::read_to_string(dir.join("Cargo.toml")).expect("a manifest");
            let mut paths = Vec::new();
            rust_files(&dir.join("src"), &mut paths);
            let files = paths
                .iter()
                .map(|p| {
                    let file = p.to_string_lossy().replace('\\', "/");
                    (file, fs::read_to_string(p).expect("a source file"))
                })
                .collect();
            (name.to_string(), manifest, files)
        })
        .collect();
    assert!(
        floors.iter().all(|(_, _, files)| files.len() > 5),
        "the pure floors' sources were not read"
    );
    let found = impure(&floors);
    assert!(found.is_empty(), "pure floors that are not: {found:?}");
    // And the checker sees both.
    let planted = [(
        "model".to_owned(),
        "[package]\nname = \"m\"\n\n[dependencies]\nserde.workspace = true\ntokio = { workspace = true }\n\n[dev-dependencies]\nsqlx.workspace = true\n".to_owned(),
        vec![(
            "crates/model/src/notice.rs".to_owned(),
            "fn f() { let _ = std::fs::read(\"x\"); }\n".to_owned(),
        )],
    )];
    assert_eq!(
        impure(&planted),
        [
            ("model".to_owned(), "tokio".to_owned()),
            (
                "model".to_owned(),
                "crates/model/src/notice.rs names std::fs".to_owned()
            )
        ]
    );
}

/// The folders the README's Architecture map names (its first code block in that section):
/// a line at the margin names a root (`crates/`, `src/`), one indented by two spaces a folder
/// of it, by four a subfolder: `crates/model`, `src/watch`, `src/infra/sor`.
fn mapped_folders(readme: &str) -> BTreeSet<String> {
    let section = readme
        .split("## Architecture")
        .nth(1)
        .and_then(|s| s.split("```").nth(1))
        .unwrap_or_default();
    let mut folders = BTreeSet::new();
    let (mut root, mut parent) = (String::new(), String::new());
    for line in section.lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        let Some(folder) = name.strip_suffix('/') else {
            continue;
        };
        match line.len() - line.trim_start().len() {
            0 => root = folder.to_owned(),
            2 => {
                parent = format!("{root}/{folder}");
                folders.insert(parent.clone());
            }
            4 => {
                folders.insert(format!("{parent}/{folder}"));
            }
            _ => {}
        }
    }
    folders
}

/// `root/name` for every folder of `root/`.
fn folders_of(root: &Path, under: &str) -> BTreeSet<String> {
    fs::read_dir(root.join(under))
        .unwrap_or_else(|e| panic!("{under}/: {e}"))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| format!("{under}/{}", e.file_name().to_string_lossy()))
        .filter(|name| name != "src/testing")
        .collect()
}

#[test]
fn the_readme_map_names_every_crate_and_every_top_folder_of_src() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = fs::read_to_string(root.join("README.md")).expect("README.md");
    let mapped = mapped_folders(&readme);
    let mut actual = folders_of(root, "crates");
    actual.extend(folders_of(root, "src"));
    let top: BTreeSet<String> = mapped
        .iter()
        .filter(|f| f.matches('/').count() == 1)
        .cloned()
        .collect();
    assert_eq!(top, actual, "README's map against crates/ and src/");
    for sub in mapped.iter().filter(|f| f.matches('/').count() > 1) {
        // A crate's folders are under its src/.
        let in_crate = sub
            .strip_prefix("crates/")
            .and_then(|rest| rest.split_once('/'))
            .map(|(name, inner)| root.join("crates").join(name).join("src").join(inner));
        assert!(
            root.join(sub).is_dir() || in_crate.is_some_and(|p| p.is_dir()),
            "the map names {sub}"
        );
    }
    // And the reader sees a map that names a folder src/ lacks.
    let planted = mapped_folders("## Architecture\n```\nsrc/\n  ghost/  x\n    sub/  y\n```\n");
    assert_eq!(
        planted,
        BTreeSet::from(["src/ghost".to_owned(), "src/ghost/sub".to_owned()])
    );
}

fn is_capability(folder: &str) -> bool {
    LAYERS[layer_of(&format!("src/{folder}/mod.rs"))] == "capability"
}

/// Imports from one capability into another that name a module of it rather than an item of
/// its `mod.rs` (its contract): `crate::watch::store::Series` instead of `crate::watch::Series`.
fn past_the_face(modules: &[Module]) -> Vec<String> {
    let faces: BTreeMap<&str, &Module> = modules
        .iter()
        .filter(|m| m.path.len() == 1)
        .map(|m| (m.path[0].as_str(), m))
        .collect();
    let mut found = BTreeSet::new();
    for m in modules {
        let own = top_folder(&m.file);
        if !is_capability(&own) {
            continue;
        }
        for import in &m.imports {
            let (Some(other), Some(name)) = (import.first(), import.get(1)) else {
                continue;
            };
            if *other == own || !is_capability(other) {
                continue;
            }
            if faces
                .get(other.as_str())
                .is_some_and(|face| face.children.contains(name))
            {
                found.insert(format!("{} imports crate::{}", m.file, import.join("::")));
            }
        }
    }
    found.into_iter().collect()
}

#[test]
fn a_capability_reaches_another_through_its_mod_rs() {
    let found = past_the_face(&load());
    assert!(
        found.is_empty(),
        "imports past another capability's mod.rs:\n{}",
        found.join("\n")
    );
    // And the checker sees one.
    let planted = vec![
        parse(
            "src/watch/mod.rs",
            "pub mod store;\npub use store::Series;\n",
        ),
        parse("src/watch/store.rs", "pub struct Series;\n"),
        parse(
            "src/regressions/mod.rs",
            "use crate::watch::store::Series;\nuse crate::watch::Series as Fine;\n",
        ),
    ];
    assert_eq!(
        past_the_face(&planted),
        ["src/regressions/mod.rs imports crate::watch::store::Series"]
    );
}

//! The house is one-way, and Cargo keeps it so: every floor and every capability is a crate
//! (`crates/`), and a crate can name only what its manifest depends on, so nothing names a
//! higher floor, no crates depend on each other both ways, and a pure floor cannot name a
//! framework it does not depend on. What Cargo cannot see is checked here: that the pure
//! floors' manifests stay without a framework and their code without `std::fs`; that one
//! capability names another only through the face its `lib.rs` gives (`pf_watch::Series`, not
//! `pf_watch::store::Series`); and that the README's map names every crate and every folder of
//! `src/`. docs/architecture.md has the table of which rule is whose.
//!
//! Unit-test files and `#[cfg(test)]` modules are left out: tests may reach anywhere.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

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

/// The pure floors: no framework, no runtime, no file system.
const PURE_CRATES: [&str; 4] = ["model", "formats", "pprof", "detection"];

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

/// The capability crates (`crates/<name>` holding `pf-<name>`): every crate but the floors and
/// the tests' builders.
fn capabilities(root: &Path) -> Vec<String> {
    let floors = [
        "model",
        "formats",
        "pprof",
        "detection",
        "infra",
        "http",
        "testing",
    ];
    let mut names: Vec<String> = fs::read_dir(root.join("crates"))
        .expect("crates/")
        .flatten()
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !floors.contains(&name.as_str()))
        .collect();
    names.sort();
    names
}

/// The modules a crate's `lib.rs` declares (`mod x;`, `pub mod x;`).
fn declared_modules(lib: &str) -> BTreeSet<String> {
    lib.lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("pub ").unwrap_or(l).strip_prefix("mod "))
        .filter_map(|rest| rest.strip_suffix(';'))
        .map(str::to_owned)
        .collect()
}

/// `file names pf_x::module` for every path from one capability's code into a module of
/// another's rather than an item of its `lib.rs`. `faces` maps a crate's Rust name (`pf_watch`)
/// to the modules its `lib.rs` declares.
fn past_the_face(
    faces: &[(String, BTreeSet<String>)],
    files: &[(String, String, String)],
) -> Vec<String> {
    let mut found = BTreeSet::new();
    for (own, file, source) in files {
        let code = production_code(source);
        for (other, modules) in faces {
            if other == own {
                continue;
            }
            let prefix = format!("{other}::");
            for (at, _) in code.match_indices(&prefix) {
                let rest = &code[at + prefix.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if modules.contains(&name) {
                    found.insert(format!("{file} names {other}::{name}"));
                }
            }
        }
    }
    found.into_iter().collect()
}

#[test]
fn a_capability_reaches_another_through_its_lib_rs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut faces = Vec::new();
    let mut files = Vec::new();
    for name in capabilities(root) {
        let rust_name = format!("pf_{}", name.replace('-', "_"));
        let dir = root.join("crates").join(&name).join("src");
        let lib = fs::read_to_string(dir.join("lib.rs")).expect("a lib.rs");
        faces.push((rust_name.clone(), declared_modules(&lib)));
        let mut paths = Vec::new();
        rust_files(&dir, &mut paths);
        for path in paths {
            let file = path.to_string_lossy().replace('\\', "/");
            if !is_test_file(&file) {
                let source = fs::read_to_string(&path).expect("a source file");
                files.push((rust_name.clone(), file, source));
            }
        }
    }
    assert!(faces.len() > 10, "the capability crates were not found");
    let found = past_the_face(&faces, &files);
    assert!(
        found.is_empty(),
        "paths past another capability's lib.rs:\n{}",
        found.join("\n")
    );
    // And the checker sees one, and not in a test module.
    let planted_faces = vec![(
        "pf_watch".to_owned(),
        declared_modules("pub mod store;\nmod page;\npub use store::Series;\n"),
    )];
    let planted = vec![(
        "pf_regressions".to_owned(),
        "crates/regressions/src/lib.rs".to_owned(),
        "use pf_watch::store::Series;\nuse pf_watch::Series as Fine;\n#[cfg(test)]\nmod tests {\n    use pf_watch::page::X;\n}\n".to_owned(),
    )];
    assert_eq!(
        past_the_face(&planted_faces, &planted),
        ["crates/regressions/src/lib.rs names pf_watch::store"]
    );
}

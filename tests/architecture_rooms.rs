//! Each room holds what its name says. Every route (`#[utoipa::path]`) sits in the crate of
//! the capability that owns its OpenAPI tag, so one capability's crate never holds another's
//! routes (Cargo cannot know a tag); and a `store/` folder holds a store only: no route, no web framework, no HTTP client.
//! The composition root (`app/`) builds no capability's insides: of the types it imports from a
//! capability it writes struct literals only of what a capability's `start` declares it takes
//! (`…Needs`, `…Settings`).
//! Each check fails naming the file, and each is shown to see a planted case.

use std::fs;
use std::path::Path;

/// The capability crate (`crates/<name>`) that owns each OpenAPI tag.
const OWNERS: [(&str, &str); 15] = [
    ("alerts", "alerts"),
    ("rules", "alerts"),
    ("baselines", "baselines"),
    ("diff", "diff-report"),
    ("fleet", "fleet-search"),
    ("front door", "front-door"),
    ("history", "history"),
    ("ingest", "ingest"),
    ("operations", "health"),
    ("profiles", "profiles"),
    ("querier", "querier"),
    ("regressions", "regressions"),
    ("services", "registry"),
    ("trends", "watch"),
    ("triage", "triage"),
];

/// What a store may not name.
const NOT_IN_A_STORE: [&str; 4] = ["utoipa::path", "actix_web", "RemoteSor", "reqwest"];

/// The floors' crates: not capabilities, whatever `app/` builds of them.
const FLOORS: [&str; 6] = [
    "pf_model",
    "pf_formats",
    "pf_detection",
    "pf_infra",
    "pf_http",
    "pf_testing",
];

/// `(path from the repository, text)` of every product file under `src/` and `crates/*/src/`.
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.path());
        for entry in entries {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let name = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                if !name.ends_with("tests.rs") {
                    out.push((name, fs::read_to_string(&path).unwrap()));
                }
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    walk(&root.join("src"), root, &mut out);
    for entry in fs::read_dir(root.join("crates")).unwrap().flatten() {
        if entry.path().join("src").is_dir() {
            walk(&entry.path().join("src"), root, &mut out);
        }
    }
    out
}

/// `crates/watch/src/store/x.rs` -> `watch`; `src/app/x.rs` -> `app`.
fn top_folder(file: &str) -> &str {
    file.strip_prefix("crates/")
        .unwrap_or_else(|| file.trim_start_matches("src/"))
        .split('/')
        .next()
        .unwrap_or(file)
}

/// The tags of the `#[utoipa::path(…)]` attributes in `source`.
fn route_tags(source: &str) -> Vec<String> {
    let mut tags = Vec::new();
    for (at, _) in source.match_indices("#[utoipa::path(") {
        let attribute = &source[at..];
        let end = attribute.find(")]").unwrap_or(attribute.len());
        let Some(tag) = attribute[..end].split("tag = \"").nth(1) else {
            continue;
        };
        tags.push(tag.split('"').next().unwrap_or_default().to_owned());
    }
    tags
}

/// Routes in a folder other than their tag's owner, and tags no folder owns.
fn misplaced_routes(files: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (file, source) in files {
        for tag in route_tags(source) {
            match OWNERS.iter().find(|(t, _)| *t == tag) {
                Some((_, owner)) if *owner == top_folder(file) => {}
                Some((_, owner)) => found.push(format!("{file}: a route of {owner} ({tag:?})")),
                None => found.push(format!("{file}: tag {tag:?} has no owner in OWNERS")),
            }
        }
    }
    found
}

/// Files of a `store/` folder that name routes, the web framework or an HTTP client.
fn http_in_stores(files: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (file, source) in files {
        if !file.contains("/store/") {
            continue;
        }
        for name in NOT_IN_A_STORE {
            if source.contains(name) {
                found.push(format!("{file} names {name}"));
            }
        }
    }
    found
}

#[test]
fn every_route_sits_with_the_capability_that_owns_its_tag() {
    let files = sources();
    let tags: usize = files.iter().map(|(_, s)| route_tags(s).len()).sum();
    assert!(tags >= 50, "only {tags} routes found: the reader is wrong");
    let found = misplaced_routes(&files);
    assert!(
        found.is_empty(),
        "routes outside their capability:\n{}",
        found.join("\n")
    );
    // And the checker sees one planted in the watcher's folder.
    let planted = [(
        "crates/watch/src/routes.rs".to_owned(),
        "#[utoipa::path(get, path = \"/regressions\", tag = \"regressions\",\n    responses())]\nasync fn list() {}\n".to_owned(),
    )];
    assert_eq!(
        misplaced_routes(&planted),
        ["crates/watch/src/routes.rs: a route of regressions (\"regressions\")"]
    );
}

#[test]
fn a_store_folder_holds_no_routes_and_no_http_client() {
    let found = http_in_stores(&sources());
    assert!(
        found.is_empty(),
        "web code in a store:\n{}",
        found.join("\n")
    );
    let planted = [
        (
            "crates/watch/src/store/fleet_routes.rs".to_owned(),
            "use actix_web::web;\n".to_owned(),
        ),
        (
            "crates/watch/src/store/trend.rs".to_owned(),
            "use crate::infra::sor::remote::RemoteSor;\n".to_owned(),
        ),
        (
            "src/watch/routes.rs".to_owned(),
            "use actix_web::web;\n".to_owned(),
        ),
    ];
    assert_eq!(
        http_in_stores(&planted),
        [
            "crates/watch/src/store/fleet_routes.rs names actix_web",
            "crates/watch/src/store/trend.rs names RemoteSor"
        ]
    );
}

/// `use pf_<capability>::…;` in `source`: the names it brings in (types and module aliases),
/// each with its capability (`pf_watch`).
fn capability_imports(source: &str) -> Vec<(String, String)> {
    let mut names = Vec::new();
    for statement in source.split(';') {
        let Some((_, path)) = statement.split_once("use pf_") else {
            continue;
        };
        let capability = format!("pf_{}", path.split("::").next().unwrap_or_default());
        if FLOORS.contains(&capability.as_str()) {
            continue;
        }
        for item in path.split(['{', '}', ',', ':']).map(str::trim) {
            let name = item.rsplit(" as ").next().unwrap_or(item);
            if !name.is_empty() && name != "self" {
                names.push((name.to_owned(), capability.to_owned()));
            }
        }
    }
    names
}

/// Struct literals in `app/` of a capability's types other than its `start`'s inputs.
fn capability_literals(files: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (file, source) in files.iter().filter(|(f, _)| top_folder(f) == "app") {
        let imported = capability_imports(source);
        for (at, _) in source.match_indices('{') {
            let before = source[..at].trim_end();
            let path_start = before
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(0, |i| i + 1);
            let path: Vec<&str> = before[path_start..].split("::").collect();
            let name = path.last().copied().unwrap_or_default();
            let keyword = before[..path_start].split_whitespace().last().unwrap_or("");
            let declares = ["struct", "enum", "impl", "for", "let", "trait", "->", "mod"];
            if !name.starts_with(char::is_uppercase) || declares.contains(&keyword) {
                continue;
            }
            let owner = match path.as_slice() {
                [capability, _, ..]
                    if capability.starts_with("pf_") && !FLOORS.contains(capability) =>
                {
                    Some((*capability).to_owned())
                }
                [first, ..] => imported
                    .iter()
                    .find(|(n, _)| n == first)
                    .map(|(_, c)| c.clone()),
                [] => None,
            };
            if let Some(owner) = owner {
                if !name.ends_with("Needs") && !name.ends_with("Settings") {
                    found.push(format!("{file} builds {name}, a struct of {owner}"));
                }
            }
        }
    }
    found
}

#[test]
fn the_composition_root_builds_no_capability_insides() {
    let files = sources();
    let found = capability_literals(&files);
    assert!(
        found.is_empty(),
        "struct literals of capabilities in app/:\n{}",
        found.join("\n")
    );
    let planted = [(
        "src/app/front.rs".to_owned(),
        "use pf_front_door::{FrontDoorReads, FrontDoorService};\n\
         use pf_watch::start::{self as watch, WatchNeeds};\n\
         use pf_model::Window;\n\
         use super::Ground;\n\
         fn f(ground: Ground) {\n    let Ground { settings } = ground;\n\
             let reads = FrontDoorReads { series };\n\
             let job = watch::Watcher { trends };\n\
             let needs = WatchNeeds { summaries };\n\
             let w = Window { from };\n}\n"
            .to_owned(),
    )];
    assert_eq!(
        capability_literals(&planted),
        [
            "src/app/front.rs builds FrontDoorReads, a struct of pf_front_door",
            "src/app/front.rs builds Watcher, a struct of pf_watch"
        ]
    );
}

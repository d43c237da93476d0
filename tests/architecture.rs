//! The rules of the house that Cargo and the compiler cannot keep, read from the text
//! (docs/architecture.md has the table of which rule is whose). Cargo keeps every floor below
//! and the capabilities one way; the compiler keeps a capability's modules private, so no path
//! reaches past its `lib.rs` (`crates/regressions/src/lib.rs` shows one failing to build). Test
//! files are left out: tests may reach anywhere. Each check also runs on planted cases.

use std::fs;

use regex::Regex;

/// The pure floors, and every floor: the crates that are no capability.
const PURE: [&str; 4] = ["model", "formats", "pprof", "detection"];
const FLOORS: &str = "model formats pprof detection infra http testing";

/// A capability's modules that may be public: its test support, behind a feature.
const TEST_SUPPORT: [&str; 2] = ["testing", "fault"];

/// What precedes a type's name where a literal is not written but declared or destructured.
const DECLARED: &str = r"(struct|enum|impl|for|let|->|trait)?\s*\b";

/// The folder that owns each OpenAPI tag: `crates/<folder>`.
const OWNERS: &str = "alerts:alerts|rules:alerts|baselines:baselines|diff:diff-report|\
    fleet:fleet-search|front door:front-door|history:history|ingest:ingest|operations:health|\
    profiles:profiles|querier:querier|regressions:regressions|services:registry|trends:watch|\
    triage:triage";

/// `(file, text without comment lines)` of every product file under `dir`.
fn sources(dir: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for path in fs::read_dir(dir).unwrap().flatten().map(|e| e.path()) {
        let file = path.to_string_lossy().replace('\\', "/");
        if path.is_dir() {
            out.extend(sources(&file));
        } else if file.ends_with(".rs") && !file.ends_with("tests.rs") {
            let text = fs::read_to_string(&path).unwrap();
            let code = text.lines().filter(|l| !l.trim_start().starts_with("//"));
            out.push((file, code.collect::<Vec<_>>().join("\n")));
        }
    }
    out
}

/// Whether a crate's folder (or its Rust name, `pf_` aside) is a floor's.
fn is_floor(name: &str) -> bool {
    FLOORS.split(' ').any(|floor| floor == name)
}

/// The folder a file is in: `crates/watch/src/x.rs` -> `watch`, `src/app/x.rs` -> `app`.
fn folder(file: &str) -> &str {
    let inner = file.strip_prefix("crates/");
    let inner = inner.unwrap_or(file.trim_start_matches("src/"));
    inner.split('/').next().unwrap_or_default()
}

/// Every broken rule in `files`: a route outside the folder of its tag's owner; `std::fs` in a
/// pure floor; web code in a `store/`; a `pub mod` in a capability's `lib.rs` other than its
/// test support; a struct literal in `app/` of a capability's type other than what its `start`
/// takes (`…Needs`, `…Settings`).
fn broken(files: &[(String, String)]) -> Vec<String> {
    let tag = Regex::new(r#"#\[utoipa::path\([^\]]*?tag = "([^"]+)""#).unwrap();
    let public_module = Regex::new(r"(?m)^pub mod (\w+);").unwrap();
    let import = Regex::new(r"use pf_(\w+)::([^;]+);").unwrap();
    let name = Regex::new(r"\b[A-Z]\w*").unwrap();
    let mut found = Vec::new();
    for (file, code) in files {
        let mut broke = |what: String| found.push(format!("{file}: {what}"));
        for route in tag.captures_iter(code) {
            let owner = format!("{}:{}", &route[1], folder(file));
            if !OWNERS.split('|').any(|o| o == owner) {
                broke(format!("a route tagged {}", &route[1]));
            }
        }
        let forbidden: &[&str] = match folder(file) {
            f if PURE.contains(&f) => &["std::fs"],
            _ if file.contains("/store/") => &["utoipa::path", "actix_web", "RemoteSor", "reqwest"],
            _ => &[],
        };
        for word in forbidden.iter().filter(|w| code.contains(**w)) {
            broke(word.to_string());
        }
        for module in public_module.captures_iter(code).map(|m| m[1].to_owned()) {
            let capability = file.ends_with("/src/lib.rs") && !is_floor(folder(file));
            if capability && file.starts_with("crates/") && !TEST_SUPPORT.contains(&&*module) {
                broke(format!("pub mod {module}"));
            }
        }
        if folder(file) != "app" {
            continue;
        }
        for import in import.captures_iter(code).filter(|i| !is_floor(&i[1])) {
            for t in name.find_iter(&import[2]).map(|t| t.as_str()) {
                let literal = Regex::new(&format!(r"{DECLARED}{t} \{{")).unwrap();
                let built = literal.captures_iter(code).any(|c| c.get(1).is_none());
                let taken = t.ends_with("Needs") || t.ends_with("Settings");
                if built && !taken {
                    broke(format!("builds {t}"));
                }
            }
        }
    }
    found
}

/// A file a line, `file: text`, each breaking one rule but the last.
const PLANTED: &str = r#"crates/watch/src/x.rs: #[utoipa::path(tag = "regressions")]
crates/model/src/x.rs: fn f() { std::fs::read("x"); }
crates/watch/src/store/y.rs: use pf_infra::sor::RemoteSor;
crates/watch/src/lib.rs: pub mod store;
src/app/z.rs: use pf_watch::{Watcher, WatchNeeds}; Watcher {}; WatchNeeds {}
crates/alerts/src/lib.rs: pub mod testing;"#;

#[test]
fn every_room_holds_what_its_name_says() {
    let mut files = sources("src");
    for entry in fs::read_dir("crates").unwrap().flatten() {
        files.extend(sources(&format!("{}/src", entry.path().to_string_lossy())));
    }
    assert!(files.len() > 300, "only {} files read", files.len());
    assert_eq!(broken(&files), [] as [String; 0]);
    let planted = PLANTED.lines().map(|line| line.split_once(": ").unwrap());
    let planted: Vec<_> = planted.map(|(f, c)| (f.to_owned(), c.to_owned())).collect();
    let expected = [
        "crates/watch/src/x.rs: a route tagged regressions",
        "crates/model/src/x.rs: std::fs",
        "crates/watch/src/store/y.rs: RemoteSor",
        "crates/watch/src/lib.rs: pub mod store",
        "src/app/z.rs: builds Watcher",
    ];
    assert_eq!(broken(&planted), expected);
}

/// The frameworks among a manifest's `[dependencies]`: Cargo then keeps a pure floor from them.
fn frameworks(manifest: &str) -> Vec<String> {
    let manifest: toml::Table = manifest.parse().unwrap();
    let dependencies = manifest["dependencies"].as_table().unwrap().keys();
    let frameworks = ["actix-web", "sqlx", "reqwest", "tokio"];
    let mut found: Vec<String> = dependencies.cloned().collect();
    found.retain(|d| frameworks.contains(&d.as_str()));
    found
}

#[test]
fn the_pure_floors_depend_on_no_framework() {
    for name in PURE {
        let manifest = fs::read_to_string(format!("crates/{name}/Cargo.toml")).unwrap();
        assert_eq!(frameworks(&manifest), [] as [String; 0], "crates/{name}");
    }
    let planted = "[dependencies]\ntokio.workspace = true\n[dev-dependencies]\nsqlx = \"0\"";
    assert_eq!(frameworks(planted), ["tokio"]);
}

//! The toolchain the project says it needs is the one its lock file needs: `rust-version` in
//! Cargo.toml equals the newest `rust-version` any locked dependency declares (the real
//! minimum), and the Dockerfile builds with that same version. Fails, naming the packages,
//! when a dependency update raises the minimum without the manifest and the image following.

use std::path::Path;
use std::process::Command;

/// A `major.minor[.patch]` version, compared as numbers.
fn version(text: &str) -> (u64, u64, u64) {
    let mut parts = text
        .trim()
        .split('.')
        .map(|p| p.parse::<u64>().unwrap_or(0));
    let mut next = || parts.next().unwrap_or(0);
    (next(), next(), next())
}

fn shown((major, minor, patch): (u64, u64, u64)) -> String {
    if patch == 0 {
        format!("{major}.{minor}")
    } else {
        format!("{major}.{minor}.{patch}")
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Cargo.toml's `workspace.package.rust-version`, which every crate of the workspace takes.
fn declared() -> String {
    let text = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let manifest: toml::Table = toml::from_str(&text).expect("Cargo.toml parses");
    manifest["workspace"]["package"]["rust-version"]
        .as_str()
        .expect("Cargo.toml states a rust-version")
        .to_string()
}

/// Every locked package but the workspace's own (they have no `source`), with the rust-version
/// it declares.
fn locked_minimums() -> Vec<((u64, u64, u64), String)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata --locked failed (is Cargo.lock current?): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let resolved: Vec<&str> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("a resolved graph")
        .iter()
        .filter_map(|node| node["id"].as_str())
        .collect();
    metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| !p["source"].is_null())
        .filter(|p| p["id"].as_str().is_some_and(|id| resolved.contains(&id)))
        .filter_map(|p| {
            let minimum = version(p["rust_version"].as_str()?);
            Some((
                minimum,
                format!("{} {}", p["name"].as_str()?, p["version"].as_str()?),
            ))
        })
        .collect()
}

#[test]
fn rust_version_is_the_newest_minimum_of_the_locked_dependencies() {
    let declared = declared();
    let locked = locked_minimums();
    let newest = locked.iter().map(|(v, _)| *v).max().expect("dependencies");
    let needing: Vec<&str> = locked
        .iter()
        .filter(|(v, _)| *v == newest)
        .map(|(_, name)| name.as_str())
        .collect();
    assert_eq!(
        version(&declared),
        newest,
        "Cargo.toml says rust-version = {declared:?}, but the lock file needs {} ({}): set it to \
         that, and RUST_VERSION in the Dockerfile with it",
        shown(newest),
        needing.join(", ")
    );
}

#[test]
fn the_dockerfile_builds_with_the_declared_rust_version() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile");
    let image_version = dockerfile
        .lines()
        .find_map(|line| line.strip_prefix("ARG RUST_VERSION="))
        .expect("the Dockerfile has `ARG RUST_VERSION=`");
    assert_eq!(
        image_version.trim(),
        declared(),
        "the Dockerfile's RUST_VERSION and Cargo.toml's rust-version disagree"
    );
}

#[test]
fn versions_compare_as_numbers() {
    assert!(version("1.89") > version("1.88.0"));
    assert!(version("1.100") > version("1.89"));
    assert_eq!(version("1.89"), version("1.89.0"));
    assert_eq!(shown((1, 89, 0)), "1.89");
}

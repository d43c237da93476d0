//! The Kubernetes manifests deploy what the binary serves: the split manifest runs every function
//! (each SOR, the v2 of each BOR, the alert evaluator and the profile watcher), and every
//! in-cluster URL it sets names a Service it declares. Schema validity is CI's
//! `scripts/validate-manifests.sh` (kubernetes-validate); this checks what a schema cannot.

use std::collections::BTreeSet;
use std::path::Path;

use pyroscope_functions::app::settings::{BorVersion, Function};

fn manifest(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy/kubernetes")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The value of each `- name: <env>` entry, from the `value:` line that follows it.
fn env_values(yaml: &str, env: &str) -> Vec<String> {
    let lines: Vec<&str> = yaml.lines().map(str::trim).collect();
    lines
        .windows(2)
        .filter(|pair| pair[0] == format!("- name: {env}"))
        .filter_map(|pair| pair[1].strip_prefix("value:"))
        .map(|v| v.trim().trim_matches('"').to_string())
        .collect()
}

/// The names of the Services a manifest declares.
fn services(yaml: &str) -> BTreeSet<String> {
    yaml.split("\n---")
        .filter(|doc| doc.lines().any(|l| l.trim() == "kind: Service"))
        .filter_map(|doc| {
            doc.lines()
                .find_map(|l| l.strip_prefix("  name: "))
                .map(|n| n.trim().to_string())
        })
        .collect()
}

#[test]
fn the_split_manifest_runs_every_function_once() {
    let split = manifest("split.yaml");
    let deployed = env_values(&split, "FUNCTION");
    let wanted: Vec<&str> = Function::ALL
        .iter()
        .filter(|(f, _)| *f != Function::All)
        .filter(|(f, _)| f.bor().is_none_or(|(_, version)| version == BorVersion::V2))
        .map(|(_, name)| *name)
        .collect();
    for name in &wanted {
        let count = deployed.iter().filter(|d| d == name).count();
        assert_eq!(count, 1, "split.yaml deploys FUNCTION={name} {count} times");
    }
    assert_eq!(
        deployed.len(),
        wanted.len(),
        "split.yaml deploys {deployed:?}"
    );
}

#[test]
fn every_in_cluster_url_names_a_declared_service() {
    let split = manifest("split.yaml");
    let declared = services(&split);
    let urls = [
        "PROFILE_DATA_URL",
        "BASELINE_URL",
        "HISTORY_URL",
        "REGISTRY_URL",
        "ALERT_RULE_URL",
        "WATCH_URL",
    ];
    for env in urls {
        for url in env_values(&split, env) {
            let host = url
                .trim_start_matches("http://")
                .split(':')
                .next()
                .unwrap_or_default();
            assert!(
                declared.contains(host),
                "{env}={url}: no Service {host} in split.yaml"
            );
        }
    }
    assert!(
        env_values(&split, "WATCH_URL").len() == 1,
        "triage draws its trends from the watcher"
    );
}

#[test]
fn the_all_in_one_manifest_runs_everything_in_one_process() {
    let all = manifest("all-in-one.yaml");
    assert_eq!(env_values(&all, "FUNCTION"), ["all"]);
}

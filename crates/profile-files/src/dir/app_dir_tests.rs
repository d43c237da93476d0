use std::fs;

use super::{app_dir, app_dirs, components, MAX_COMPONENT};
use pf_model::AppName;

fn name(raw: &str) -> AppName {
    raw.parse().expect("a valid app name")
}

fn found(root: &std::path::Path) -> Vec<String> {
    app_dirs(root)
        .unwrap()
        .into_iter()
        .map(|(app, _)| app)
        .collect()
}

#[test]
fn plain_names_are_their_own_directory_and_the_rest_are_escaped() {
    assert_eq!(components("checkout"), ["checkout"]);
    assert_eq!(components("default/checkout"), ["default\\2Fcheckout"]);
    assert_eq!(components("team a/checkout"), ["team a\\2Fcheckout"]);
    assert_eq!(components(".hidden"), ["\\2Ehidden"]);
    assert_eq!(components(".."), ["\\2E."]);
    assert_eq!(components("50%\\off"), ["50%\\5Coff"]);
    assert_eq!(components("app.cpu"), ["app.cpu"]);
}

#[test]
fn every_app_name_round_trips_through_its_directory() {
    let root = tempfile::tempdir().unwrap();
    let names = [
        "checkout".to_owned(),
        "default/checkout".to_owned(),
        "team a/checkout".to_owned(),
        "ünïcode/ärger %41 \\2F".to_owned(),
        "..".to_owned(),
        "100%".to_owned(),
        "trailing\\".to_owned(),
        "é".repeat(200),
        "x".repeat(255),
        "/".repeat(255),
        "\\".repeat(255),
        ".".repeat(255),
        "🔥".repeat(255),
        format!("{}.{}", "a".repeat(253), "b"),
    ];
    for raw in &names {
        let dir = app_dir(root.path(), &name(raw));
        fs::create_dir_all(&dir).unwrap();
        assert!(dir.starts_with(root.path()), "{raw}: {}", dir.display());
        for part in dir.strip_prefix(root.path()).unwrap().components() {
            let part = part.as_os_str().to_str().unwrap();
            assert!(part.len() <= MAX_COMPONENT, "{raw}: {part}");
            assert!(!part.starts_with('.'), "{raw}: {part}");
        }
    }
    let mut found = found(root.path());
    let mut expected = names.to_vec();
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn a_store_written_by_the_releases_before_reads_as_it_was_written() {
    let root = tempfile::tempdir().unwrap();
    // The names the old store took as directories, `%` and all: it refused `\`.
    for old in ["checkout", "50%off", "a%2Fb", "100%", "Zahlungsdienst"] {
        fs::create_dir_all(root.path().join(old)).unwrap();
    }
    fs::create_dir_all(app_dir(root.path(), &name("x/y"))).unwrap();
    assert_eq!(
        found(root.path()),
        [
            "100%",
            "50%off",
            "Zahlungsdienst",
            "a%2Fb",
            "checkout",
            "x/y"
        ]
    );
    // A new push of an old name goes to the directory it was always in.
    assert_eq!(
        app_dir(root.path(), &name("a%2Fb")),
        root.path().join("a%2Fb")
    );
}

#[test]
fn hidden_entries_files_and_undecodable_directories_are_not_apps() {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir_all(root.path().join(".staging")).unwrap();
    fs::create_dir_all(root.path().join("bad\\zz")).unwrap();
    fs::create_dir_all(root.path().join("tab\\09")).unwrap();
    fs::write(root.path().join("loose.pb"), b"").unwrap();
    fs::create_dir_all(root.path().join("ok")).unwrap();
    assert_eq!(found(root.path()), ["ok"]);
}

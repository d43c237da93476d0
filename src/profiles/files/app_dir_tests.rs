use std::fs;

use super::{adopt_layout, app_dir, app_dirs, components, LITERAL_NAME_FILE, MAX_COMPONENT};
use crate::model::AppName;

fn name(raw: &str) -> AppName {
    raw.parse().expect("a valid app name")
}

#[test]
fn plain_names_are_their_own_directory_and_the_rest_are_escaped() {
    assert_eq!(components("checkout"), ["checkout"]);
    assert_eq!(components("default/checkout"), ["default%2Fcheckout"]);
    assert_eq!(components("team a/checkout"), ["team a%2Fcheckout"]);
    assert_eq!(components(".hidden"), ["%2Ehidden"]);
    assert_eq!(components(".."), ["%2E."]);
    assert_eq!(components("50%\\off"), ["50%25%5Coff"]);
    assert_eq!(components("app.cpu"), ["app.cpu"]);
}

#[test]
fn every_app_name_round_trips_through_its_directory() {
    let root = tempfile::tempdir().unwrap();
    let names = [
        "checkout".to_owned(),
        "default/checkout".to_owned(),
        "team a/checkout".to_owned(),
        "ünïcode/ärger %41".to_owned(),
        "..".to_owned(),
        "100%".to_owned(),
        "é".repeat(200),
        "x".repeat(255),
        "/".repeat(255),
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
    let mut found: Vec<String> = app_dirs(root.path())
        .unwrap()
        .into_iter()
        .map(|(app, _)| app)
        .collect();
    let mut expected = names.to_vec();
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn a_store_written_before_names_were_encoded_reads_as_it_was_written() {
    let root = tempfile::tempdir().unwrap();
    // Names the old store took as directories: `%` was written as it is.
    for old in ["checkout", "50%off", "a%2Fb", "100%", "Zahlungsdienst"] {
        fs::create_dir_all(root.path().join(old)).unwrap();
    }
    adopt_layout(root.path()).unwrap();
    adopt_layout(root.path()).unwrap();
    assert!(root.path().join("a%2Fb").join(LITERAL_NAME_FILE).exists());
    assert!(!root
        .path()
        .join("checkout")
        .join(LITERAL_NAME_FILE)
        .exists());
    // A directory made after the layout is adopted is read by the encoding.
    fs::create_dir_all(app_dir(root.path(), &name("x/y"))).unwrap();
    let found: Vec<String> = app_dirs(root.path())
        .unwrap()
        .into_iter()
        .map(|(app, _)| app)
        .collect();
    assert_eq!(
        found,
        [
            "100%",
            "50%off",
            "Zahlungsdienst",
            "a%2Fb",
            "checkout",
            "x/y"
        ]
    );
}

#[test]
fn hidden_entries_files_and_undecodable_directories_are_not_apps() {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir_all(root.path().join(".staging")).unwrap();
    fs::create_dir_all(root.path().join("bad%ff")).unwrap();
    fs::create_dir_all(root.path().join("tab%09")).unwrap();
    fs::write(root.path().join("loose.pb"), b"").unwrap();
    fs::create_dir_all(root.path().join("ok")).unwrap();
    let found: Vec<String> = app_dirs(root.path())
        .unwrap()
        .into_iter()
        .map(|(app, _)| app)
        .collect();
    assert_eq!(found, ["ok"]);
}

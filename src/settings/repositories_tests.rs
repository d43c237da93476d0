//! The repositories' settings (the commits crate's), as the settings file reads them.

use std::path::Path;

use super::Settings;

#[test]
fn repositories_are_found_by_url_then_by_app_within_500_commits_by_default() {
    let none = Vec::<(String, String)>::new;
    let s = Settings::load_from(None, none()).unwrap();
    assert_eq!(s.repositories.max_commits.get(), 500);
    assert!(s.repositories.dirs.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("repositories.toml");
    let toml = "[repositories]\nmax_commits = 50\n[repositories.dirs]\n\
                \"https://github.com/acme/ledger\" = \"/srv/git/ledger.git\"\n\
                checkout = \"/srv/git/checkout\"\n";
    std::fs::write(&file, toml).unwrap();
    let s = Settings::load_from(file.to_str(), none()).unwrap();
    let repositories = &s.repositories;
    assert_eq!(repositories.max_commits.get(), 50);
    assert_eq!(
        repositories.dir_for(Some("https://github.com/acme/ledger/"), "ledger"),
        Some(Path::new("/srv/git/ledger.git"))
    );
    assert_eq!(
        repositories.dir_for(None, "checkout"),
        Some(Path::new("/srv/git/checkout"))
    );
    assert_eq!(
        repositories.dir_for(Some("https://example.com/x"), "x"),
        None
    );

    std::fs::write(&file, "[repositories]\nmax_commits = 0\n").unwrap();
    let err = Settings::load_from(file.to_str(), none()).err().unwrap();
    assert!(err.to_string().contains("max_commits"), "{err}");
}

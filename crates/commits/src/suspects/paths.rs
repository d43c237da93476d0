//! A build path as a path in the repository (docs/regressions.md#the-change-that-caused-it): the
//! profile names the file where it was built (`/build/src/app/score.go`,
//! `/home/ci/work/app/score.go`); the agent's `service_root_path` says where the repository's root
//! was, else the longest suffix of the path that names a file of the repository at the range's end.

/// `build`'s path in the repository: with `root` stripped when it starts the path, else its
/// longest suffix (whole components) for which `exists` holds; `None` when no suffix is a file
/// of the repository.
pub fn repo_path(
    build: &str,
    root: Option<&str>,
    mut exists: impl FnMut(&str) -> bool,
) -> Option<String> {
    let build = build.replace('\\', "/");
    if let Some(root) = root
        .map(|r| r.trim_end_matches('/'))
        .filter(|r| !r.is_empty())
    {
        if let Some(rest) = build.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
            if exists(rest) {
                return Some(rest.to_owned());
            }
        }
    }
    let parts: Vec<&str> = build.split('/').filter(|p| !p.is_empty()).collect();
    (0..parts.len())
        .map(|skip| parts[skip..].join("/"))
        .find(|candidate| exists(candidate))
}

#[cfg(test)]
mod tests {
    use super::repo_path;

    fn repository(path: &str) -> bool {
        ["app/score.go", "score.go", "lib/app/score.go", "main.py"].contains(&path)
    }

    #[test]
    fn the_root_path_is_stripped_else_the_longest_suffix_in_the_repository_wins() {
        let at = |build, root| repo_path(build, root, repository);
        assert_eq!(
            at("/build/src/app/score.go", Some("/build/src")).as_deref(),
            Some("app/score.go")
        );
        assert_eq!(
            at("/build/src/app/score.go", Some("/build/src/")).as_deref(),
            Some("app/score.go")
        );
        // No root, or one that does not start the path: the longest suffix that exists.
        assert_eq!(
            at("/home/ci/lib/app/score.go", None).as_deref(),
            Some("lib/app/score.go")
        );
        assert_eq!(
            at("/x/app/score.go", Some("/elsewhere")).as_deref(),
            Some("app/score.go")
        );
        assert_eq!(at("C:\\w\\main.py", None).as_deref(), Some("main.py"));
        assert_eq!(at("/x/unknown.go", None), None);
        assert_eq!(at("", None), None);
    }
}
